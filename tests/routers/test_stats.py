"""Public statistics (/stats and its CSV files) against hand-counted fixtures.

The fixtures are the periodic reports' (tests/services/test_reports.py), made through the
services on their own days, plus a few of this file's own. The figures are read as of a fixed
TODAY (27/11/2026): the 13 months run from 11/2025 to 11/2026, the 12 months of the headline
figures from 1/12/2025 to 27/11/2026.

What the fixtures hold, month by month (cases of the report's `cases` fixture):
  12/2025  C0 feedback (web, never handled), C1 complaint (post; accepted 20/12 on time)
  01/2026  C5 feedback (web, filed away), C6 DENUNCIATION (walk-in, never handled), C7 complaint
           (web; accepted 22/1 on time); C1 resolved 10/1 on time, rated 5 on 12/1
  02/2026  C8 complaint (post; accepted 3/2 on time), C9 feedback (web, filed away 20/3)
  03/2026  C2 complaint (web; accepted 12/3 on time), C3 feedback (web), C4 petition (phone);
           C7 resolved 10/3 late, rated 3 on 11/3
  04/2026  C8 resolved 1/4 late;  05/2026  C2 resolved 20/5 late
Open and past their deadline today: C0, C3, C4 (and the denunciation C6)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta
from functools import partial
from html.parser import HTMLParser

import pytest
from sqlalchemy import event

from app.routers.public import stats as stats_router
from app.services import dialogues
from app.services import stats as S
from app.timeutil import LOCAL_TZ
from tests import factories
from tests.services import test_reports as hand_counted

# The periodic reports' fixtures, used here as they are.
travel = hand_counted.travel
leader = hand_counted.leader
cases = hand_counted.cases
register = hand_counted.register
disclosed = hand_counted.disclosed
talks = hand_counted.talks

TODAY = date(2026, 11, 27)
MONTHS = ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07",
          "2026-08", "2026-09", "2026-10", "2026-11"]
CASE_TABLES = ("cases-by-kind", "cases-accepted", "cases-resolved", "cases-online", "cases-by-channel",
               "satisfaction-monthly")
PERSONAL = ("Nguyễn Văn An", "Số 3 ngõ 12", "Trần Thị Bình", "203.0.113.9")  # names and addresses in the fixtures


def figures(session, today=TODAY) -> S.Stats:
    return S.public_stats(session, today=today)


def by_month(rows) -> dict[str, object]:
    return {m.key: r for m, r in rows}


def take_on(session, travel, leader, case, day):
    """Classify, accept, assign and start a case of any kind (a denunciation needs its handler
    assigned by the leader before work starts)."""
    for action, fields in (("classify", {}), ("accept", {}), ("assign", {"assignee_id": leader.user.id}),
                           ("start", {})):
        hand_counted._act(session, travel, leader, case, day, action, **fields)


@pytest.fixture
def on_today(monkeypatch):
    """The page and its files think it is TODAY."""
    monkeypatch.setattr(stats_router, "local_today", lambda: TODAY)


# The months --------------------------------------------------------------------------------------

def test_the_span_is_the_current_month_and_twelve_before():
    span = S.Span.ending(TODAY)
    assert [m.key for m in span.months] == MONTHS
    assert span.months[-1].current and span.months[-1].end == TODAY
    assert (span.months[1].start, span.months[1].end) == (date(2025, 12, 1), date(2025, 12, 31))
    assert span.headline_start == date(2025, 12, 1) and span.period.end == TODAY
    january = S.Span.ending(date(2026, 1, 1))  # across the turn of the year, on its first day
    assert (january.months[0].key, january.months[-1].key, january.headline_start) == (
        "2025-01", "2026-01", date(2025, 2, 1))
    assert january.months[1].end == date(2025, 2, 28)
    assert S.Span.ending(date(2028, 3, 31)).months[0].end == date(2027, 3, 31)


# Cases -----------------------------------------------------------------------------------------

def test_case_figures_month_by_month(session, cases):
    months = by_month(figures(session).cases.months)
    received = {k: (p.received.value, p.online.value) for k, p in months.items() if p.received.value}
    assert received == {"2025-12": (2, 1), "2026-01": (2, 2), "2026-02": (2, 1), "2026-03": (3, 2)}  # not C6
    accepted = {k: (p.accepted.value, p.accepted_on_time.value, p.accepted_late.value)
                for k, p in months.items() if p.accepted.value}
    assert accepted == {"2025-12": (1, 1, 0), "2026-01": (1, 1, 0), "2026-02": (1, 1, 0), "2026-03": (1, 1, 0)}
    resolved = {k: (p.resolved.value, p.resolved_on_time.value, p.resolved_late.value)
                for k, p in months.items() if p.resolved.value}
    assert resolved == {"2026-01": (1, 1, 0), "2026-03": (1, 0, 1), "2026-04": (1, 0, 1), "2026-05": (1, 0, 1)}
    # Every monthly count here is 1 to 3: those of 1 and 2 are withheld, and so are their shares.
    dec = months["2025-12"]
    assert (str(dec.received), str(dec.online), dec.online_share) == ("<3", "<3", None)
    march = months["2026-03"]
    assert (str(march.received), str(march.online), march.online_share) == ("3", "<3", None)
    assert months["2026-01"].resolved_on_time_share is None  # one case: not published


def test_case_figures_of_the_twelve_months(session, cases):
    c = figures(session).cases
    t = c.total  # complaints, petitions and feedback: C0–C5, C7–C9
    assert (t.received.value, t.online.value, S.percent(t.online_share)) == (9, 6, 67)
    assert (t.accepted.value, t.accepted_on_time.value, t.accepted_late.value) == (4, 4, 0)
    assert S.percent(t.accepted_on_time_share) == 100
    assert (t.resolved.value, t.resolved_on_time.value, t.resolved_late.value) == (4, 1, 3)
    # One on time: withheld ("<3"), and so is the share built on it (it would say 1 of 4).
    assert (str(t.resolved_on_time), t.resolved_on_time_share) == ("<3", None)
    assert c.overdue_now.value == 3  # C0, C3, C4
    kinds = dict(c.by_kind)
    assert list(kinds) == ["complaint", "petition", "feedback", "denunciation"]
    complaint = kinds["complaint"]
    assert (complaint.received.value, complaint.accepted.value, complaint.resolved.value,
            complaint.resolved_on_time.value, complaint.resolved_late.value) == (4, 4, 4, 1, 3)
    assert (str(kinds["petition"].received), str(kinds["petition"].overdue)) == ("<3", "<3")  # C4
    assert (kinds["feedback"].received.value, str(kinds["feedback"].overdue)) == (4, "<3")  # C0, C3
    denunciation = kinds["denunciation"]  # C6 only, kept apart from every other figure
    assert (denunciation.received.value, denunciation.overdue.value) == (1, 1)
    assert (str(denunciation.received), str(denunciation.overdue)) == ("<3", "<3")
    channels = {ch: str(n) for ch, n, _share in c.by_channel}
    assert channels == {"web": "6", "walk_in": "0", "post": "<3", "phone": "<3", "transfer": "0",
                        "national_portal": "0"}


def test_satisfaction(session, cases, travel, leader):
    s = figures(session).satisfaction
    months = by_month(s.months)
    assert (months["2026-01"].count.value, months["2026-03"].count.value) == (1, 1)  # C1: 5, C7: 3
    assert str(months["2026-01"].count) == "<3" and months["2026-01"].average is None
    assert str(s.total.count) == "<3" and s.total.average is None  # two ratings: no average
    # Three more in October 2026 (5, 4, 4): now a month and the year have enough.
    for rating in (5, 4, 4):
        case = hand_counted._file(session, travel, leader, date(2026, 10, 1), kind="feedback", field="other")
        hand_counted._accept(session, travel, leader, case, date(2026, 10, 2))
        hand_counted._resolve(session, travel, leader, case, date(2026, 10, 5))
        hand_counted._rate(session, travel, case, date(2026, 10, 6), rating)
    s = figures(session).satisfaction
    october = by_month(s.months)["2026-10"]
    assert (str(october.count), october.average) == ("3", 4.3)
    assert (s.total.count.value, s.total.average) == (5, 4.2)  # (5 + 3 + 5 + 4 + 4) / 5


def test_a_rated_denunciation_is_not_in_the_ratings(session, travel, leader):
    for kind in ("denunciation", "denunciation", "denunciation", "complaint"):
        case = hand_counted._file(session, travel, leader, date(2026, 6, 1), kind=kind, field="other")
        take_on(session, travel, leader, case, date(2026, 6, 2))
        hand_counted._resolve(session, travel, leader, case, date(2026, 6, 10))
        hand_counted._rate(session, travel, case, date(2026, 6, 11), 1 if kind == "denunciation" else 5)
    s = figures(session).satisfaction
    assert by_month(s.months)["2026-06"].count.value == 1
    kinds = dict(figures(session).cases.by_kind)
    assert str(kinds["denunciation"].resolved) == "3"
    assert figures(session).cases.total.resolved.value == 1  # the complaint only


def test_a_denunciation_count_is_hidden_when_its_rest_is_small():
    """Resolved 4, of which 3 on time: "3" would tell that 1 was late."""
    row = S.CaseRow(resolved=4, resolved_on_time=3, resolved_late=1, accepted=7, accepted_on_time=7)
    den = row.published(denunciations=True)
    assert (str(den.resolved), str(den.resolved_on_time), str(den.resolved_late)) == ("4", "ẩn", "<3")
    assert den.resolved_on_time_share is None
    assert (str(den.accepted), str(den.accepted_on_time), str(den.accepted_late)) == ("7", "7", "0")
    assert S.percent(den.accepted_on_time_share) == 100
    # Complaints, petitions and feedback are not confidential: only the small cells are withheld.
    other = row.published()
    assert (str(other.resolved_on_time), str(other.resolved_late)) == ("3", "<3")
    assert S.percent(S.ratio(S.Count(3), S.Count(4))) == 75 and S.ratio(S.Count(2), S.Count(4)) is None
    assert S.percent(0.875) == 88 and S.percent(0.125) == 13  # half up


# Disclosures -----------------------------------------------------------------------------------

def test_disclosures_month_by_month_and_by_item(session, disclosed, travel, leader):
    # One more, at 06:30 on 1 April (31 March in UTC): it belongs to April, by the ward's date.
    hand_counted._published(session, travel, leader, date(2026, 4, 1), at=(6, 30), category="fees_charges",
                            issued_on=date(2026, 3, 30))
    d = figures(session).disclosures
    months = {k: (r.published, r.on_time, r.late, r.no_deadline) for k, r in by_month(d.months).items()
              if r.published}
    assert months == {"2025-12": (1, 0, 0, 1), "2026-03": (4, 1, 2, 1), "2026-04": (1, 1, 0, 0)}
    assert (d.total.published, d.total.on_time, d.total.late, d.total.no_deadline) == (6, 2, 2, 2)
    assert S.percent(d.total.on_time_share) == 50
    items = {r.category: (r.item, r.published, r.on_time, r.late, r.no_deadline) for r in d.by_item if r.published}
    assert items == {"budget": (2, 2, 1, 0, 1), "social_support": (7, 1, 0, 1, 0),
                     "fees_charges": (12, 1, 1, 0, 0), "administrative_procedures": (13, 1, 0, 1, 0),
                     "other": (14, 1, 0, 0, 1)}
    assert len(d.by_item) == 14  # every Art. 11 item, none published too
    methods = {r.method: (r.disclosures, S.percent(r.share)) for r in d.methods if r.disclosures}
    assert methods == {"website": (6, 100), "loudspeaker": (1, 17), "posting": (1, 17)}
    assert d.rule is not None and d.rule.value == 5


# Reception and dialogues ---------------------------------------------------------------------------

def test_the_chairmans_reception_days(session, register):
    r = figures(session).reception
    months = {k: (w.weeks, w.required, w.held, w.weeks_missed) for k, w in by_month(r.months).items()}
    assert months["2025-11"] == (0, 0, 0, 0)  # before the first session on record (18/12/2025)
    assert months["2025-12"] == (2, 2, 1, 1)  # weeks of 15/12 and 22/12; 29/12 has its Thursday in January
    assert months["2026-02"] == (4, 3, 0, 3)  # the Tết week (16/2) has no working day
    assert months["2026-03"] == (4, 4, 2, 2)  # weeks of 2/3 … 23/3: held 12/3 and 16/3
    assert months["2026-11"][0] == 3  # 2/11, 9/11, 16/11; the week of 23/11 is not over
    total = r.total
    assert total.held == total.held_as_required == 3
    assert total.required == total.weeks - 1 and total.weeks_missed == total.required - 3
    assert S.percent(total.held_share) == S.percent(3 / total.required)


def test_dialogues_and_commitments(session, talks):
    g = figures(session).dialogues
    held = {k: r.held for k, r in by_month(g.months).items() if r.held}
    assert held == {"2025-12": 1, "2026-03": 2}  # G0; G1 and G2 (06:30 on 15/3); G3 never held
    # Commitments of the published dialogue G1 only, by the month they fell due.
    due = {k: (r.commitments_due, r.kept, r.done_late, r.dropped, r.not_done)
           for k, r in by_month(g.months).items() if r.commitments_due}
    assert due == {"2026-03": (2, 1, 0, 0, 1), "2026-04": (1, 0, 0, 1, 0), "2026-06": (1, 0, 0, 0, 1)}
    assert (g.total.commitments_due, g.total.kept, S.percent(g.total.kept_share)) == (4, 1, 25)
    assert [(y.year, y.held, y.required) for y in g.years] == [(2026, 2, 2), (2025, 1, 2)]


# The page --------------------------------------------------------------------------------------

class _Tables(HTMLParser):
    """The cells of each `<table id="t-…">`, as a sighted reader sees them ("<3" included)."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = None
        self._row = None
        self._cell = None
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and (a.get("id") or "").startswith("t-"):
            self._table = self.tables.setdefault(a["id"][2:], [])
        elif self._table is not None and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("td", "th"):
            self._cell = ""
        elif self._cell is not None and tag == "span" and "visually-hidden" in (a.get("class") or ""):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "span" and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if self._cell is not None and not self._hidden:
            self._cell += data


