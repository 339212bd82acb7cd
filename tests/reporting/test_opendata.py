"""The open data ZIP: every CSV with its header and the README; public data only; the cases the
page counts, by the same rules (no protected case, complete months, "<3" and "ẩn"); no cell a
spreadsheet would run as a formula."""

import csv
import io
import zipfile
from datetime import date, timedelta

from sqlmodel import select

from app.cases import intake, split
from app.core.timeutil import local_today
from app.models.reception import ReceptionVisit
from app.reporting import opendata, stats, stats_cases, withholding
from tests import factories
from tests.cases.test_service import case_input
from tests.reporting import test_periodic as hand_counted
from tests.reporting.test_withholding import given_away

travel = hand_counted.travel
leader = hand_counted.leader

TODAY = date(2026, 11, 27)  # as in tests/reporting/test_stats.py: the last complete month is October


def _zip(client):
    r = client.get("/open-data.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"].startswith('attachment; filename="du-lieu-mo-')
    z = zipfile.ZipFile(io.BytesIO(r.content))
    return {n: z.read(n).decode("utf-8") for n in z.namelist()}


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def _cases(session, today=TODAY):
    return _rows(opendata.cases_csv(session, today).decode("utf-8"))


def _totals(rows, month):
    return {r["kind"]: r for r in rows if r["month"] == month and r["by"] == "total"}


def _shown(count: withholding.Count) -> str:
    return "ẩn" if count.hidden else str(count)


def test_every_file_with_its_columns_described(client):
    files = _zip(client)
    assert set(files) == {"README.md", "disclosures.csv", "cases.csv", "reception.csv", "dialogues.csv",
                          "commitments.csv"}
    for name, text in files.items():
        if name.endswith(".csv"):
            header = text.splitlines()[0].split(",")
            assert f"## {name}" in files["README.md"]
            section = files["README.md"].split(f"## {name}")[1].split("\n## ")[0]
            assert all(col in section for col in header), (name, [c for c in header if c not in section])
    readme = files["README.md"]
    for rule in ('ghi "<3"', 'ghi "ẩn"', "tháng đang diễn ra không có trong cases.csv và reception.csv",
                 "không chia chéo", "Only complete months", "more cells are withheld"):
        assert rule in readme, rule


def test_public_data_only_and_no_denunciations(client, session, travel, leader):
    factories.published(session, factories.principal(session, "publisher"), title="Dự toán ngân sách 2027")
    factories.draft(session, factories.principal(session, "publisher"), title="Bản nháp chưa công khai")
    last_month = local_today().replace(day=1) - timedelta(days=1)  # complete months only
    travel(last_month)
    intake.file_case(session, data=case_input(kind="denunciation", subject="Tố cáo ông Nguyễn Văn Bê"),
                     channel="web", actor=hand_counted.CITIZEN)
    session.commit()
    for _ in range(3):
        hand_counted._file(session, travel, leader, last_month, kind="feedback", field="urban_order")
    files = _zip(client)
    everything = "".join(files.values())
    assert "Bản nháp chưa công khai" not in everything and "Nguyễn Văn" not in everything
    assert "an@example.org" not in everything and "Tố cáo ông" not in everything
    assert [d["title"] for d in _rows(files["disclosures.csv"])] == ["Dự toán ngân sách 2027"]
    rows = _rows(files["cases.csv"])
    assert {r["kind"] for r in rows} == {"feedback"}  # never worked out by subtraction
    cases = _totals(rows, last_month.strftime("%Y-%m"))
    assert cases["feedback"]["received"] == "3"
    assert {(r["by"], r["group"], r["received"]) for r in rows if r["by"] != "total"} == {
        ("field", "urban_order", "3"), ("channel", "web", "3")}


