"""Public statistics (/stats and its CSV files) against hand-counted fixtures.

The fixtures are the periodic reports' (tests/reporting/test_periodic.py), made through the
services on their own days, plus a few of this file's own. The figures are read as of a fixed
TODAY (27/11/2026): complete months only, so the 13 months run from 10/2025 to 10/2026, the 12
months of the headline figures from 1/11/2025 to 31/10/2026; November 2026 is not counted yet.

What the fixtures hold, month by month (cases of the report's `cases` fixture):
  12/2025  C0 feedback (web, never handled), C1 complaint (post; accepted 20/12 on time)
  01/2026  C5 feedback (web, filed away), C6 DENUNCIATION (walk-in, never handled), C7 complaint
           (web; accepted 22/1 on time); C1 resolved 10/1 on time, rated 5 on 12/1
  02/2026  C8 complaint (post; accepted 3/2 on time), C9 feedback (web, filed away 20/3)
  03/2026  C2 complaint (web; accepted 12/3 on time), C3 feedback (web), C4 petition (phone);
           C7 resolved 10/3 late, rated 3 on 11/3
  04/2026  C8 resolved 1/4 late;  05/2026  C2 resolved 20/5 late
Open and past their deadline at the end of October 2026: C0, C3, C4 (and the denunciation C6)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta
from functools import partial
from html.parser import HTMLParser

import pytest
from sqlalchemy import event

from app.cases import split
from app.core.timeutil import LOCAL_TZ
from app.dialogues import service as dialogues
from app.reporting import stats, stats_span, web_public
from tests import factories
from tests.reporting import test_periodic as hand_counted
from tests.reporting.test_withholding import given_away

# The periodic reports' fixtures, used here as they are.
travel = hand_counted.travel
leader = hand_counted.leader
cases = hand_counted.cases
register = hand_counted.register
disclosed = hand_counted.disclosed
talks = hand_counted.talks

TODAY = date(2026, 11, 27)
MONTHS = ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06",
          "2026-07", "2026-08", "2026-09", "2026-10"]
CASE_TABLES = ("cases-by-kind", "cases-accepted", "cases-resolved", "cases-online", "cases-by-channel",
               "satisfaction-monthly")
PERSONAL = ("Nguyễn Văn An", "Số 3 ngõ 12", "Trần Thị Bình", "203.0.113.9")  # names and addresses in the fixtures


def figures(session, today=TODAY) -> stats.Stats:
    return stats.public_stats(session, today=today, region="hanoi")


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
    monkeypatch.setattr(web_public, "local_today", lambda: TODAY)


# The months --------------------------------------------------------------------------------------

def test_the_span_is_the_twelve_complete_months_and_one_before():
    span = stats_span.Span.ending(TODAY)
    assert [m.key for m in span.months] == MONTHS  # not November 2026, under way
    assert span.end == span.months[-1].end == date(2026, 10, 31)
    assert (span.months[1].start, span.months[1].end) == (date(2025, 11, 1), date(2025, 11, 30))
    assert span.headline_start == date(2025, 11, 1) and span.period.end == date(2026, 10, 31)
    assert span.index(TODAY) is None and span.index(date(2026, 10, 31)) == 12
    january = stats_span.Span.ending(date(2026, 1, 1))  # across the turn of the year, on its first day
    assert (january.months[0].key, january.months[-1].key, january.headline_start, january.end) == (
        "2024-12", "2025-12", date(2025, 1, 1), date(2025, 12, 31))
    assert january.months[2].end == date(2025, 2, 28)
    assert stats_span.Span.ending(date(2028, 3, 31)).months[0].end == date(2027, 2, 28)
    # The same span all month long: the figures change on the 1st only.
    first, last = stats_span.Span.ending(date(2026, 11, 1)), stats_span.Span.ending(date(2026, 11, 30))
    assert first.months == last.months == span.months


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
    assert (t.received.value, t.online.value, stats.percent(t.online_share)) == (9, 6, 67)
    assert (t.accepted.value, t.accepted_on_time.value, t.accepted_late.value) == (4, 4, 0)
    assert stats.percent(t.accepted_on_time_share) == 100
    assert (t.resolved.value, t.resolved_on_time.value, t.resolved_late.value) == (4, 1, 3)
    # One on time: withheld ("<3"), and so is the share built on it (it would say 1 of 4).
    assert (str(t.resolved_on_time), t.resolved_on_time_share) == ("<3", None)
    assert c.overdue_now.value == 3  # C0, C3, C4, at the end of October
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


def test_cases_protected_as_denunciations_are_counted_with_them(session, travel, leader):
    """One rule everywhere (Open311's, the open data's): a case counts among complaints, petitions
    and feedback only when it is not a denunciation and its sender is not protected as a
    denouncer. A letter split into feedback and a denunciation protects its sender in both parts;
    a denunciation reclassified as feedback stays protected. Both count as denunciations only."""
    day = date(2026, 6, 1)
    letter = hand_counted._file(session, travel, leader, day, kind="feedback", field="other")
    travel(day)
    split.split(session, principal=leader, complaint_id=letter.id, data=split.SplitInput(parts=[
        {"kind": "feedback", "subject": "Phản ánh đèn đường hỏng", "content": "Đèn đường ngõ 5 hỏng một tuần."},
        {"kind": "denunciation", "subject": "Tố cáo cán bộ thu tiền", "content": "Thu thêm tiền ngoài quy định."}]))
    session.commit()
    reclassified = hand_counted._file(session, travel, leader, day, kind="denunciation", field="other")
    hand_counted._act(session, travel, leader, reclassified, day, "classify", kind="feedback")
    for action, fields in (("accept", {}), ("assign", {"assignee_id": leader.user.id}), ("start", {})):
        hand_counted._act(session, travel, leader, reclassified, day, action, **fields)
    hand_counted._resolve(session, travel, leader, reclassified, date(2026, 6, 5))
    hand_counted._rate(session, travel, reclassified, date(2026, 6, 6), 1)
    for _i in range(3):
        hand_counted._file(session, travel, leader, day, kind="feedback", field="other")
    assert letter.identity_protected and reclassified.kind == "feedback" and reclassified.identity_protected
    st = figures(session)
    kinds = dict(st.cases.by_kind)
    assert kinds["feedback"].received.value == 3  # the three plain ones
    assert kinds["denunciation"].received.value == 3  # the letter's two parts and the reclassified one
    assert (kinds["denunciation"].resolved.value, kinds["feedback"].resolved.value) == (1, 0)
    june = by_month(st.cases.months)["2026-06"]
    assert (june.received.value, june.resolved.value, st.cases.total.received.value) == (3, 0, 3)
    assert by_month(st.satisfaction.months)["2026-06"].count.value == 0  # the protected one's rating


# Withholding: no "<3" worked out from the page's tables (the rule itself: test_withholding.py) ------

def test_no_case_count_on_the_page_can_be_worked_out(client, on_today, everything):
    """A reader of the page's tables, who knows how they add up, pins down no "<3" cell (before,
    "Tiếp nhận: 4, <3, 4, 9" gave the petition away, and the four "<3" months of 4 accepted
    cases were 1 each)."""
    tables = page_tables(client.get("/stats").text)
    checked = 0
    # The table by kind: each row's three kinds add up to “Cộng 3 loại”; in each column, accepted
    # (resolved) = on time + late (every case of the fixture has a deadline).
    rows = {row[0]: row[1:] for row in tables["cases-by-kind"][1:]}
    cells = {f"{label}|{i}": v for label, row in rows.items() for i, v in enumerate(row)}
    names = list(rows)
    sums = [(f"{label}|3", tuple(f"{label}|{i}" for i in range(3)), 0) for label in names]
    for i in range(5):
        for whole in (1, 4):  # Thụ lý = đúng hạn + trễ hạn; Giải quyết = …
            sums.append((f"{names[whole]}|{i}", (f"{names[whole + 1]}|{i}", f"{names[whole + 2]}|{i}"), 0))
    assert given_away(cells, sums, 9) == {}
    checked += sum(v in ("<3", "ẩn") for v in cells.values())
    # The monthly tables: the “12 tháng” row adds up the last 12 months (not the first row);
    # accepted (resolved) = on time + late in every row.
    for name, width, timely in (("cases-accepted", 3, True), ("cases-resolved", 3, True), ("cases-online", 2, False),
                                ("satisfaction-monthly", 1, False)):
        body = tables[name][1:]
        cells = {f"{r}|{i}": row[1 + i] for r, row in enumerate(body) for i in range(width)}
        last = len(body) - 1
        sums = [(f"{last}|{i}", tuple(f"{r}|{i}" for r in range(1, last)), 0) for i in range(width)]
        if timely:
            sums += [(f"{r}|0", (f"{r}|1", f"{r}|2"), 0) for r in range(len(body))]
        assert given_away(cells, sums, 9) == {}, name
        checked += sum(v in ("<3", "ẩn") for v in cells.values())
    # The channels add up to the 12 months' received.
    received = tables["cases-online"][-1][1]
    cells = {row[0]: row[1] for row in tables["cases-by-channel"][1:]} | {"all": received}
    assert given_away(cells, [("all", tuple(k for k in cells if k != "all"), 0)], 9) == {}
    assert checked >= 20  # there was something to check


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
    assert stats.percent(d.total.on_time_share) == 50
    items = {r.category: (r.item, r.published, r.on_time, r.late, r.no_deadline) for r in d.by_item if r.published}
    assert items == {"budget": (2, 2, 1, 0, 1), "social_support": (7, 1, 0, 1, 0),
                     "fees_charges": (12, 1, 1, 0, 0), "administrative_procedures": (13, 1, 0, 1, 0),
                     "other": (14, 1, 0, 0, 1)}
    assert len(d.by_item) == 14  # every Art. 11 item, none published too
    methods = {r.method: (r.disclosures, stats.percent(r.share)) for r in d.methods if r.disclosures}
    assert methods == {"website": (6, 100), "loudspeaker": (1, 17), "posting": (1, 17)}
    assert d.rule is not None and d.rule.value == 5


# Reception and dialogues ---------------------------------------------------------------------------

def test_the_chairmans_reception_days(session, register):
    r = figures(session).reception
    months = {k: (w.weeks, w.required, w.held, w.weeks_missed) for k, w in by_month(r.months).items()}
    assert months["2025-11"] == (0, 0, 0, 0)  # before the first session on record (18/12/2025)
    assert months["2025-10"] == (0, 0, 0, 0)
    assert months["2025-12"] == (2, 2, 1, 1)  # weeks of 15/12 and 22/12; 29/12 has its Thursday in January
    assert months["2026-02"] == (4, 3, 0, 3)  # the Tết week (16/2) has no working day
    assert months["2026-03"] == (4, 4, 2, 2)  # weeks of 2/3 … 23/3: held 12/3 and 16/3
    assert months["2026-10"][0] == 5  # the weeks of 28/9 (Thursday 1/10) … 26/10 (Thursday 29/10, over by now)
    assert "2026-11" not in months  # under way: not counted
    total = r.total
    assert total.held == total.held_as_required == 3
    assert total.required == total.weeks - 1 and total.weeks_missed == total.required - 3
    assert stats.percent(total.held_share) == stats.percent(3 / total.required)


def test_dialogues_and_commitments(session, talks):
    g = figures(session).dialogues
    held = {k: r.held for k, r in by_month(g.months).items() if r.held}
    assert held == {"2025-12": 1, "2026-03": 2}  # G0; G1 and G2 (06:30 on 15/3); G3 never held
    # Commitments of the published dialogue G1 only, by the month they fell due.
    due = {k: (r.commitments_due, r.kept, r.done_late, r.dropped, r.not_done)
           for k, r in by_month(g.months).items() if r.commitments_due}
    assert due == {"2026-03": (2, 1, 0, 0, 1), "2026-04": (1, 0, 0, 1, 0), "2026-06": (1, 0, 0, 0, 1)}
    assert (g.total.commitments_due, g.total.kept, stats.percent(g.total.kept_share)) == (4, 1, 25)
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
                 # "3 trễ hạn" would tell that 1 of the 4 was on time: withheld.
                 "4 đơn đã giải quyết: &lt;3 đúng hạn, ẩn trễ hạn.", "Quá hạn vào 31/10/2026: 3 đơn.",
                 "Đơn gửi trực tuyến", "67%", "Chủ tịch tiếp công dân", "Đối thoại với Nhân dân", "2/2",
                 "Cam kết được giữ", "Mức độ hài lòng", "Điều 12 Luật Thực hiện dân chủ ở cơ sở 10/2022/QH15",
                 "Điểm d khoản 2 Điều 15 Luật Tiếp công dân 42/2013/QH13", "Điều 56 Luật Tố cáo"):
        assert text in html, text
    assert "Dưới 3 đơn đã giải quyết" not in html  # four were resolved
    # The rules on small counts and on complete months are on the page.
    assert "đều ghi “&lt;3” (dưới 3)" in html
    assert ("Nếu lấy tổng của một hàng hay một cột trừ đi các ô đã công bố mà tính ra được một ô “&lt;3”, trang "
            "giữ lại thêm ô") in html
    assert "12 tháng trọn vẹn gần nhất, từ 01/11/2025 đến 31/10/2026" in html
    assert "Tháng đang diễn ra không được tính" in html
    # Never a name or an address.
    for text in PERSONAL:
        assert text not in html
    # Open Graph: the page's own title and a summary with its figures.
    assert '<meta property="og:title" content="Số liệu minh bạch của Phường Phú La' in html
    description = re.search(r'<meta property="og:description" content="([^"]*)"', html).group(1)
    assert description.startswith("Số liệu minh bạch của Phường Phú La trong 12 tháng đến 31/10/2026:")
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
    # 9 − 4 − 4 would give the one petition away: the next smallest (complaints, 4) is withheld too.
    assert kinds[1] == ["Tiếp nhận", "ẩn", "<3", "4", "9", "<3"]


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
    assert months[6] == ["2026-03", "4", "1", "2", "1", "33"]
    assert months[-1] == ["12 tháng", "5", "1", "2", "2", "33"]
    resolved = read_csv(client.get("/stats/cases-resolved.csv"))
    assert resolved[0] == ["Tháng", "Số đơn", "Đúng hạn", "Trễ hạn", "Tỷ lệ đúng hạn (%)"]
    assert resolved[4] == ["2026-01", "<3", "<3", "0", ""]  # C1: withheld, and so is its share
    assert resolved[-1] == ["12 tháng", "4", "<3", "ẩn", ""]  # 4 − 3 would give the <3 away
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
    dialogue at 06:30 on 1/11/2025 is November's, not October's (which is outside the 12 months)."""
    d = hand_counted._dialogue(session, travel, leader, date(2025, 11, 1), at=(6, 30))
    hand_counted._dialogue(session, travel, leader, date(2025, 10, 31), at=(8, 0))
    held = {k: r.held for k, r in by_month(figures(session).dialogues.months).items() if r.held}
    assert held == {"2025-10": 1, "2025-11": 1}
    assert figures(session).dialogues.total.held == 1
    assert d.starts_at.astimezone(LOCAL_TZ) == datetime.combine(date(2025, 11, 1), time(6, 30), LOCAL_TZ)
    # A case received on the last day of the last month counts; one received in this month does not.
    hand_counted._file(session, travel, leader, date(2026, 10, 31), kind="feedback", field="other")
    hand_counted._file(session, travel, leader, date(2026, 11, 1), kind="feedback", field="other")
    st = figures(session)
    assert by_month(st.cases.months)["2026-10"].received.value == 1 and st.cases.total.received.value == 1


def test_the_month_under_way_changes_nothing(client, session, travel, leader, on_today, everything):
    """Complete months only: a denunciation (or any case) arriving this month, or handled this
    month, changes no figure before the 1st of the next one — comparing the page of two days
    never tells that one arrived."""
    names = ("cases-by-kind", "cases-accepted", "cases-resolved", "cases-online", "cases-by-channel",
             "satisfaction-monthly")
    before = {name: client.get(f"/stats/{name}.csv").content for name in names}
    page = page_tables(client.get("/stats").text)
    hand_counted._file(session, travel, leader, date(2026, 11, 2), kind="denunciation", field="other")
    case = hand_counted._file(session, travel, leader, date(2026, 11, 2), kind="complaint", field="land")
    hand_counted._accept(session, travel, leader, case, date(2026, 11, 3))
    assert {name: client.get(f"/stats/{name}.csv").content for name in names} == before
    assert page_tables(client.get("/stats").text) == page
