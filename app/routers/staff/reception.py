"""Placeholder, filled in this session."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