def test_the_page_and_the_file_count_the_same_cases(session, travel, leader):
    """A letter split into feedback and a denunciation protects its sender in both parts; a
    denunciation reclassified as feedback stays protected: neither is in the file, and the page
    leaves them out of its months too — so comparing the two tells nothing."""
    day = date(2026, 6, 1)
    letter = hand_counted._file(session, travel, leader, day, kind="feedback", field="other")
    travel(day)
    split.split(session, principal=leader, complaint_id=letter.id, data=split.SplitInput(parts=[
        {"kind": "feedback", "subject": "Phản ánh đèn đường hỏng", "content": "Đèn đường ngõ 5 hỏng một tuần."},
        {"kind": "denunciation", "subject": "Tố cáo cán bộ thu tiền", "content": "Thu thêm tiền ngoài quy định."}]))
    session.commit()
    reclassified = hand_counted._file(session, travel, leader, day, kind="denunciation", field="other")
    hand_counted._act(session, travel, leader, reclassified, day, "classify", kind="feedback")
    for _i in range(3):
        hand_counted._file(session, travel, leader, day, kind="feedback", field="other")
    june = {mo.key: p for mo, p in stats.public_stats(session, today=TODAY).cases.months}["2026-06"]
    rows = _cases(session)
    assert {r["kind"]: r["received"] for r in _totals(rows, "2026-06").values()} == {"feedback": "3"}
    assert june.received.value == 3


def test_small_counts_read_less_than_three(session, travel, leader):
    """The same rule as the page: 1 or 2 reads "<3"; no average over fewer than 3 ratings."""
    case = hand_counted._file(session, travel, leader, date(2026, 7, 6), kind="complaint", field="land",
                              channel="walk_in")
    hand_counted._accept(session, travel, leader, case, date(2026, 7, 7))
    hand_counted._resolve(session, travel, leader, case, date(2026, 7, 20))
    hand_counted._rate(session, travel, case, date(2026, 7, 21), 1)
    for rating in (5, 4, 4):
        case = hand_counted._file(session, travel, leader, date(2026, 8, 3), kind="feedback", field="environment")
        hand_counted._accept(session, travel, leader, case, date(2026, 8, 4))
        hand_counted._resolve(session, travel, leader, case, date(2026, 8, 10))
        hand_counted._rate(session, travel, case, date(2026, 8, 11), rating)
    rows = _cases(session)
    july = [r for r in rows if r["month"] == "2026-07"]
    assert {(r["kind"], r["by"], r["group"]) for r in july} >= {
        ("complaint", "total", ""), ("complaint", "field", "land"), ("complaint", "channel", "walk_in")}
    total = _totals(rows, "2026-07")["complaint"]
    # One case: "<3" (or "ẩn", when the page's figures would give it away), never "1".
    assert total["received"] in ("<3", "ẩn") and total["past_intake"] in ("<3", "ẩn")
    assert (total["ratings"], total["average_rating"]) == ("<3", "")  # was "1" and "1.0"
    august = _totals(rows, "2026-08")["feedback"]
    assert (august["ratings"], august["average_rating"]) == ("3", "4.33")
    assert not [r for r in rows if {r["received"], r["past_intake"], r["resolved"], r["ratings"]} & {"1", "2"}]


