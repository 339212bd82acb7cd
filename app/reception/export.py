"""The reception register as a workbook: "Sổ tiếp công dân", form 03 of Circular 04/2021/TT-TTCP.

Layout of the single sheet:

* row 1: the title; row 2: the ward and the period ("Từ ngày dd/mm/yyyy đến ngày dd/mm/yyyy");
* rows 3–4: the form's twelve column headings, columns 6, 9 and 10 split into sub-columns
  (17 sheet columns in all); row 5: the column numbers (1)…(12), each spanning its sub-columns;
* from FIRST_DATA_ROW: one row per visit, in register order.

Values: column (1) and "Số người" are numbers; column (2) is a real date shown as dd/mm/yyyy
(`number_format`), so the sheet sorts and filters by date; the kind columns and column (8)
hold "x" when they apply, else nothing; everything else is text, written as text even when it
begins with "=" (a visitor's words are never run as a formula).

The headings are the legal form's, in Vietnamese whatever the reader's language."""

from __future__ import annotations

from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.core.xlsx import BORDER, font, setup_a4, table_style, to_bytes, write_text
from app.reception.register import RegisterEntry

TITLE = "SỔ TIẾP CÔNG DÂN"
HEADER_ROWS = (3, 4)
NUMBER_ROW = 5
FIRST_DATA_ROW = 6
MARK = "x"

# The form's columns: (number, heading, [(sub-heading, width)]) — a column without
# sub-columns has one entry with sub-heading None.
COLUMNS: list[tuple[int, str, list[tuple[str | None, float]]]] = [
    (1, "STT", [(None, 6)]),
    (2, "Ngày tiếp", [(None, 11)]),
    (3, "Họ tên, địa chỉ", [(None, 28)]),
    (4, "Số CCCD/Hộ chiếu", [(None, 15)]),
    (5, "Nội dung vụ việc", [(None, 40)]),
    (6, "Phân loại đơn, số người", [("Khiếu nại", 8), ("Tố cáo", 8), ("Kiến nghị, phản ánh", 10), ("Số người", 7)]),
    (7, "Cơ quan đã giải quyết", [(None, 20)]),
    (8, "Tiếp nhận", [(None, 9)]),
    (9, "Trả lại đơn và hướng dẫn", [("Người/cơ quan được hướng dẫn đến", 22), ("Số văn bản hướng dẫn", 13)]),
    (10, "Chuyển đơn", [("Cơ quan được chuyển đến", 22), ("Số văn bản chuyển", 13)]),
    (11, "Theo dõi kết quả giải quyết", [(None, 28)]),
    (12, "Ghi chú", [(None, 22)]),
]
WIDTH = sum(len(subs) for _n, _h, subs in COLUMNS)  # 17 sheet columns

_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TOP = Alignment(vertical="top", wrap_text=True)
_TOP_CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)
_TEXT_STYLE, _CENTRED_STYLE = "Sổ tiếp - nội dung", "Sổ tiếp - giữa"


def _day(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _row_values(e: RegisterEntry) -> list:
    mark = lambda flag: MARK if flag else None  # noqa: E731
    return [e.number, e.visit_on, e.name_address, e.id_number, e.summary,
            mark(e.kind_complaint), mark(e.kind_denunciation), mark(e.kind_petition), e.people,
            e.previously_handled_by, mark(e.accepted), e.guided_to, e.guidance_number,
            e.transferred_to, e.transfer_number, e.follow_up, e.notes]


def register_workbook(entries: list[RegisterEntry], *, ward: str, start: date, end: date) -> bytes:
    """Form 03 for the given rows (from `register.register_entries`), as .xlsx bytes."""
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook's one sheet
    ws.title = "Sổ tiếp công dân"
    wb.properties.title = f"{TITLE} {_day(start)}–{_day(end)}"

    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=WIDTH)
    ws.cell(1, 1, TITLE).font = font(14, bold=True)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=WIDTH)
    heading = ws.cell(2, 1)  # the ward's name is a setting: written as text, never run as a formula
    write_text(heading, f"{ward} – Từ ngày {_day(start)} đến ngày {_day(end)}")
    heading.font = font(12, italic=True)
    for row in (1, 2):
        ws.cell(row, 1).alignment = _CENTER
    ws.row_dimensions[1].height = 24

    top, sub = HEADER_ROWS
    col = 1
    for number, column_heading, subs in COLUMNS:
        last = col + len(subs) - 1
        ws.cell(top, col, column_heading)
        ws.cell(NUMBER_ROW, col, f"({number})")
        if subs[0][0] is None:
            ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
        else:
            ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=last)
            ws.merge_cells(start_row=NUMBER_ROW, start_column=col, end_row=NUMBER_ROW, end_column=last)
            for i, (name, _w) in enumerate(subs):
                ws.cell(sub, col + i, name)
        for i, (_name, width) in enumerate(subs):
            ws.column_dimensions[get_column_letter(col + i)].width = width
        col = last + 1
    for row in (top, sub, NUMBER_ROW):
        for c in range(1, WIDTH + 1):
            cell = ws.cell(row, c)  # merged cells too, so every border is drawn
            cell.font = font(11, bold=row != NUMBER_ROW, italic=row == NUMBER_ROW)
            cell.alignment, cell.border = _CENTER, BORDER
    ws.row_dimensions[sub].height = 45

    # Two named styles, registered once (see `table_style`).
    for name, alignment in ((_TEXT_STYLE, _TOP), (_CENTRED_STYLE, _TOP_CENTER)):
        wb.add_named_style(table_style(name, alignment, size=11))
    centred = {1, 2, 6, 7, 8, 9, 11}  # STT, date, the marks, the number of people
    styles = [_CENTRED_STYLE if c in centred else _TEXT_STYLE for c in range(1, WIDTH + 1)]
    for r, entry in enumerate(entries, start=FIRST_DATA_ROW):
        for c, value in enumerate(_row_values(entry), start=1):
            cell = ws.cell(r, c)
            if isinstance(value, str):
                write_text(cell, value)
            else:
                cell.value = value
            cell.style = styles[c - 1]
            if isinstance(value, date):
                cell.number_format = "dd/mm/yyyy"

    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1).coordinate
    setup_a4(ws, landscape=True, title_rows=f"{top}:{NUMBER_ROW}", side_margin=0.4)
    return to_bytes(wb)
