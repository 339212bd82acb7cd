"""The open data export: one ZIP of CSV files (UTF-8, comma-separated, one header row) with a
README describing every column. Only what is public already: published disclosures, dialogues
with their commitments, and counts of cases and reception visits by month, never a person.

Denunciations are left out of the monthly files altogether. Withholding only their small cells
("<3") is not enough: with the 12-month total on /stats, several withheld cells can be worked
out by subtraction, and a denouncer in a small ward could be pointed at (Law on Denunciations
Art. 56). /stats publishes their count over twelve months, withheld below 3."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import case as sql_case
from sqlmodel import Session, select

from app.models.complaint import CaseKind, CaseStatus, Complaint
from app.models.dialogue import Commitment, CommitmentUpdate, Dialogue, DialogueQuestion, DialogueStatus
from app.models.disclosure import Category, Disclosure, DisclosureMethod
from app.models.reception import ReceptionSession, ReceptionVisit
from app.services import dialogues as dialogue_svc
from app.timeutil import local_today, to_local

RESOLVED = (CaseStatus.resolved.value, CaseStatus.closed.value)
LEFT_INTAKE = tuple(s.value for s in CaseStatus if s not in (CaseStatus.received, CaseStatus.classified))


def _month(session: Session, column):
    """'YYYY-MM' of a date column, in SQL, on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _csv(header: list[str], rows: Iterable[Iterable]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode("utf-8")


def disclosures_csv(session: Session, base_url: str) -> bytes:
    methods: dict[int, set[str]] = defaultdict(set)
    for disclosure_id, method in session.exec(select(DisclosureMethod.disclosure_id, DisclosureMethod.method)):
        methods[disclosure_id].add(method)
    # Only the columns the file needs: not the bodies and search text of thousands of documents.
    rows = session.exec(select(Disclosure.id, Disclosure.title, Disclosure.category, Disclosure.document_number,
                               Disclosure.issuing_body, Disclosure.issued_on, Disclosure.published_at,
                               Disclosure.publish_deadline_on, Disclosure.late, Disclosure.posted_on,
                               Disclosure.posting_ends_on, Disclosure.status, Disclosure.version)
                        .where(Disclosure.published_at.is_not(None)).order_by(Disclosure.id))
    header = ["id", "title", "category", "art11_item", "document_number", "issuing_body", "issued_on",
              "published_on", "publish_deadline_on", "late", "posted_on", "posting_ends_on", "status", "version",
              "methods", "url"]
    return _csv(header, ([
        d.id, d.title, d.category, Category(d.category).item if d.category in Category.__members__ else "",
        d.document_number, d.issuing_body, d.issued_on, to_local(d.published_at).date(), d.publish_deadline_on,
        int(d.late), d.posted_on, d.posting_ends_on, d.status, d.version, " ".join(sorted(methods[d.id])),
        f"{base_url}/disclosures/{d.id}"] for d in rows))


def cases_csv(session: Session) -> bytes:
    month = _month(session, Complaint.received_on)
    rows = session.exec(
        select(month, Complaint.kind, Complaint.field, Complaint.channel, func.count(Complaint.id),
               func.sum(sql_case((Complaint.status.in_(LEFT_INTAKE), 1), else_=0)),
               func.sum(sql_case((Complaint.status.in_(RESOLVED), 1), else_=0)),
               func.count(Complaint.satisfaction), func.avg(Complaint.satisfaction))
        .where(Complaint.kind != CaseKind.denunciation, Complaint.identity_protected.is_(False))
        .group_by(month, Complaint.kind, Complaint.field, Complaint.channel)
        .order_by(month, Complaint.kind, Complaint.field, Complaint.channel))
    header = ["month", "kind", "field", "channel", "received", "past_intake", "resolved", "ratings",
              "average_rating"]
    return _csv(header, ([
        m, kind, field, channel, received, int(past or 0), int(done or 0), rated,
        round(float(avg), 2) if avg is not None else ""]
        for m, kind, field, channel, received, past, done, rated, avg in rows))


def reception_csv(session: Session) -> bytes:
    """Per month: sessions held (all hosts, the chairman's), visits and people, by kind and outcome."""
    held: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for starts_at, role in session.exec(select(ReceptionSession.starts_at, ReceptionSession.host_role)
                                        .where(ReceptionSession.status == "held")):
        m = to_local(starts_at).strftime("%Y-%m")
        held[m][0] += 1
        held[m][1] += role == "chairman"
    month = _month(session, ReceptionVisit.visit_on)
    visits = session.exec(select(month, ReceptionVisit.case_kind, ReceptionVisit.outcome, func.count(ReceptionVisit.id),
                                 func.sum(ReceptionVisit.people_count))
                          .where(ReceptionVisit.case_kind != CaseKind.denunciation)
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
    questions = dict(session.exec(select(DialogueQuestion.dialogue_id, func.count(DialogueQuestion.id))
                                  .group_by(DialogueQuestion.dialogue_id)).all())
    commitments = dict(session.exec(select(Commitment.dialogue_id, func.count(Commitment.id))
                                    .group_by(Commitment.dialogue_id)).all())
    header = ["id", "title", "starts_at", "format", "status", "announced_on", "notice_days", "attendance",
              "results_published_on", "questions", "commitments", "url"]
    rows = session.exec(select(Dialogue).where(Dialogue.status.in_(public)).order_by(Dialogue.starts_at))
    return _csv(header, ([
        d.id, d.title, to_local(d.starts_at).isoformat(), d.format, d.status, d.announced_on, d.notice_days,
        d.attendance if d.status in ("held", "published") else None, d.results_published_on,
        questions.get(d.id, 0) if d.status == "published" else None,
        commitments.get(d.id, 0) if d.status == "published" else None, f"{base_url}/dialogues/{d.id}"]
        for d in rows))


def commitments_csv(session: Session, base_url: str) -> bytes:
    today = local_today()
    steps = dict(session.exec(select(CommitmentUpdate.commitment_id, func.count(CommitmentUpdate.id))
                              .group_by(CommitmentUpdate.commitment_id)).all())
    rows = session.exec(select(Commitment).join(Dialogue, Dialogue.id == Commitment.dialogue_id)
                        .where(Dialogue.status == DialogueStatus.published).order_by(Commitment.id))
    header = ["id", "dialogue_id", "title", "owner_department", "first_due_on", "due_on", "status", "done_on",
              "overdue", "progress_steps", "url"]
    return _csv(header, ([
        c.id, c.dialogue_id, c.title, c.owner_department, c.first_due_on or c.due_on, c.due_on, c.status, c.done_on,
        int(dialogue_svc.overdue(c, today)), steps.get(c.id, 0), f"{base_url}/dialogues/{c.dialogue_id}#c-{c.id}"]
        for c in rows))


README = """# Dữ liệu mở — {ward}

Xuất lúc {at}. Mỗi tệp CSV: UTF-8, dấu phẩy, một dòng tiêu đề. Ngày theo ISO 8601 (giờ Việt Nam).
Không có dữ liệu cá nhân. Đơn và lượt tiếp về tố cáo không có trong các tệp theo tháng, để
không thể suy ra người tố cáo (Điều 56 Luật Tố cáo); tổng số 12 tháng có tại trang /stats.

Open data of {ward}, exported {at}. CSV files in UTF-8 with a header row; dates in ISO 8601
(Vietnam time). No personal data. Denunciations (cases and reception visits) are left out of
the monthly files so that no denouncer can be worked out; /stats gives their 12-month count.

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
- month: tháng tiếp nhận (YYYY-MM); kind: complaint, petition, feedback (không gồm tố cáo)
- field: lĩnh vực; channel: kênh tiếp nhận (web, walk_in, post, phone, transfer, national_portal…)
- received: số đơn; past_intake: số đơn đã qua bước tiếp nhận (thụ lý, hướng dẫn, chuyển…)
- resolved: số đơn đã giải quyết hoặc kết thúc
- ratings, average_rating: số lượt và điểm trung bình đánh giá (1–5) của người gửi

## reception.csv — tiếp công dân theo tháng (citizen reception by month)
- month; sessions_held: số buổi tiếp đã diễn ra; chairman_sessions_held: trong đó do Chủ tịch UBND chủ trì
- kind: loại vụ việc (không gồm tố cáo); outcome: kết quả (accepted, guided, transferred, refused, recorded)
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
    files = {
        "README.md": README.format(ward=ward, at=to_local(now).strftime("%Y-%m-%d %H:%M")).encode("utf-8"),
        "disclosures.csv": disclosures_csv(session, base_url),
        "cases.csv": cases_csv(session),
        "reception.csv": reception_csv(session),
        "dialogues.csv": dialogues_csv(session, base_url),
        "commitments.csv": commitments_csv(session, base_url),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()
