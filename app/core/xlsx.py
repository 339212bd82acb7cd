"""Workbooks printed on A4 (openpyxl): the font and thin borders of the ward's printed forms,
text cells that stay text, the page setup, and the file's bytes. What a workbook holds and how
its sheet is laid out stay with its domain (app/reception/export.py, app/reporting/exports.py)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.worksheet.worksheet import Worksheet

from app.core.validation import strip_control_chars

FONT = "Times New Roman"  # the font of administrative documents
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
PAGE_FOOTER = "Trang &P/&N"  # "Page n/N", in the form's language


def font(size: float, **style) -> Font:
    """The documents' font at `size`, with `bold`, `italic`… as given."""
    return Font(name=FONT, size=size, **style)


def table_style(name: str, alignment: Alignment, *, size: float, number_format: str = "General",
                **style) -> NamedStyle:
    """A named style for a table's cells (the font at `size`, thin borders). Register it once with
    `wb.add_named_style`: styling each cell on its own costs openpyxl a hash of every font and
    border per cell (seconds for a year's register)."""
    return NamedStyle(name=name, font=font(size, **style), border=BORDER, alignment=alignment,
                      number_format=number_format)


def write_text(cell, value: str) -> None:
    """`value` as a text cell: control characters dropped, empty as no value, and text even when
    it begins with "=" (what people typed is never run as a formula)."""
    cell.value = strip_control_chars(value) or None
    cell.data_type = "s"


def setup_a4(ws: Worksheet, *, landscape: bool, title_rows: str, side_margin: float) -> None:
    """Print on A4, fitted to the page's width and as many pages down as needed, with the rows
    `title_rows` ("3:5") repeated at the top of every page and the pages numbered."""
    ws.print_title_rows = title_rows
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    assert ws.sheet_properties.pageSetUpPr is not None  # openpyxl always creates it
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = side_margin
    assert ws.oddFooter is not None  # openpyxl always creates it
    ws.oddFooter.center.text = PAGE_FOOTER


def to_bytes(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes."""
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
