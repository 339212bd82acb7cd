"""The periodic report (app/reporting/periodic.py) laid out as tables: once for the staff page and
its print view (`sections`, in the reader's language), and as a workbook (`report_workbook`).

A report has four sections, each a list of tables: a row header and one or more figures per
row. The same rows feed the page, the print view and the workbook, so they cannot disagree.

Layout of each sheet of the workbook (one per section: Đơn thư, Tiếp công dân, Công khai,
Đối thoại):

* row 1: the ward; row 2: the section's title; row 3: the period, its label and its dates;
  row 4: the day the figures are judged on (repeated at the top of every printed page);
* from FIRST_TABLE_ROW: each table as a caption row, a heading row and its rows, then a
  blank row.

Counts are numbers (so the sheet adds up), labels are text cells (never a formula). A4 portrait,
fit to the page's width. The headings are Vietnamese whatever the reader's language: build the
workbook with the locale set to "vi" (the route does)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from app.core.i18n import _
from app.core.validation import strip_control_chars
from app.core.xlsx import font, setup_a4, table_style, to_bytes, write_text
from app.models.complaint import CHANNEL_LABELS, FIELD_LABELS, KIND_LABELS
from app.models.disclosure import CATEGORY_LABELS, METHOD_LABELS
from app.models.reception import OUTCOME_LABELS
from app.reporting.periodic import Report

HEADER_ROWS = 4
FIRST_TABLE_ROW = HEADER_ROWS + 2
LABEL_WIDTH = 62
FIGURE_WIDTH = 14


@dataclass(frozen=True)
class Row:
    """A row header and its figures (int, float, or None for "no figure"); `sub` rows are a
    part of the row above ("of which")."""

    label: str
    values: tuple
    sub: bool = False


@dataclass(frozen=True)
class Table:
    key: str  # unique in the report (HTML ids)
    caption: str
    headings: tuple[str, ...]  # the row headers' column first
    rows: tuple[Row, ...]
    note: str = ""


@dataclass(frozen=True)
class Section:
    key: str  # the contract's name: cases, reception, disclosures, dialogues
    title: str  # short: the sheet's name
    heading: str
    tables: tuple[Table, ...]


def _label(mapping: dict, key: str) -> str:
    return str(mapping.get(key, key))


def _day(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _counts(key: str, caption: str, heading: str, mapping: dict, counts: dict[str, int], unit: str) -> Table:
    return Table(key, caption, (heading, unit),
                 tuple(Row(_label(mapping, k), (n,)) for k, n in counts.items()))


def _one(label: str, value, *, sub: bool = False) -> Row:
    return Row(label, (value,), sub)


def _cases(report: Report) -> Section:
    c = report.cases
    figures = (_("Chỉ tiêu"), _("Số đơn"))
    summary = Table("cases-summary", _("Tiếp nhận và giải quyết đơn"), figures, (
        _one(_("Đơn tiếp nhận trong kỳ"), c.received),
        _one(_("Đơn đã thụ lý"), c.accepted),
        _one(_("Đơn đã giải quyết"), c.resolved),
        _one(_("trong đó: giải quyết đúng hạn"), c.resolved_on_time, sub=True),
        _one(_("trong đó: giải quyết quá hạn"), c.resolved_late, sub=True),
        _one(_("Đơn chưa giải quyết xong"), c.open),
        _one(_("trong đó: đã quá hạn"), c.open_overdue, sub=True),
        _one(_("Tổng số đơn quá hạn (đã giải quyết quá hạn và chưa xong đã quá hạn)"), c.overdue),
        _one(_("Đơn kết thúc ở khâu tiếp nhận (hướng dẫn, chuyển đơn, lưu đơn, không thụ lý)"), c.finished_at_intake),
    ), note=_("Đơn được tính theo ngày tiếp nhận; tình trạng và thời hạn tính đến hết ngày %(d)s.")
        % {"d": _day(report.as_of)})
    rating = Table("cases-satisfaction", _("Mức độ hài lòng của người gửi đơn"), (_("Chỉ tiêu"), _("Giá trị")), (
        _one(_("Số lượt đánh giá"), c.satisfaction_count),
        _one(_("Điểm trung bình (thang 1–5)"), c.satisfaction_average),
    ))
    return Section("cases", _("Đơn thư"), _("Tiếp nhận, giải quyết đơn khiếu nại, tố cáo, kiến nghị, phản ánh"), (
        summary,
        _counts("cases-kind", _("Đơn tiếp nhận theo loại đơn"), _("Loại đơn"), KIND_LABELS, c.by_kind, _("Số đơn")),
        _counts("cases-field", _("Đơn tiếp nhận theo lĩnh vực"), _("Lĩnh vực"), FIELD_LABELS, c.by_field,
                _("Số đơn")),
        _counts("cases-channel", _("Đơn tiếp nhận theo kênh tiếp nhận"), _("Kênh tiếp nhận"), CHANNEL_LABELS,
                c.by_channel, _("Số đơn")),
        rating,
    ))


def _reception(report: Report) -> Section:
    r = report.reception
    sessions = Table("reception-sessions", _("Buổi tiếp công dân"), (_("Chỉ tiêu"), _("Số lượng")), (
        _one(_("Buổi tiếp đã diễn ra (mọi người chủ trì)"), r.sessions_held),
        _one(_("trong đó: do Chủ tịch UBND chủ trì"), r.chairman_sessions_held, sub=True),
        _one(_("Số tuần đã đánh giá"), r.chairman_weeks),
        _one(_("Số ngày Chủ tịch phải tiếp công dân"), r.chairman_days_required),
        _one(_("Số ngày Chủ tịch đã tiếp công dân"), r.chairman_days_held),
        _one(_("Số tuần Chủ tịch tiếp không đủ"), r.chairman_weeks_missed),
    ), note=_("Việc tiếp công dân định kỳ của Chủ tịch tính theo tuần đã kết thúc, tuần thuộc kỳ có ngày thứ Năm "
              "trong kỳ."))
    visits = Table("reception-visits", _("Lượt tiếp công dân"), (_("Chỉ tiêu"), _("Số lượng")), (
        _one(_("Lượt tiếp"), r.visits),
        _one(_("Số người được tiếp"), r.people),
        _one(_("Đoàn đông người (từ 5 người trở lên)"), r.group_visits),
        _one(_("Số người trong các đoàn đông người"), r.group_people, sub=True),
    ))
    return Section("reception", _("Tiếp công dân"), _("Tiếp công dân"), (
        sessions, visits,
        _counts("reception-kind", _("Lượt tiếp theo loại vụ việc"), _("Loại vụ việc"), KIND_LABELS,
                r.visits_by_kind, _("Lượt tiếp")),
        _counts("reception-outcome", _("Lượt tiếp theo kết quả"), _("Kết quả"), OUTCOME_LABELS, r.visits_by_outcome,
                _("Lượt tiếp")),
    ))


def _item_label(category: str, item: int | None) -> str:
    name = _label(CATEGORY_LABELS, category)
    return f"{item}. {name}" if item else name


def _disclosures(report: Report) -> Section:
    d = report.disclosures
    summary = Table("disclosures-summary", _("Văn bản đã công khai trong kỳ"), (_("Chỉ tiêu"), _("Số văn bản")), (
        _one(_("Văn bản đã công khai"), d.published),
        _one(_("trong đó: công khai đúng hạn"), d.on_time, sub=True),
        _one(_("trong đó: công khai chậm"), d.late, sub=True),
        _one(_("trong đó: không có thời hạn (văn bản không ghi ngày ban hành)"), d.no_deadline, sub=True),
        _one(_("Văn bản phải niêm yết có thời hạn"), d.timed_postings),
        _one(_("trong đó: thời gian niêm yết ngắn hơn quy định"), d.short_postings, sub=True),
    ), note=_("Văn bản được tính theo ngày đăng trên cổng, kể cả văn bản đã thu hồi sau đó."))
    items = Table("disclosures-item", _("Theo nội dung công khai (Điều 11 Luật Thực hiện dân chủ ở cơ sở)"),
                  (_("Nội dung"), _("Đã công khai"), _("Đúng hạn"), _("Chậm"), _("Không có thời hạn")),
                  tuple(Row(_item_label(k, n.get("item")), (n["published"], n["on_time"], n["late"], n["no_deadline"]))
                        for k, n in d.by_item.items()))
    return Section("disclosures", _("Công khai"), _("Công khai thông tin"), (
        summary, items,
        _counts("disclosures-method", _("Hình thức công khai đã dùng (Điều 12)"), _("Hình thức"), METHOD_LABELS,
                d.methods, _("Số văn bản")),
    ))


def _dialogues(report: Report) -> Section:
    g = report.dialogues
    if report.period.official:
        required = _one(_("Số cuộc đối thoại phải tổ chức trong năm"), g.required)
        note = _("Quy định tính theo năm (%(n)s cuộc/năm); số cuộc đã tổ chức từ đầu năm báo cáo đến hết kỳ để "
                 "đối chiếu.") % {"n": g.required_per_year}
    else:
        required = _one(_("Số cuộc đối thoại phải tổ chức (tính theo độ dài khoảng ngày)"), g.required)
        note = _("Quy định %(n)s cuộc/năm, tính theo tỷ lệ số ngày của khoảng đã chọn.") % {"n": g.required_per_year}
    held = Table("dialogues-held", _("Hội nghị đối thoại"), (_("Chỉ tiêu"), _("Số lượng")), (
        _one(_("Số cuộc đối thoại đã tổ chức trong kỳ"), g.held),
        _one(_("Số cuộc đã tổ chức từ đầu năm báo cáo"), g.held_year_to_date),
        required,
        _one(_("Ý kiến, câu hỏi của Nhân dân"), g.questions),
        _one(_("trong đó: đã được trả lời"), g.questions_answered, sub=True),
    ), note=note)
    commitments = Table("dialogues-commitments", _("Việc UBND đã hứa tại các cuộc đối thoại"),
                        (_("Chỉ tiêu"), _("Số việc")), (
        _one(_("Tổng số việc đã hứa (tại các cuộc đối thoại đến hết kỳ)"), g.commitments),
        _one(_("đã hoàn thành"), g.commitments_done, sub=True),
        _one(_("không thực hiện nữa"), g.commitments_dropped, sub=True),
        _one(_("đang thực hiện"), g.commitments_open, sub=True),
        _one(_("trong đó: đã quá hạn"), g.commitments_overdue, sub=True),
    ))
    return Section("dialogues", _("Đối thoại"), _("Đối thoại với Nhân dân"), (held, commitments))


def sections(report: Report) -> list[Section]:
    """The report's four sections as tables, in the current locale's words."""
    return [_cases(report), _reception(report), _disclosures(report), _dialogues(report)]


def period_line(report: Report) -> str:
    """The period as the header says it: its label, and its dates when the label has none."""
    p = report.period
    if not p.official:
        return p.label
    return _("%(label)s (từ ngày %(a)s đến ngày %(b)s)") % {"label": p.label, "a": _day(p.start), "b": _day(p.end)}


def as_of_line(report: Report) -> str:
    line = _("Số liệu tính đến hết ngày %(d)s") % {"d": _day(report.as_of)}
    if report.as_of < report.period.start:
        line += " " + _("(kỳ báo cáo chưa bắt đầu)")
    elif report.as_of < report.period.end:
        line += " " + _("(kỳ báo cáo chưa kết thúc)")
    return line


# The workbook ------------------------------------------------------------------------------------

_LABEL, _SUB, _FIGURE, _HEADING = "Báo cáo - nhãn", "Báo cáo - nhãn phụ", "Báo cáo - số", "Báo cáo - tiêu đề cột"


def _styles(wb: Workbook) -> None:
    """Named styles, registered once (see `table_style`)."""
    wb.add_named_style(table_style(_LABEL, Alignment(vertical="top", wrap_text=True), size=12))
    wb.add_named_style(table_style(_SUB, Alignment(vertical="top", wrap_text=True, indent=2), size=12, italic=True))
    wb.add_named_style(table_style(_FIGURE, Alignment(horizontal="right", vertical="top"), size=12,
                                   number_format="#,##0"))
    wb.add_named_style(table_style(_HEADING, Alignment(horizontal="center", vertical="center", wrap_text=True),
                                   size=12, bold=True))


def _text(cell, value: str, style: str | None = None) -> None:
    write_text(cell, value)
    if style:
        cell.style = style


def _figure(cell, value) -> None:
    cell.style = _FIGURE
    if value is None:
        _text(cell, "—")
        cell.alignment = Alignment(horizontal="right", vertical="top")
    else:
        cell.value = value
        if isinstance(value, float):
            cell.number_format = "0.00"


def _sheet(wb: Workbook, ws, section: Section, report: Report) -> None:
    ws.title = section.title
    width = max(len(t.headings) for t in section.tables)
    header = [(report.ward, font(12, bold=True)),
              (_("BÁO CÁO %(s)s") % {"s": section.heading.upper()}, font(14, bold=True)),
              (period_line(report), font(12, italic=True)),
              (as_of_line(report), font(11, italic=True))]
    for row, (value, row_font) in enumerate(header, start=1):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        cell = ws.cell(row, 1)
        _text(cell, value)
        cell.font = row_font
        cell.alignment = Alignment(horizontal="left" if row == 1 else "center", vertical="center", wrap_text=True)
    ws.row_dimensions[2].height = 36

    row = FIRST_TABLE_ROW
    for table in section.tables:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        _text(ws.cell(row, 1), table.caption)
        ws.cell(row, 1).font = font(12, bold=True)
        row += 1
        for col, heading in enumerate(table.headings, start=1):
            _text(ws.cell(row, col), heading, _HEADING)
        row += 1
        for item in table.rows:
            _text(ws.cell(row, 1), item.label, _SUB if item.sub else _LABEL)
            for col, value in enumerate(item.values, start=2):
                _figure(ws.cell(row, col), value)
            row += 1
        if table.note:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
            _text(ws.cell(row, 1), table.note)
            ws.cell(row, 1).font = font(11, italic=True)
            ws.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[row].height = 30
            row += 1
        row += 1  # a blank row between tables

    ws.column_dimensions["A"].width = LABEL_WIDTH
    for col in range(2, width + 1):
        ws.column_dimensions[get_column_letter(col)].width = FIGURE_WIDTH
    setup_a4(ws, landscape=False, title_rows=f"1:{HEADER_ROWS}", side_margin=0.6)


def report_workbook(report: Report) -> bytes:
    """The report as .xlsx bytes: one sheet per section."""
    wb = Workbook()
    _styles(wb)
    wb.properties.title = strip_control_chars(f"{_('Báo cáo định kỳ')} – {report.ward} – {period_line(report)}")
    for i, section in enumerate(sections(report)):
        _sheet(wb, wb.active if i == 0 else wb.create_sheet(), section, report)
    return to_bytes(wb)
