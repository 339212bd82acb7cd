"""The page /stats as it is laid out: its headline figures (`Headline`), its sections (`Section`),
each a chart and the table that is its text equivalent, and every table's CSV file (`View`),
built once from the figures (`build_view`). The figures come from app/reporting/stats.py, where
the confidentiality rules live; this module only lays them out, with the tables and cells of
app/reporting/stats_tables.py (the page and its CSV files written from the same cells) and the
SVG charts of app/reporting/stats_charts.py. The routes are in app/reporting/web_public.py."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.i18n import _
from app.models.complaint import CHANNEL_LABELS, KIND_LABELS, CaseKind, Channel
from app.models.disclosure import CATEGORY_LABELS, METHOD_LABELS, Category, Method
from app.reporting import stats, stats_cases, withholding
from app.reporting.stats_charts import Chart, bar_chart, monthly_summary
from app.reporting.stats_span import Span
from app.reporting.stats_tables import (
    NO_DATA,
    Cell,
    Table,
    count_cell,
    decimal_cell,
    fmt_count,
    fmt_decimal,
    fmt_int,
    fmt_percent,
    month_cell,
    percent_cell,
)


def _months_hint(span: Span) -> str:
    return _("Dòng đầu (%(first)s) là cùng tháng năm trước, để so sánh; dòng “12 tháng” cộng các tháng "
             "từ %(start)s đến %(end)s.") % {"first": span.months[0].label, "start": span.headline[0].label,
                                             "end": span.end.strftime("%d/%m/%Y")}


def _total_cell() -> Cell:
    return Cell(_("12 tháng"), header=True)


# The page's sections ---------------------------------------------------------------------------

@dataclass
class Headline:
    id: str
    title: str
    value: str
    detail: str
    definition: str
    basis: str
    section: str  # the anchor of the section with its trend


@dataclass
class Section:
    id: str
    title: str
    intro: str
    groups: list[list]  # each a Chart and its Table, or a Table alone (shown side by side on wide screens)


@dataclass
class View:
    span: Span
    headlines: list[Headline]
    sections: list[Section]
    tables: dict[str, Table]
    description: str  # for <meta name="description"> and Open Graph


def _disclosure_section(st: stats.Stats) -> tuple[Section, list[Headline], list[Table]]:
    d, span = st.disclosures, st.span
    days = d.rule.value if d.rule else 5
    basis = _("Điều 11, khoản 1 và khoản 3 Điều 12 Luật Thực hiện dân chủ ở cơ sở 10/2022/QH15")
    monthly = Table(
        "disclosures-monthly", _("Văn bản công khai theo tháng"),
        [_("Tháng"), _("Đã công khai"), _("Đúng hạn"), _("Trễ hạn"), _("Không có hạn"), _("Tỷ lệ đúng hạn (%)")],
        [[month_cell(m), count_cell(r.published), count_cell(r.on_time), count_cell(r.late),
          count_cell(r.no_deadline), percent_cell(r.on_time_share)] for m, r in d.months],
        [[_total_cell(), count_cell(d.total.published), count_cell(d.total.on_time), count_cell(d.total.late),
          count_cell(d.total.no_deadline), percent_cell(d.total.on_time_share)]],
        hint=_months_hint(span))
    items = Table(
        "disclosure-items", _("Văn bản công khai trong 12 tháng, theo nội dung (Điều 11)"),
        [_("Khoản, nội dung"), _("Đã công khai"), _("Đúng hạn"), _("Trễ hạn"), _("Tỷ lệ đúng hạn (%)")],
        [[Cell(f"{r.item}. {CATEGORY_LABELS[Category(r.category)]}", header=True), count_cell(r.published),
          count_cell(r.on_time), count_cell(r.late), percent_cell(r.on_time_share)] for r in d.by_item],
        hint=_("Mỗi khoản của Điều 11 là một nhóm nội dung phường phải công khai. Khoản không có văn bản nào "
               "trong 12 tháng ghi 0."))
    methods = Table(
        "disclosure-methods", _("Hình thức công khai đã dùng trong 12 tháng (khoản 1 Điều 12)"),
        [_("Hình thức"), _("Số văn bản"), _("Tỷ lệ trên số văn bản đã công khai (%)")],
        [[Cell(str(METHOD_LABELS[Method(r.method)]), header=True), count_cell(r.disclosures),
          percent_cell(r.share)] for r in d.methods],
        hint=_("Một văn bản thường được công khai bằng nhiều hình thức, nên tổng các dòng lớn hơn số văn bản."))
    monthly_chart = bar_chart(
        "chart-disclosures", _("Văn bản công khai mỗi tháng: đúng hạn, trễ hạn, không có hạn"),
        monthly_summary(_("Biểu đồ cột ngang số văn bản công khai"), span),
        [(m.label, [(r.on_time, "ok"), (r.late, "late"), (r.no_deadline, "none")], None, fmt_int(r.published))
         for m, r in d.months],
        legend=[("ok", _("Đúng hạn")), ("late", _("Trễ hạn")), ("none", _("Không có hạn"))])
    methods_chart = bar_chart(
        "chart-methods", _("Tỷ lệ văn bản được công khai bằng từng hình thức (12 tháng)"),
        _("Biểu đồ cột ngang tỷ lệ văn bản theo hình thức công khai. Mọi con số có trong bảng ngay sau biểu đồ."),
        [(str(METHOD_LABELS[Method(r.method)]), [(r.share or 0, "main")], None, fmt_percent(r.share))
         for r in d.methods if r.disclosures], percent=True, labels_above=True)
    blocks: list[list[Chart | Table]] = [[monthly_chart, monthly], [items],
                                         [methods_chart, methods] if methods_chart.rows else [methods]]
    section = Section("cong-khai", _("Công khai thông tin"), _(
        "Văn bản đăng trên Cổng thông tin của phường. Đúng hạn: đăng chậm nhất %(days)d ngày làm việc sau ngày "
        "ban hành; văn bản không ghi ngày ban hành thì không có hạn và không tính vào tỷ lệ. Văn bản đã thu "
        "hồi vẫn được tính (đã từng công khai).") % {"days": days}, blocks)
    used = [r for r in d.methods if r.disclosures]
    head = Headline(
        "h-disclosures", _("Công khai đúng hạn"), fmt_percent(d.total.on_time_share),
        _("%(on_time)s trên %(with_deadline)s văn bản có hạn được công khai đúng hạn; %(published)s văn bản, "
          "qua %(methods)d hình thức.") % {"on_time": fmt_int(d.total.on_time),
                                           "with_deadline": fmt_int(d.total.with_deadline),
                                           "published": fmt_int(d.total.published), "methods": len(used)},
        _("Tỷ lệ văn bản đăng trên Cổng chậm nhất %(days)d ngày làm việc sau ngày ban hành, trên số văn bản "
          "có ngày ban hành, trong 12 tháng.") % {"days": days},
        basis, section.id)
    return section, [head], [monthly, items, methods]


def _reception_section(st: stats.Stats) -> tuple[Section, list[Headline], list[Table]]:
    r, span = st.reception, st.span
    per_week = r.rule.value if r.rule else 1
    table = Table(
        "reception-monthly", _("Chủ tịch UBND phường tiếp công dân theo tháng"),
        [_("Tháng"), _("Số tuần"), _("Ngày phải tiếp"), _("Ngày đã tiếp"), _("Tuần không đủ"), _("Tỷ lệ đáp ứng (%)")],
        [[month_cell(m), count_cell(w.weeks), count_cell(w.required), count_cell(w.held),
          count_cell(w.weeks_missed), percent_cell(w.held_share)] for m, w in r.months],
        [[_total_cell(), count_cell(r.total.weeks), count_cell(r.total.required), count_cell(r.total.held),
          count_cell(r.total.weeks_missed), percent_cell(r.total.held_share)]],
        hint=_months_hint(span) + " " + _(
            "Một tuần tính vào tháng có ngày thứ Năm của tuần đó; chỉ tính các tuần đã kết thúc và đã có lịch "
            "tiếp trên hệ thống."))
    chart = bar_chart(
        "chart-reception", _("Ngày Chủ tịch tiếp công dân so với số ngày phải tiếp"),
        monthly_summary(_("Biểu đồ cột ngang số ngày tiếp công dân"), span),
        [(m.label, [(w.held, "main")], w.required or None,
          f"{fmt_int(w.held)}/{fmt_int(w.required)}" if w.weeks else NO_DATA) for m, w in r.months],
        legend=[("main", _("Ngày đã tiếp")), ("target", _("Ngày phải tiếp"))])
    section = Section("tiep-cong-dan", _("Chủ tịch UBND phường tiếp công dân"), _(
        "Chủ tịch UBND phường phải trực tiếp tiếp công dân tại trụ sở ít nhất %(n)d ngày mỗi tuần (tuần có ít "
        "ngày làm việc hơn thì chỉ phải tiếp bằng số ngày làm việc). Tỷ lệ đáp ứng: số ngày phải tiếp đã được "
        "tiếp; ngày tiếp thêm trong một tuần không bù cho tuần khác.") % {"n": per_week}, [[chart, table]])
    total = r.total
    head = Headline(
        "h-reception", _("Chủ tịch tiếp công dân"),
        f"{fmt_int(total.held_as_required)}/{fmt_int(total.required)}" if total.weeks else NO_DATA,
        (_("%(held)s trên %(required)s ngày phải tiếp (%(share)s); %(missed)s trong %(weeks)s tuần không tiếp "
           "đủ.") % {"held": fmt_int(total.held_as_required), "required": fmt_int(total.required),
                     "share": fmt_percent(total.held_share), "missed": fmt_int(total.weeks_missed),
                     "weeks": fmt_int(total.weeks)}) if total.weeks else _("Chưa có tuần nào được ghi nhận."),
        _("Số ngày Chủ tịch UBND phường trực tiếp tiếp công dân so với số ngày phải tiếp, trong các tuần đã kết "
          "thúc của 12 tháng."),
        r.rule.legal_basis if r.rule else _("Điểm d khoản 2 Điều 15 Luật Tiếp công dân 42/2013/QH13"), section.id)
    return section, [head], [table]


def _case_section(st: stats.Stats) -> tuple[Section, list[Headline], list[Table]]:
    c, span = st.cases, st.span
    case_basis = _("Luật Khiếu nại 02/2011/QH13 (Điều 27, 28); Thông tư 05/2021/TT-TTCP (Điều 6, 11); Luật Tố "
                   "cáo 25/2018/QH14 (Điều 24, 30)")

    def timely(name, caption, pick, chart_title):
        table = Table(
            name, caption, [_("Tháng"), _("Số đơn"), _("Đúng hạn"), _("Trễ hạn"), _("Tỷ lệ đúng hạn (%)")],
            [[month_cell(m), *[count_cell(v) for v in pick(p)[:3]], percent_cell(pick(p)[3])] for m, p in c.months],
            [[_total_cell(), *[count_cell(v) for v in pick(c.total)[:3]], percent_cell(pick(c.total)[3])]],
            hint=_months_hint(span))
        chart = bar_chart(
            f"chart-{name}", chart_title, monthly_summary(_("Biểu đồ cột ngang tỷ lệ đúng hạn"), span),
            [(m.label, [(pick(p)[3] or 0, "ok")], None, _share_text(pick(p)[0], pick(p)[3]))
             for m, p in c.months], percent=True)
        return chart, table

    accepted_chart, accepted = timely(
        "cases-accepted", _("Đơn được thụ lý theo tháng"),
        lambda p: (p.accepted, p.accepted_on_time, p.accepted_late, p.accepted_on_time_share),
        _("Tỷ lệ đơn được thụ lý đúng hạn"))
    resolved_chart, resolved = timely(
        "cases-resolved", _("Đơn được giải quyết theo tháng"),
        lambda p: (p.resolved, p.resolved_on_time, p.resolved_late, p.resolved_on_time_share),
        _("Tỷ lệ đơn được giải quyết đúng hạn"))
    online = Table(
        "cases-online", _("Đơn tiếp nhận và đơn gửi trực tuyến theo tháng"),
        [_("Tháng"), _("Đơn tiếp nhận"), _("Gửi trực tuyến"), _("Tỷ lệ trực tuyến (%)")],
        [[month_cell(m), count_cell(p.received), count_cell(p.online), percent_cell(p.online_share)]
         for m, p in c.months],
        [[_total_cell(), count_cell(c.total.received), count_cell(c.total.online), percent_cell(c.total.online_share)]],
        hint=_months_hint(span))
    online_chart = bar_chart(
        "chart-online", _("Tỷ lệ đơn gửi trực tuyến"),
        monthly_summary(_("Biểu đồ cột ngang tỷ lệ đơn gửi trực tuyến"), span),
        [(m.label, [(p.online_share or 0, "main")], None, _share_text(p.received, p.online_share))
         for m, p in c.months], percent=True)
    channels = Table(
        "cases-by-channel", _("Đơn tiếp nhận trong 12 tháng, theo kênh"),
        [_("Kênh tiếp nhận"), _("Số đơn"), _("Tỷ lệ (%)")],
        [[Cell(str(CHANNEL_LABELS.get(Channel(ch), ch)), header=True), count_cell(n), percent_cell(share)]
         for ch, n, share in c.by_channel])
    kinds = dict(c.by_kind)
    measures = [
        (_("Tiếp nhận"), "received"), (_("Thụ lý"), "accepted"), (_("Thụ lý đúng hạn"), "accepted_on_time"),
        (_("Thụ lý trễ hạn"), "accepted_late"), (_("Giải quyết"), "resolved"),
        (_("Giải quyết đúng hạn"), "resolved_on_time"), (_("Giải quyết trễ hạn"), "resolved_late"),
        (_("Quá hạn (cuối kỳ)"), "overdue")]
    order = [*stats_cases.OPEN_KINDS]
    by_kind = Table(
        "cases-by-kind", _("Đơn trong 12 tháng, theo loại"),
        [_("Chỉ tiêu"), *[str(KIND_LABELS[CaseKind(k)]) for k in order], _("Cộng 3 loại"),
         str(KIND_LABELS[CaseKind.denunciation])],
        [[Cell(label, header=True), *[count_cell(getattr(kinds[k], key)) for k in order],
          count_cell(c.overdue_now if key == "overdue" else getattr(c.total, key)),
          count_cell(getattr(kinds[stats_cases.DENUNCIATION], key))] for label, key in measures],
        hint=_("“Cộng 3 loại” là khiếu nại, kiến nghị và phản ánh. Cột “Tố cáo” gồm đơn tố cáo và mọi đơn mà "
               "người gửi được bảo vệ như người tố cáo (phần tách ra từ lá đơn có nội dung tố cáo, đơn từng "
               "được phân loại là tố cáo); các đơn này không được tính ở cột nào khác và không cộng vào số nào "
               "khác, để không ai suy ra được số đơn tố cáo (xem phần “Cách tính”). “Quá hạn (cuối kỳ)”: đơn "
               "chưa giải quyết xong và đã quá hạn vào ngày %(day)s, ngày cuối của 12 tháng.")
        % {"day": span.end.strftime("%d/%m/%Y")})
    section = Section("don-thu", _("Tiếp nhận và giải quyết đơn"), _(
        "Đơn khiếu nại, kiến nghị, phản ánh (đơn tố cáo và đơn được bảo vệ như đơn tố cáo được thống kê riêng, "
        "xem bảng theo loại). Thụ lý đúng "
        "hạn: thụ lý trong hạn xử lý đơn; giải quyết đúng hạn: trong thời hạn giải quyết, kể cả gia hạn, không "
        "tính thời gian tạm đình chỉ. Thời hạn theo bảng quy định của phường, như trang tra cứu đơn; đơn không "
        "có thời hạn theo quy định không tính vào tỷ lệ."),
        [[by_kind], [accepted_chart, accepted], [resolved_chart, resolved], [online_chart, online], [channels]])
    t = c.total
    heads = [
        Headline("h-accepted", _("Thụ lý đúng hạn"), fmt_percent(t.accepted_on_time_share),
                 _timely_detail(t.accepted, t.accepted_on_time, t.accepted_late, _("đơn được thụ lý")),
                 _("Đơn khiếu nại, kiến nghị, phản ánh được thụ lý trong 12 tháng: tỷ lệ thụ lý trong hạn xử lý "
                   "đơn."), case_basis, section.id),
        Headline("h-resolved", _("Giải quyết đúng hạn"), fmt_percent(t.resolved_on_time_share),
                 _timely_detail(t.resolved, t.resolved_on_time, t.resolved_late, _("đơn đã giải quyết")) + " "
                 + _("Quá hạn vào %(day)s: %(n)s đơn.") % {"day": span.end.strftime("%d/%m/%Y"),
                                                             "n": fmt_count(c.overdue_now)},
                 _("Đơn khiếu nại, kiến nghị, phản ánh được giải quyết trong 12 tháng: tỷ lệ giải quyết trong "
                   "thời hạn (kể cả gia hạn)."), case_basis, section.id),
        Headline("h-online", _("Đơn gửi trực tuyến"), fmt_percent(t.online_share),
                 _("%(online)s trên %(received)s đơn tiếp nhận.") % {"online": fmt_count(t.online),
                                                                     "received": fmt_count(t.received)},
                 _("Tỷ lệ đơn gửi qua Cổng thông tin của phường hoặc Cổng dịch vụ công quốc gia, trên mọi đơn "
                   "tiếp nhận trong 12 tháng (không gồm đơn tố cáo)."),
                 _("Chỉ số PAPI, nội dung quản trị điện tử"), section.id),
    ]
    return section, heads, [by_kind, accepted, resolved, online, channels]


def _share_text(count: withholding.Count, share: float | None) -> str:
    """What a percentage bar says at its end: the share, '<3' when there are too few cases to
    publish one, '—' when there are none."""
    if isinstance(count, withholding.Count) and count.shown is None:
        return str(count)
    return fmt_percent(share)


def _timely_detail(of: withholding.Count, on_time: withholding.Count, late: withholding.Count, what: str) -> str:
    """'3 đơn đã giải quyết: 2 đúng hạn, 1 trễ hạn.' — or why no share is given."""
    if of.suppressed:
        return _("Dưới 3 %(what)s: không công bố tỷ lệ.") % {"what": what}
    if of.hidden:
        return _("Số %(what)s không công bố (ô “ẩn”), nên không có tỷ lệ.") % {"what": what}
    if not of.value:
        return _("Chưa có %(what)s.") % {"what": what}
    text = _("%(of)s %(what)s: %(on_time)s đúng hạn, %(late)s trễ hạn.") % {
        "of": fmt_count(of), "what": what, "on_time": fmt_count(on_time), "late": fmt_count(late)}
    if (withholding.number(on_time) is not None and withholding.number(late) is not None
            and on_time.value + late.value < of.value):
        text += " " + _("Số còn lại không có thời hạn theo quy định.")
    return text


def _satisfaction_section(st: stats.Stats) -> tuple[Section, list[Headline], list[Table]]:
    s, span = st.satisfaction, st.span
    table = Table(
        "satisfaction-monthly", _("Đánh giá của người gửi đơn theo tháng"),
        [_("Tháng"), _("Lượt đánh giá"), _("Điểm trung bình (1–5)")],
        [[month_cell(m), count_cell(r.count), decimal_cell(r.average)] for m, r in s.months],
        [[_total_cell(), count_cell(s.total.count), decimal_cell(s.total.average)]],
        hint=_months_hint(span) + " " + _("Tháng có ít hơn 3 lượt đánh giá không công bố điểm trung bình."))
    chart = bar_chart(
        "chart-satisfaction", _("Điểm hài lòng trung bình (thang 1–5)"),
        monthly_summary(_("Biểu đồ cột ngang điểm hài lòng trung bình"), span),
        [(m.label, [(r.average or 0, "main")], None,
          str(r.count) if r.count.shown is None else fmt_decimal(r.average)) for m, r in s.months],
        maximum=5, scale=lambda v: fmt_decimal(v, 1))
    section = Section("hai-long", _("Mức độ hài lòng"), _(
        "Sau khi đơn được giải quyết, người gửi có thể chấm điểm từ 1 (rất không hài lòng) đến 5 (rất hài lòng) "
        "trên trang tra cứu đơn. Tính theo tháng chấm điểm; không gồm đơn tố cáo."), [[chart, table]])
    head = Headline(
        "h-satisfaction", _("Mức độ hài lòng"),
        NO_DATA if s.total.average is None else f"{fmt_decimal(s.total.average)}/5",
        _("%(n)s lượt đánh giá.") % {"n": fmt_count(s.total.count)},
        _("Điểm trung bình người gửi đơn chấm (1–5) cho cách giải quyết, trong 12 tháng."),
        _("Chỉ số PAPI, nội dung trách nhiệm giải trình với người dân"), section.id)
    return section, [head], [table]


def _dialogue_section(st: stats.Stats) -> tuple[Section, list[Headline], list[Table]]:
    g, span = st.dialogues, st.span
    basis = g.rule.legal_basis if g.rule else ""
    held = Table(
        "dialogues-monthly", _("Cuộc đối thoại đã tổ chức theo tháng"), [_("Tháng"), _("Số cuộc đối thoại")],
        [[month_cell(m), count_cell(r.held)] for m, r in g.months],
        [[_total_cell(), count_cell(g.total.held)]], hint=_months_hint(span))
    table = Table(
        "commitments-monthly", _("Cam kết theo tháng đến hạn"),
        [_("Tháng"), _("Đến hạn"), _("Xong đúng hạn"), _("Xong trễ hạn"), _("Không thực hiện"), _("Chưa xong")],
        [[month_cell(m), count_cell(r.commitments_due), count_cell(r.kept), count_cell(r.done_late),
          count_cell(r.dropped), count_cell(r.not_done)] for m, r in g.months],
        [[_total_cell(), count_cell(g.total.commitments_due), count_cell(g.total.kept), count_cell(g.total.done_late),
          count_cell(g.total.dropped), count_cell(g.total.not_done)]],
        hint=_months_hint(span) + " " + _("Mỗi cam kết tính vào tháng đến hạn, khi ngày đến hạn đã qua."))
    years = Table(
        "dialogues-yearly", _("Số cuộc đối thoại trong năm so với quy định"),
        [_("Năm"), _("Đã tổ chức"), _("Tối thiểu theo quy định")],
        [[Cell(str(y.year) if y.year != span.today.year else _("%(y)d (đến nay)") % {"y": y.year},
               csv=str(y.year), header=True), count_cell(y.held), count_cell(y.required)] for y in g.years])
    chart = bar_chart(
        "chart-commitments", _("Cam kết đến hạn và cam kết hoàn thành đúng hạn"),
        monthly_summary(_("Biểu đồ cột ngang số cam kết"), span),
        [(m.label, [(r.kept, "ok"), (r.done_late, "late")], r.commitments_due or None,
          f"{fmt_int(r.kept)}/{fmt_int(r.commitments_due)}" if r.commitments_due else NO_DATA) for m, r in g.months],
        legend=[("ok", _("Xong đúng hạn")), ("late", _("Xong trễ hạn")), ("target", _("Đến hạn"))])
    section = Section("doi-thoai", _("Đối thoại với Nhân dân và cam kết"), _(
        "Hội nghị đối thoại giữa UBND phường với Nhân dân đã tổ chức. Cam kết là những việc UBND phường hứa làm "
        "tại các cuộc đối thoại đã công bố kết quả, mỗi việc có thời hạn; giữ cam kết là xong trước hoặc đúng "
        "ngày đến hạn."), [[years], [held], [chart, table]])
    this_year = g.years[0]
    t = g.total
    heads = [
        Headline("h-dialogues", _("Đối thoại với Nhân dân"),
                 f"{fmt_int(this_year.held)}/{fmt_int(this_year.required)}",
                 _("Năm %(y)d đến nay: %(held)s cuộc, tối thiểu %(required)s. "
                   "Năm %(last)d: %(last_held)s/%(last_required)s.")
                 % {"y": this_year.year, "held": fmt_int(this_year.held), "required": fmt_int(this_year.required),
                    "last": g.years[1].year, "last_held": fmt_int(g.years[1].held),
                    "last_required": fmt_int(g.years[1].required)},
                 _("Số hội nghị đối thoại đã tổ chức trong năm dương lịch so với số tối thiểu theo quy định."),
                 basis, section.id),
        Headline("h-commitments", _("Cam kết được giữ"), fmt_percent(t.kept_share),
                 _("%(kept)s trên %(due)s cam kết đến hạn trong 12 tháng xong đúng hạn; %(open)s chưa xong.")
                 % {"kept": fmt_int(t.kept), "due": fmt_int(t.commitments_due), "open": fmt_int(t.not_done)},
                 _("Tỷ lệ cam kết tại đối thoại (đã công bố kết quả) đến hạn trong 12 tháng được hoàn thành "
                   "trước hoặc đúng ngày đến hạn."), basis, section.id),
    ]
    return section, heads, [years, held, table]


def build_view(st: stats.Stats, ward: str) -> View:
    parts = [_disclosure_section(st), _reception_section(st), _case_section(st), _satisfaction_section(st),
             _dialogue_section(st)]
    sections = [p[0] for p in parts]
    headlines = [h for p in parts for h in p[1]]
    tables = {t.name: t for p in parts for t in p[2]}
    shown = {h.id: h.value for h in headlines if h.value != NO_DATA}
    said = [text % {"v": shown[key]} for key, text in (
        ("h-disclosures", _("công khai đúng hạn %(v)s")), ("h-reception", _("Chủ tịch tiếp công dân %(v)s ngày")),
        ("h-resolved", _("giải quyết đơn đúng hạn %(v)s")), ("h-satisfaction", _("hài lòng %(v)s")),
        ("h-online", _("đơn gửi trực tuyến %(v)s"))) if key in shown]
    description = _("Số liệu minh bạch của %(ward)s trong 12 tháng đến %(day)s") % {
        "ward": ward, "day": st.span.end.strftime("%d/%m/%Y")}
    description += (": " + "; ".join(said) + ".") if said else "."
    return View(st.span, headlines, sections, tables, description)
