"""The reception register as a workbook (form 03 of Circular 04/2021/TT-TTCP): its layout,
headings, values, and print setup."""

from datetime import date, datetime
from io import BytesIO

from openpyxl import load_workbook

from app.reception.export import FIRST_DATA_ROW, register_workbook
from app.reception.register import RegisterEntry


def entry(**kw) -> RegisterEntry:
    data = dict(number=1, visit_on=date(2026, 3, 5), name_address="Trần Thị Bình\nSố 5 ngõ 2, TDP 3",
                id_number="001234567890", summary="Đề nghị cấp giấy chứng nhận quyền sử dụng đất",
                kind_complaint=False, kind_denunciation=False, kind_petition=True, people=1,
                previously_handled_by="", accepted=False, guided_to="", guidance_number="", transferred_to="",
                transfer_number="", follow_up="", notes="", visit_id=1)
    data.update(kw)
    return RegisterEntry(**data)


def sheet(entries, start=date(2026, 3, 1), end=date(2026, 3, 31)):
    content = register_workbook(entries, ward="Phường Phú La", start=start, end=end)
    assert content[:2] == b"PK"
    return load_workbook(BytesIO(content)).active


def test_title_period_and_the_forms_two_row_header():
    ws = sheet([])
    assert ws["A1"].value == "SỔ TIẾP CÔNG DÂN" and ws["A1"].font.b
    assert ws["A2"].value == "Phường Phú La – Từ ngày 01/03/2026 đến ngày 31/03/2026"
    assert [ws.cell(3, c).value for c in (1, 2, 3, 4, 5, 6, 10, 11, 12, 14, 16, 17)] == [
        "STT", "Ngày tiếp", "Họ tên, địa chỉ", "Số CCCD/Hộ chiếu", "Nội dung vụ việc", "Phân loại đơn, số người",
        "Cơ quan đã giải quyết", "Tiếp nhận", "Trả lại đơn và hướng dẫn", "Chuyển đơn",
        "Theo dõi kết quả giải quyết", "Ghi chú"]
    assert [ws.cell(4, c).value for c in range(6, 10)] == ["Khiếu nại", "Tố cáo", "Kiến nghị, phản ánh", "Số người"]
    assert [ws.cell(4, c).value for c in range(12, 16)] == [
        "Người/cơ quan được hướng dẫn đến", "Số văn bản hướng dẫn", "Cơ quan được chuyển đến", "Số văn bản chuyển"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:Q1", "A2:Q2", "A3:A4", "E3:E4", "F3:I3", "L3:M3", "N3:O3", "Q3:Q4", "F5:I5", "L5:M5",
            "N5:O5"} <= merged
    numbers = [ws.cell(FIRST_DATA_ROW - 1, c).value for c in range(1, 18)]
    assert [n for n in numbers if n] == [f"({i})" for i in range(1, 13)]
    assert ws.max_row == FIRST_DATA_ROW - 1  # no visits, no rows
    assert ws.cell(3, 1).alignment.wrap_text and ws.column_dimensions["E"].width > ws.column_dimensions["A"].width


def test_a_ward_name_that_looks_like_a_formula_stays_text():
    content = register_workbook([], ward="=HYPERLINK(\"http://x\")", start=date(2026, 3, 1), end=date(2026, 3, 31))
    cell = load_workbook(BytesIO(content)).active["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_one_row_per_entry_with_marks_dates_and_text_kept_as_text():
    ws = sheet([
        entry(),
        entry(number=2, visit_on=date(2026, 3, 12), kind_petition=False, kind_complaint=True, accepted=True,
              people=7, name_address="Phạm Văn Đoàn\nTDP 4\nNgười đại diện: Ông Một; Bà Hai",
              follow_up="Đơn 2026-000123: Đã tiếp nhận", summary="=HYPERLINK(\"http://evil\")"),
        entry(number=3, kind_petition=False, kind_denunciation=True, guided_to="Công an phường",
              guidance_number="12/HD", name_address="[bảo mật]\n[bảo mật]", id_number="[bảo mật]"),
    ])
    rows = [[c for c in row] for row in ws.iter_rows(min_row=FIRST_DATA_ROW)]
    assert len(rows) == 3
    first, second, third = ([c.value for c in r] for r in rows)
    assert first[:5] == [1, datetime(2026, 3, 5), "Trần Thị Bình\nSố 5 ngõ 2, TDP 3", "001234567890",
                         "Đề nghị cấp giấy chứng nhận quyền sử dụng đất"]
    assert rows[0][1].number_format == "dd/mm/yyyy" and rows[0][2].alignment.wrap_text
    assert first[5:9] == [None, None, "x", 1] and first[10] is None
    assert second[5:11] == ["x", None, None, 7, None, "x"] and second[15] == "Đơn 2026-000123: Đã tiếp nhận"
    assert second[4] == '=HYPERLINK("http://evil")' and rows[1][4].data_type == "s"  # never a formula
    assert third[6] == "x" and third[11:13] == ["Công an phường", "12/HD"] and third[2].startswith("[bảo mật]")


def test_print_setup_is_a4_landscape_fitted_to_width_with_the_header_repeated():
    ws = sheet([entry()])
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and int(ws.page_setup.fitToWidth) == 1
    assert int(ws.page_setup.fitToHeight) == 0
    assert ws.freeze_panes == f"A{FIRST_DATA_ROW}"
    assert ws.print_title_rows == f"$3:${FIRST_DATA_ROW - 1}"
