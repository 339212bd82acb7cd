"""The open data export: one ZIP of CSV files (UTF-8, comma-separated, one header row) with a
README describing every column. Only what is public already: published disclosures, dialogues
with their commitments, and counts of cases and reception visits by month, never a person.

Cases follow the rules of /stats (app/reporting/stats.py), so that no file and no comparison of a
file with the page can point at a denouncer (Law on Denunciations Art. 56):
  * the same cases: never a denunciation nor a case whose sender is protected as a denouncer
    (`stats_cases.OPEN_CASE`, as Open311); reception visits on such matters are left out as well;
  * complete months only: the month under way is left out of cases.csv and reception.csv, so
    the files change once a month, like the page;
  * counts of cases are coarse — per month and kind, then by field and by channel apart, not
    crossed — and any of 1 or 2 reads "<3"; no average over fewer than 3 ratings;
  * the cells of cases.csv join the page's in one `withholding.Withholding`: the page's counts stay
    as it publishes them, and more cells of the file are withheld ("ẩn") until none of 1–2
    can be worked out from the file's sums and the page's (a month's kinds add up to the
    page's month, a kind's months to the page's 12 months…).
A text cell never starts like a formula (`csv_text`)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from app.cases import privacy
from app.core.timeutil import LOCAL_TZ, local_today, to_local
from app.dialogues.commitments import overdue
from app.models.complaint import CaseField, CaseStatus, Channel, Complaint
from app.models.dialogue import Commitment, CommitmentUpdate, Dialogue, DialogueQuestion, DialogueStatus
from app.models.disclosure import Category, Disclosure, DisclosureMethod
from app.models.reception import ReceptionSession, ReceptionVisit
from app.reporting import stats_cases, withholding

RESOLVED = (CaseStatus.resolved.value, CaseStatus.closed.value)
LEFT_INTAKE = tuple(s.value for s in CaseStatus if s not in (CaseStatus.received, CaseStatus.classified))
HIDDEN = "ẩn"  # a count withheld so that no small one can be worked out (README)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _month(session: Session, column):
    """'YYYY-MM' of a date column, in SQL, on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def csv_text(value):
    """A cell as written: a text starting with =, +, -, @, a tab or a carriage return gets a
    leading apostrophe, so that a spreadsheet never runs it as a formula (the XLSX exports write
    such text as text). Numbers and dates are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv(header: list[str], rows: Iterable[Iterable]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else csv_text(v) for v in row])
    return out.getvalue().encode("utf-8")


def _first_of_month(today: date) -> date:
    return today.replace(day=1)


def published(count: withholding.Count) -> int | str:
    """A count as the files write it: the number, "<3" or "ẩn"."""
    if count.hidden:
        return HIDDEN
    if count.suppressed:
        return withholding.SUPPRESSED
    return count.value


def disclosures_csv(session: Session, base_url: str) -> bytes:
    methods: dict[int, set[str]] = defaultdict(set)
    for disclosure_id, method in session.exec(select(DisclosureMethod.disclosure_id, DisclosureMethod.method)):
        methods[disclosure_id].add(method)
    # Only the columns the file needs: not the bodies and search text of thousands of documents.
    # Thirteen columns: SQLModel's select() is typed for four at most (fastapi/sqlmodel#271), and its
    # rows as plain tuples; they are SQLAlchemy rows, read here by column name.
    rows: Iterable[Any] = session.exec(
        select(Disclosure.id, Disclosure.title, Disclosure.category,  # type: ignore[call-overload, misc]
               Disclosure.document_number, Disclosure.issuing_body, Disclosure.issued_on, Disclosure.published_at,
               Disclosure.publish_deadline_on, Disclosure.late, Disclosure.posted_on,
               Disclosure.posting_ends_on, Disclosure.status, Disclosure.version)
        .where(col(Disclosure.published_at).is_not(None)).order_by(Disclosure.id))
    header = ["id", "title", "category", "art11_item", "document_number", "issuing_body", "issued_on",
              "published_on", "publish_deadline_on", "late", "posted_on", "posting_ends_on", "status", "version",
              "methods", "url"]
    return _csv(header, ([
        d.id, d.title, d.category, Category(d.category).item if d.category in Category.__members__ else "",
        d.document_number, d.issuing_body, d.issued_on, to_local(d.published_at).date(), d.publish_deadline_on,
        int(d.late), d.posted_on, d.posting_ends_on, d.status, d.version, " ".join(sorted(methods[d.id])),
        f"{base_url}/disclosures/{d.id}"] for d in rows))


def cases_csv(session: Session, today: date | None = None) -> bytes:
    """Per complete month and kind: received, past intake, resolved, ratings; and the received
    by field and by channel (apart, not crossed). Protected as /stats is, with its cells."""
    today = today or local_today()
    span, cells = stats_cases.case_cells(session, today=today)
    cells.freeze()  # the page's counts as it publishes them
    month = _month(session, Complaint.received_on)
    # Nine columns: SQLModel's select() is typed for four at most (fastapi/sqlmodel#271).
    rows = session.exec(
        select(month, Complaint.kind, Complaint.field, Complaint.channel,  # type: ignore[call-overload]
               func.count(col(Complaint.id)),
               func.sum(sql_case((col(Complaint.status).in_(LEFT_INTAKE), 1), else_=0)),
               func.sum(sql_case((col(Complaint.status).in_(RESOLVED), 1), else_=0)),
               func.count(col(Complaint.satisfaction)), func.sum(Complaint.satisfaction))
        .where(stats_cases.OPEN_CASE, Complaint.received_on < _first_of_month(today))
        .group_by(month, Complaint.kind, Complaint.field, Complaint.channel)).all()
    received: dict[tuple, int] = defaultdict(int)
    other: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # past intake, resolved, ratings, points
    for m, kind, field, channel, n, past, done, rated, points in rows:
        for key in ((m, kind), (m, kind, "field", field), (m, kind, "channel", channel)):
            received[key] += int(n or 0)
        for i, value in enumerate((past, done, rated, points)):
            other[(m, kind)][i] += int(value or 0)
    months = sorted({m for m, _kind in other})
    kinds = _with_others(stats_cases.OPEN_KINDS, {k for _m, k in other})
    fields = _with_others([f.value for f in CaseField], {k[3] for k in received if len(k) > 2 and k[2] == "field"})
    channels = _with_others([c.value for c in Channel], {k[3] for k in received if len(k) > 2 and k[2] == "channel"})
    on_page = {mo.key for mo in span.months}
    # The file's cells and sums: each month's kind = its fields = its channels; on the page's
    # months, the kinds add up to the page's month and the online channels to its online; over
    # its 12 months, a kind's months to its 12 months, a channel's to its own.
    for m in months:
        for k in kinds:
            cells.count(("received", m, k), received[(m, k)])
            for by, groups in (("field", fields), ("channel", channels)):
                for g in groups:
                    cells.count(("received", m, k, by, g), received[(m, k, by, g)])
                cells.sum(("received", m, k), [("received", m, k, by, g) for g in groups])
            # past intake ≤ received, resolved ≤ past intake: sums with an unpublished rest.
            past, done = other[(m, k)][:2]
            cells.count(("past_intake", m, k), past)
            cells.count(("resolved_now", m, k), done)
            cells.unpublished(("in_intake", m, k), received[(m, k)] - past)
            cells.unpublished(("unresolved", m, k), past - done)
            cells.sum(("received", m, k), [("past_intake", m, k), ("in_intake", m, k)])
            cells.sum(("past_intake", m, k), [("resolved_now", m, k), ("unresolved", m, k)])
        if m in on_page:
            cells.sum(("received", m), [("received", m, k) for k in kinds])
            cells.sum(("online", m), [("received", m, k, "channel", c) for k in kinds
                                      for c in stats_cases.ONLINE_CHANNELS])
            cells.sum(("offline", m), [("received", m, k, "channel", c) for k in kinds for c in channels
                                       if c not in stats_cases.ONLINE_CHANNELS])
    headline = [m for m in months if m in {mo.key for mo in span.headline}]
    for k in stats_cases.OPEN_KINDS:
        cells.sum(("received", stats_cases.TWELVE, k), [("received", m, k) for m in headline])
    for c in Channel:
        cells.sum(("received", stats_cases.TWELVE, "channel", c.value),
                  [("received", m, k, "channel", c.value) for m in headline for k in kinds])
    cells.solve()
    header = ["month", "kind", "by", "group", "received", "past_intake", "resolved", "ratings", "average_rating"]
    out = []
    for m in months:
        for k in kinds:
            total = cells[("received", m, k)]
            if total.value or total.hidden:
                _past, _done, rated, points = other[(m, k)]
                ratings = withholding.Count(rated)
                out.append([m, k, "total", "", published(total), published(cells[("past_intake", m, k)]),
                            published(cells[("resolved_now", m, k)]), published(ratings),
                            round(points / rated, 2) if ratings.shown else ""])
            for by, groups in (("field", fields), ("channel", channels)):
                for g in groups:
                    cell = cells[("received", m, k, by, g)]
                    if cell.value or cell.hidden:
                        out.append([m, k, by, g, published(cell), "", "", "", ""])
    return _csv(header, out)


def _with_others(known: Iterable[str], found: set[str]) -> list[str]:
    """The codes of an enumeration in its order, then any other found in the data."""
    known = list(known)
    return known + sorted(found - set(known))


def reception_csv(session: Session, today: date | None = None) -> bytes:
    """Per complete month: sessions held (all hosts, the chairman's), visits and people, by kind
    and outcome; never a visit on a denunciation or on a case whose sender is protected."""
    first = _first_of_month(today or local_today())
    held: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for starts_at, role in session.exec(select(ReceptionSession.starts_at, ReceptionSession.host_role)
                                        .where(ReceptionSession.status == "held",
                                               ReceptionSession.starts_at < datetime.combine(first, time.min,
                                                                                             LOCAL_TZ))):
        m = to_local(starts_at).strftime("%Y-%m")
        held[m][0] += 1
        held[m][1] += role == "chairman"
    month = _month(session, ReceptionVisit.visit_on)
    # Five columns: SQLModel's select() is typed for four at most (fastapi/sqlmodel#271).
    visits = session.exec(select(month, ReceptionVisit.case_kind, ReceptionVisit.outcome,  # type: ignore[call-overload]
                                 func.count(col(ReceptionVisit.id)), func.sum(ReceptionVisit.people_count))
                          .outerjoin(Complaint, Complaint.id == ReceptionVisit.complaint_id)
                          .where(ReceptionVisit.case_kind != privacy.DENUNCIATION, ReceptionVisit.visit_on < first,
                                 or_(col(Complaint.id).is_(None), privacy.open_clause()))
                          .group_by(month, ReceptionVisit.case_kind, ReceptionVisit.outcome)).all()
    months = sorted(set(held) | {v[0] for v in visits})
    by_month: dict[str, list] = defaultdict(list)
    for m, kind, outcome, n, people in visits:
        by_month[m].append((kind, outcome, n, int(people or 0)))
    header = ["month", "sessions_held", "chairman_sessions_held", "kind", "outcome", "visits", "people"]
    rows = []
    for m in months:
        sessions, chairman = held.get(m, [0, 0])
        for kind, outcome, n, people in sorted(by_month[m]) or [("", "", 0, 0)]:
            rows.append([m, sessions, chairman, kind, outcome, n, people])
    return _csv(header, rows)


def dialogues_csv(session: Session, base_url: str) -> bytes:
    public = [s.value for s in (DialogueStatus.announced, DialogueStatus.held, DialogueStatus.published)]
    questions: dict[int | None, int] = dict(  # looked up by `Dialogue.id`, an `int | None` to the type checker
        session.exec(select(DialogueQuestion.dialogue_id, func.count(col(DialogueQuestion.id)))
                     .group_by(col(DialogueQuestion.dialogue_id))).all())
    commitments: dict[int | None, int] = dict(
        session.exec(select(Commitment.dialogue_id, func.count(col(Commitment.id)))
                     .group_by(col(Commitment.dialogue_id))).all())
    header = ["id", "title", "starts_at", "format", "status", "announced_on", "notice_days", "attendance",
              "results_published_on", "questions", "commitments", "url"]
    rows = session.exec(select(Dialogue).where(col(Dialogue.status).in_(public)).order_by(col(Dialogue.starts_at)))
    return _csv(header, ([
        d.id, d.title, to_local(d.starts_at).isoformat(), d.format, d.status, d.announced_on, d.notice_days,
        d.attendance if d.status in ("held", "published") else None, d.results_published_on,
        questions.get(d.id, 0) if d.status == "published" else None,
        commitments.get(d.id, 0) if d.status == "published" else None, f"{base_url}/dialogues/{d.id}"]
        for d in rows))


def commitments_csv(session: Session, base_url: str) -> bytes:
    today = local_today()
    steps: dict[int | None, int] = dict(  # looked up by `Commitment.id`, an `int | None` to the type checker
        session.exec(select(CommitmentUpdate.commitment_id, func.count(col(CommitmentUpdate.id)))
                     .group_by(col(CommitmentUpdate.commitment_id))).all())
    rows = session.exec(select(Commitment).join(Dialogue, col(Dialogue.id) == Commitment.dialogue_id)
                        .where(Dialogue.status == DialogueStatus.published).order_by(col(Commitment.id)))
    header = ["id", "dialogue_id", "title", "owner_department", "first_due_on", "due_on", "status", "done_on",
              "overdue", "progress_steps", "url"]
    return _csv(header, ([
        c.id, c.dialogue_id, c.title, c.owner_department, c.first_due_on or c.due_on, c.due_on, c.status, c.done_on,
        int(overdue(c, today)), steps.get(c.id, 0), f"{base_url}/dialogues/{c.dialogue_id}#c-{c.id}"]
        for c in rows))


README = """# Dữ liệu mở — {ward}

Xuất lúc {at}. Mỗi tệp CSV: UTF-8, dấu phẩy, một dòng tiêu đề. Ngày theo ISO 8601 (giờ Việt Nam).
Không có dữ liệu cá nhân. Ô chữ bắt đầu bằng =, +, -, @ được thêm dấu ' ở đầu để bảng tính
không coi là công thức.

Bảo vệ người tố cáo (Điều 56 Luật Tố cáo), theo cùng quy tắc với trang /stats:
- Đơn tố cáo, và mọi đơn mà người gửi được bảo vệ như người tố cáo (phần tách ra từ lá đơn có
  nội dung tố cáo, đơn từng được phân loại là tố cáo), không có trong cases.csv; lượt tiếp về
  tố cáo hay về các đơn đó không có trong reception.csv. Trang /stats cho số 12 tháng của chúng.
- Chỉ có các tháng đã kết thúc: tháng đang diễn ra không có trong cases.csv và reception.csv, để
  số liệu chỉ đổi mỗi tháng một lần.
- Trong cases.csv, số đơn từ 1 đến 2 ghi "<3"; không có điểm trung bình khi dưới 3 lượt đánh
  giá. Nếu lấy tổng trừ đi các ô đã công bố (trong tệp, hay so với trang /stats) mà tính ra được
  một ô "<3", thêm ô được giữ lại, ghi "ẩn" (có thể là bất kỳ số nào, kể cả 0): một ô "<3" khác,
  ô nhỏ nhất tiếp theo, rồi ô tổng. Để ít ô phải giữ lại, số đơn chỉ chia theo lĩnh vực và theo
  kênh riêng rẽ, không chia chéo.

Open data of {ward}, exported {at}. CSV files in UTF-8 with a header row; dates in ISO 8601
(Vietnam time). No personal data. A text cell starting with =, +, -, @ gets a leading ' so that
no spreadsheet runs it as a formula.

Protecting denouncers, by the same rules as /stats: denunciations, and every case whose sender
is protected as a denouncer (a part split from a letter that held a denunciation, a case once
classified as one), are left out of cases.csv, and visits about them out of reception.csv
(/stats gives their 12-month count). Only complete months: the month under way is left out of
cases.csv and reception.csv. In cases.csv a count of 1 or 2 reads "<3", no average is given
over fewer than 3 ratings, and whenever a total minus the cells shown (in the file, or against
/stats) would give away a "<3" cell, more cells are withheld and read "ẩn" (any number, 0
included): another "<3" cell, else the next smallest, else the total. Counts are split by field
and by channel apart, not crossed, so that fewer cells need withholding.

## disclosures.csv — văn bản đã công khai (published disclosures, withdrawn ones included)
- id, url: số và địa chỉ trang của văn bản
- title, document_number, issuing_body: tên, số ký hiệu, cơ quan ban hành
- category, art11_item: nhóm nội dung và khoản của Điều 11 Luật Thực hiện dân chủ ở cơ sở
- issued_on, published_on, publish_deadline_on: ngày ban hành, ngày đăng, hạn công khai
- late: 1 nếu đăng sau hạn (Điều 12(3): 5 ngày làm việc), 0 nếu đúng hạn
- posted_on, posting_ends_on: thời gian niêm yết (trống: niêm yết thường xuyên)
- status: published (đang công khai) hoặc withdrawn (đã thu hồi); version: số phiên bản
- methods: các hình thức công khai đã dùng (Điều 12(1)), cách nhau bằng dấu cách

## cases.csv — đơn thư theo tháng tiếp nhận (cases by month received)
- month: tháng tiếp nhận (YYYY-MM), chỉ các tháng đã kết thúc
- kind: complaint, petition, feedback (không gồm tố cáo và đơn được bảo vệ như đơn tố cáo)
- by, group: dòng by=total là mọi đơn của tháng và loại đó (group trống); by=field là số đơn của
  một lĩnh vực (group: mã lĩnh vực); by=channel là số đơn của một kênh tiếp nhận (group: web,
  walk_in, post, phone, transfer, national_portal). Các dòng field cộng lại (cũng như các dòng
  channel) bằng dòng total; không có dòng nào cho một nhóm không có đơn.
- received: số đơn ("<3": 1 hoặc 2; "ẩn": giữ lại, xem trên)
- past_intake: số đơn đã qua bước tiếp nhận (thụ lý, hướng dẫn, chuyển…); resolved: số đơn đã giải
  quyết hoặc kết thúc (chỉ ở dòng total)
- ratings, average_rating: số lượt và điểm trung bình đánh giá (1–5) của người gửi (chỉ ở dòng
  total; trống khi dưới 3 lượt)

## reception.csv — tiếp công dân theo tháng (citizen reception by month)
- month: chỉ các tháng đã kết thúc; sessions_held: số buổi tiếp đã diễn ra; chairman_sessions_held: trong đó do \
Chủ tịch UBND chủ trì
- kind: loại vụ việc (không gồm tố cáo, cũng như lượt tiếp về đơn được bảo vệ như đơn tố cáo); outcome: kết quả \
(accepted, guided, transferred, refused, recorded)
- visits: số lượt tiếp; people: số người (kể cả đoàn đông người)

## dialogues.csv — đối thoại với Nhân dân (dialogues, from their announcement)
- id, url; title; starts_at: thời gian; format: in_person, online, hybrid
- status: announced, held, published; announced_on, notice_days: ngày thông báo, số ngày báo trước
- attendance: số người dự; results_published_on: ngày công bố kết quả
- questions, commitments: số câu hỏi và số cam kết (khi đã công bố kết quả)

## commitments.csv — cam kết tại các cuộc đối thoại đã công bố kết quả
- id, dialogue_id, url; title; owner_department: bộ phận chịu trách nhiệm
- first_due_on: hạn đã hứa tại đối thoại; due_on: hạn hiện tại (khác nếu đã đính chính)
- status: open, in_progress, done, dropped; done_on: ngày hoàn thành
- overdue: 1 nếu chưa xong mà đã quá hạn; progress_steps: số lần cập nhật tiến độ
"""


def build_zip(session: Session, *, ward: str, base_url: str, now: datetime) -> bytes:
    base_url = base_url.rstrip("/")
    today = to_local(now).date()
    files = {
        "README.md": README.format(ward=ward, at=to_local(now).strftime("%Y-%m-%d %H:%M")).encode("utf-8"),
        "disclosures.csv": disclosures_csv(session, base_url),
        "cases.csv": cases_csv(session, today),
        "reception.csv": reception_csv(session, today),
        "dialogues.csv": dialogues_csv(session, base_url),
        "commitments.csv": commitments_csv(session, base_url),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()