def page_tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def read_csv(response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _small_counts(rows: list[list[str]]) -> list[tuple[str, str, str]]:
    """Cells of 1 or 2 in the count columns (not percentages nor averages) of a table."""
    head = rows[0]
    counts = [i for i, h in enumerate(head) if i and "%" not in h and "1–5" not in h]
    return [(row[0], head[i], row[i]) for row in rows[1:] for i in counts if row[i] in ("1", "2")]


@pytest.fixture
def everything(cases, register, disclosed, talks):
    return None


def test_the_page(client, session, on_today, everything):
    r = client.get("/stats")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    # The headline figures, with their definitions and legal basis.
    for text in ("Công khai đúng hạn", "33%", "Thụ lý đúng hạn", "100%", "Giải quyết đúng hạn",
                 "4 đơn đã giải quyết: &lt;3 đúng hạn, 3 trễ hạn.", "Đang quá hạn hôm nay: 3 đơn.",
                 "Đơn gửi trực tuyến", "67%", "Chủ tịch tiếp công dân", "Đối thoại với Nhân dân", "2/2",
                 "Cam kết được giữ", "Mức độ hài lòng", "Điều 12 Luật Thực hiện dân chủ ở cơ sở 10/2022/QH15",
                 "Điểm d khoản 2 Điều 15 Luật Tiếp công dân 42/2013/QH13", "Điều 56 Luật Tố cáo"):
        assert text in html, text
    assert "Dưới 3 đơn đã giải quyết" not in html  # four were resolved
    # The rule on small counts is on the page.
    assert "đều ghi “&lt;3” (dưới 3)" in html
    # Never a name or an address.
    for text in PERSONAL:
        assert text not in html
    # Open Graph: the page's own title and a summary with its figures.
    assert '<meta property="og:title" content="Số liệu minh bạch của Phường Phú La' in html
    description = re.search(r'<meta property="og:description" content="([^"]*)"', html).group(1)
    assert description.startswith("Số liệu minh bạch của Phường Phú La trong 12 tháng đến 27/11/2026:")
    assert "công khai đúng hạn 33%" in description and "đơn gửi trực tuyến 67%" in description
    assert "giải quyết đơn" not in description  # its share is withheld
    assert f'<meta name="description" content="{description}">' in html


def test_the_charts_are_svg_with_a_text_equivalent(client, on_today, everything):
    html = client.get("/stats").text
    charts = re.findall(r'<figure class="chart">(.*?)</figure>', html, re.S)
    assert len(charts) == 8
    for chart in charts:
        svg = re.search(r'<svg class="chart-svg" viewBox="0 0 360 [\d.]+" role="img" aria-labelledby="([\w-]+)-t" '
                        r'aria-describedby="\1-d"', chart)
        assert svg, chart[:300]
        assert re.search(r"<title id=\"[\w-]+-t\">[^<]+</title>", chart)
        assert "<desc id=" in chart and "bảng ngay sau biểu đồ" in chart
    # Each chart is followed by its table (the text equivalent) before anything else.
    for after in html.split("</figure>")[1:]:
        assert after.index("<table") < after.index("<figure") if "<figure" in after else "<table" in after
    satisfaction = html[html.index('id="chart-satisfaction-t"'):]
    # A month with one rating: "<3" at the end of its bar, and no bar.
    rows = re.findall(r'<text class="lbl" x="0" y="[\d.]+">(\d\d/\d{4})</text>\s*(.*?)<text class="val"[^>]*>([^<]*)'
                      r"</text>", satisfaction[:satisfaction.index("</svg>")], re.S)
    row = {month: (bars.strip(), text) for month, bars, text in rows}
    assert row["01/2026"] == ("", "&lt;3")
    assert len(rows) == 13


def test_no_small_case_count_on_the_page_or_in_the_files(client, on_today, everything):
    tables = page_tables(client.get("/stats").text)
    for name in CASE_TABLES:
        on_page = tables[name]
        in_file = read_csv(client.get(f"/stats/{name}.csv"))
        assert _small_counts(on_page) == [], name
        assert _small_counts(in_file) == [], name
        assert len(on_page) == len(in_file)
    kinds = tables["cases-by-kind"]
    assert kinds[0] == ["Chỉ tiêu", "Khiếu nại", "Kiến nghị", "Phản ánh", "Cộng 3 loại", "Tố cáo"]
    assert [row[-1] for row in kinds[1:]] == ["<3", "0", "0", "0", "0", "0", "0", "<3"]  # C6: received, overdue
    assert kinds[1] == ["Tiếp nhận", "4", "<3", "4", "9", "<3"]


def test_the_csv_files(client, on_today, everything):
    view = client.get("/stats")
    names = re.findall(r'<a href="/stats/([\w-]+)\.csv" download>', view.text)
    assert sorted(names) == sorted(["disclosures-monthly", "disclosure-items", "disclosure-methods",
                                    "reception-monthly", "cases-by-kind", "cases-accepted", "cases-resolved",
                                    "cases-online", "cases-by-channel", "satisfaction-monthly", "dialogues-yearly",
                                    "dialogues-monthly", "commitments-monthly"])
    tables = page_tables(view.text)
    for name in names:
        r = client.get(f"/stats/{name}.csv")
        assert r.status_code == 200
        assert r.headers["content-type"] == "text/csv; charset=utf-8"
        assert r.headers["content-disposition"] == f'attachment; filename="so-lieu-{name}-2026-11-27.csv"'
        rows = read_csv(r)
        assert rows[0] == tables[name][0], name  # the page's column headings
        for text in PERSONAL:
            assert text not in r.content.decode("utf-8-sig")
    months = read_csv(client.get("/stats/disclosures-monthly.csv"))
    assert [row[0] for row in months[1:]] == [*MONTHS, "12 tháng"]
    assert months[5] == ["2026-03", "4", "1", "2", "1", "33"]
    assert months[-1] == ["12 tháng", "5", "1", "2", "2", "33"]
    resolved = read_csv(client.get("/stats/cases-resolved.csv"))
    assert resolved[0] == ["Tháng", "Số đơn", "Đúng hạn", "Trễ hạn", "Tỷ lệ đúng hạn (%)"]
    assert resolved[3] == ["2026-01", "<3", "<3", "0", ""]  # C1: withheld, and so is its share
    assert resolved[-1] == ["12 tháng", "4", "<3", "3", ""]
    items = read_csv(client.get("/stats/disclosure-items.csv"))
    assert items[2] == ["2. Ngân sách, tài chính", "2", "1", "0", "100"]


def test_an_unknown_file_is_404(client):
    assert client.get("/stats/khong-co.csv").status_code == 404
    assert client.get("/stats/cases-by-kind.xlsx").status_code == 404


def test_the_page_without_any_data(client):
    r = client.get("/stats")
    assert r.status_code == 200
    assert "Chưa có đơn đã giải quyết" in r.text
    assert len(re.findall(r'<figure class="chart">', r.text)) == 7  # no methods used: no methods chart
    rows = read_csv(client.get("/stats/cases-online.csv"))
    assert len(rows) == 15 and rows[-1][1:] == ["0", "0", ""]


def test_the_page_in_english(client, on_today, everything):
    client.post("/lang", data={"lang": "en", "csrf_token": factories.csrf(client, "/stats")})
    r = client.get("/stats")
    assert r.status_code == 200 and '<html lang="en">' in r.text


# Cost ------------------------------------------------------------------------------------------

def test_the_number_of_queries_does_not_grow_with_the_data(session, travel, leader, everything):
    engine = session.get_bind()
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def queries() -> int:
        statements.clear()
        session.rollback()
        event.listen(engine, "before_cursor_execute", count)
        try:
            figures(session)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    before = queries()
    file = partial(hand_counted._file, session, travel, leader)
    for i in range(12):  # a dozen more of everything, spread over the months
        day = date(2026, 1, 5) + timedelta(days=25 * i)
        case = file(day, kind=("complaint", "denunciation", "feedback")[i % 3], field="land",
                    channel=("web", "post")[i % 2])
        take_on(session, travel, leader, case, day)
        if i % 2:
            hand_counted._resolve(session, travel, leader, case, day + timedelta(days=3))
            hand_counted._rate(session, travel, case, day + timedelta(days=4), 4)
        row = hand_counted._session_on(session, travel, leader, day, host_role="chairman")
        hand_counted._visit(session, travel, leader, row, day)
        hand_counted._published(session, travel, leader, day, category="budget", issued_on=day,
                                methods=[("posting", day)])
        d = hand_counted._dialogue(session, travel, leader, day + timedelta(days=10), questions=(True,),
                                   commitments=[("Việc cần làm", day + timedelta(days=30),
                                                 [(day + timedelta(days=20), "done")])])
        travel(day + timedelta(days=11))
        dialogues.publish(session, principal=leader, dialogue_id=d.id)
        session.commit()
    assert figures(session).cases.total.received.value > 9
    assert queries() == before


# The same dates on either database --------------------------------------------------------------

def test_months_follow_the_wards_date_not_utc(session, travel, leader):
    """07:00 on the 1st in Hanoi is midnight UTC; 06:59 is still the previous day in UTC. A
    dialogue at 06:30 on 1/12/2025 is December's, not November's (which is outside the 12 months)."""
    d = hand_counted._dialogue(session, travel, leader, date(2025, 12, 1), at=(6, 30))
    hand_counted._dialogue(session, travel, leader, date(2025, 11, 30), at=(8, 0))
    held = {k: r.held for k, r in by_month(figures(session).dialogues.months).items() if r.held}
    assert held == {"2025-11": 1, "2025-12": 1}
    assert figures(session).dialogues.total.held == 1
    assert d.starts_at.astimezone(LOCAL_TZ) == datetime.combine(date(2025, 12, 1), time(6, 30), LOCAL_TZ)
    # A case received on the last day counts (in the current month).
    hand_counted._file(session, travel, leader, TODAY, kind="feedback", field="other")
    assert by_month(figures(session).cases.months)["2026-11"].received.value == 1