def test_no_count_can_be_worked_out_against_the_page(session, travel, leader):
    """July: 3 complaints, 1 petition, 3 feedback, all filed on the portal, all about land. The
    page says 7 were received in July; the file must not let 7 − 3 − 3 give the petition away —
    nor its fields, its channels, or the page's 12 months by kind."""
    for kind, n in (("complaint", 3), ("petition", 1), ("feedback", 3)):
        for _i in range(n):
            hand_counted._file(session, travel, leader, date(2026, 7, 6), kind=kind, field="land")
    st = stats.public_stats(session, today=TODAY)
    page = {f"page.{mo.key}": _shown(p.received) for mo, p in st.cases.months}
    page |= {f"page.online.{mo.key}": _shown(p.online) for mo, p in st.cases.months}
    page |= {f"page.12m.{k}": _shown(p.received) for k, p in st.cases.by_kind if k != stats_cases.DENUNCIATION}
    page["page.12m"] = _shown(st.cases.total.received)
    assert page["page.2026-07"] == "7"
    rows = [r for r in _cases(session) if r["month"] == "2026-07"]
    cells = {f"{r['kind']}.{r['by']}.{r['group']}": r["received"] for r in rows}
    kinds = ("complaint", "petition", "feedback")
    for k in kinds:  # a kind, field or channel without a row has none
        cells.setdefault(f"{k}.total.", "0")
        cells.setdefault(f"{k}.field.land", "0")
        cells.setdefault(f"{k}.channel.web", "0")
    assert set(cells) == {f"{k}.{by}" for k in kinds for by in ("total.", "field.land", "channel.web")}
    sums = [(f"{k}.total.", (f"{k}.field.land",), 0) for k in kinds]
    sums += [(f"{k}.total.", (f"{k}.channel.web",), 0) for k in kinds]
    sums += [("page.2026-07", tuple(f"{k}.total." for k in kinds), 0),
             ("page.online.2026-07", tuple(f"{k}.channel.web" for k in kinds), 0),
             ("page.12m", tuple(f"page.12m.{k}" for k in kinds), 0)]
    sums += [(f"page.12m.{k}", (f"{k}.total.",), 0) for k in kinds]
    page = {k: v for k, v in page.items() if k in {t for t, _p, _k in sums} or any(k in p for _t, p, _k in sums)}
    assert given_away(cells | page, sums, 7) == {}
    assert "<3" in cells.values() and "ẩn" in cells.values()


def test_the_month_under_way_is_left_out(session, travel, leader):
    """Complete months only, in cases.csv and reception.csv as on the page; nor any visit on a
    denunciation or on a case whose sender is protected."""
    for day in (date(2026, 10, 30), date(2026, 11, 2)):
        hand_counted._file(session, travel, leader, day, kind="feedback", field="other")
    protected = hand_counted._file(session, travel, leader, date(2026, 10, 5), kind="denunciation", field="other")
    hand_counted._act(session, travel, leader, protected, date(2026, 10, 5), "classify", kind="petition")
    october = hand_counted._session_on(session, travel, leader, date(2026, 10, 29), host_role="chairman")
    hand_counted._visit(session, travel, leader, october, date(2026, 10, 29))
    hand_counted._visit(session, travel, leader, october, date(2026, 10, 29), case_kind="petition")
    visit = session.exec(select(ReceptionVisit).order_by(ReceptionVisit.id.desc())).first()
    visit.complaint_id = protected.id  # about the reclassified denunciation
    session.add(visit)
    hand_counted._visit(session, travel, leader, october, date(2026, 10, 29), case_kind="denunciation")
    november = hand_counted._session_on(session, travel, leader, date(2026, 11, 5), host_role="chairman")
    hand_counted._visit(session, travel, leader, november, date(2026, 11, 5))
    session.commit()
    assert {(r["month"], r["kind"], r["received"]) for r in _cases(session) if r["by"] == "total"} == {
        ("2026-10", "feedback", "<3")}
    reception = _rows(opendata.reception_csv(session, TODAY).decode("utf-8"))
    assert [(r["month"], r["sessions_held"], r["kind"], r["visits"]) for r in reception] == [
        ("2026-10", "1", "petition", "1")]


def test_no_cell_starts_like_a_formula(session):
    publisher = factories.principal(session, "publisher")
    titles = ("=HYPERLINK(\"http://x.example/\";\"Bấm\")", "+84 Thông báo", "-1 Kế hoạch", "@SUM(A1)",
              "Thông báo bình thường")
    for title in titles:
        factories.published(session, publisher, title=title)
    rows = _rows(opendata.disclosures_csv(session, "https://phuong.example").decode("utf-8"))
    assert [r["title"] for r in rows] == ["'" + t for t in titles[:4]] + [titles[4]]
    assert [opendata.csv_text(v) for v in ("\tx", "\rx", "<3", "ẩn", 5, -1)] == ["'\tx", "'\rx", "<3", "ẩn", 5, -1]
