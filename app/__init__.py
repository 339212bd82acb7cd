"""Minh Bạch: transparency and accountability portal for Vietnamese wards and communes."""
