"""Dialogues with residents: planning and announcing (with the notice rule), holding them
(attendance, minutes, the signed scan), the questions and answers, publishing the results (with
the publication rule), corrections, and the yearly count. The commitments made at a dialogue
and their dated progress are app/dialogues/commitments.py.

Rules are data: `dialogue.notice` (days of notice), `dialogue.results_publication` (days to
publish the results), `dialogue.per_year` (dialogues a year). Once results are published,
nothing is deleted: a change is recorded as a correction with what it said before."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pydantic import Field, field_validator, model_validator
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.accounts import audit
from app.accounts.auth import Principal
from app.core import files
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.files import FileStore
from app.core.i18n import _
from app.core.timeutil import LOCAL_TZ, local_date, local_today
from app.core.validation import InputModel, check_date_range, limit, one_line, register_limits, stripped
from app.integration import events
from app.legal.deadlines import Deadline, deadline_after
from app.legal.rules import RuleRef, get_rule
from app.models.dialogue import (
    PUBLIC_STATUSES,
    Dialogue,
    DialogueCorrection,
    DialogueFile,
    DialogueFormat,
    DialogueQuestion,
    DialogueStatus,
    DialogueTrigger,
)

NOTICE_RULE = "dialogue.notice"
PUBLICATION_RULE = "dialogue.results_publication"
FREQUENCY_RULE = "dialogue.per_year"


def require_manager(principal: Principal) -> None:
    if not principal.can("dialogue:manage"):
        raise Forbidden(_("Bạn không có quyền quản lý đối thoại"))


def get(session: Session, dialogue_id: int, *, for_update: bool = False) -> Dialogue:
    """One dialogue; `for_update` locks its row (PostgreSQL) so that two clerks adding questions
    at once number them one after the other."""
    row = session.get(Dialogue, dialogue_id, with_for_update=for_update or None)
    if row is None:
        raise NotFound(_("Không tìm thấy cuộc đối thoại"))
    return row


def touch(session: Session, row) -> None:
    row.updated_at = utcnow()
    session.add(row)


# Planning --------------------------------------------------------------------------------------

class DialogueInput(InputModel):
    title: str = Field(min_length=5, max_length=limit(Dialogue, "title"))
    topics: str = Field(min_length=5, max_length=5000)  # stored as text: the limit is this schema's
    starts_at: datetime
    ends_at: datetime | None = None
    place: str = Field(default="", max_length=limit(Dialogue, "place"))
    online_url: str = Field(default="", max_length=limit(Dialogue, "online_url"))
    format: DialogueFormat = DialogueFormat.in_person
    organised_with: str = Field(default="", max_length=limit(Dialogue, "organised_with"))
    chair: str = Field(min_length=2, max_length=limit(Dialogue, "chair"))
    invited_groups: str = Field(default="", max_length=5000)  # stored as text
    trigger: DialogueTrigger = DialogueTrigger.annual_plan

    _one = one_line("title", "place", "online_url", "organised_with", "chair")
    _strip = stripped("topics", "invited_groups")

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _zone(cls, v: datetime | None) -> datetime | None:
        if v is None:
            return v
        v = v if v.tzinfo else v.replace(tzinfo=LOCAL_TZ)  # no zone: the ward's local time
        check_date_range(v.date())
        return v

    @field_validator("online_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if v and not v.startswith(("https://", "http://")):
            raise ValueError("url_invalid")
        return v

    @model_validator(mode="after")
    def _where(self):
        if self.ends_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("end_before_start")
        if self.format in (DialogueFormat.in_person, DialogueFormat.hybrid) and not self.place:
            raise ValueError("place_required")
        if self.format in (DialogueFormat.online, DialogueFormat.hybrid) and not self.online_url:
            raise ValueError("online_url_required")
        return self


# The forms' limits (templates: limits.dialogue.title); a correction's reason, as its table stores it.
register_limits("dialogue", DialogueInput)
register_limits("dialogue_correction", DialogueCorrection)


FIELDS = ("title", "topics", "starts_at", "ends_at", "place", "online_url", "format", "organised_with", "chair",
          "invited_groups", "trigger")


def _snapshot(row) -> dict:
    return {k: getattr(row, k) for k in type(row).model_fields if k not in ("id", "created_at", "updated_at")}


def plan(session: Session, *, principal: Principal, data: DialogueInput) -> Dialogue:
    require_manager(principal)
    row = Dialogue(**{k: (getattr(data, k).value if k in ("format", "trigger") else getattr(data, k)) for k in FIELDS})
    session.add(row)
    session.flush()
    audit.record(session, actor=principal.actor, action="dialogue.plan", entity_type="dialogue", entity_id=row.id,
                 after=_snapshot(row))
    return row


def update(session: Session, *, principal: Principal, dialogue_id: int, data: DialogueInput,
           reason: str = "") -> Dialogue:
    """Change the plan. Once announced, residents may have read it: the change is recorded as a
    correction (with a reason), and the start cannot move into the past."""
    require_manager(principal)
    row = get(session, dialogue_id)
    if row.status in (DialogueStatus.held, DialogueStatus.published):
        raise Conflict(_("Cuộc đối thoại đã diễn ra; chỉ sửa được biên bản và kết quả"))
    if row.status == DialogueStatus.announced and data.starts_at < utcnow():
        raise Invalid(_("Không dời cuộc đối thoại đã thông báo về thời điểm đã qua"), fields={"starts_at": "past"})
    reason = reason.strip()
    if row.status == DialogueStatus.announced and len(reason) < 5:
        raise Invalid(_("Cuộc đối thoại đã thông báo: cần ghi lý do thay đổi (ít nhất 5 ký tự)"),
                      fields={"reason": "required"})
    before = _snapshot(row)
    for k in FIELDS:
        v = getattr(data, k)
        setattr(row, k, v.value if k in ("format", "trigger") else v)
    if _snapshot(row) == before:
        return row  # saved unchanged: nothing to correct
    if row.status != DialogueStatus.planned:
        if row.starts_at != before["starts_at"]:
            row.notice_days = notice_check(session, row).days_ahead  # the notice for the new time
        record_correction(session, principal, row, f"dialogue:{row.id}", before,
                          reason[:limit(DialogueCorrection, "reason")])
    touch(session, row)
    audit.record(session, actor=principal.actor, action="dialogue.update", entity_type="dialogue", entity_id=row.id,
                 before=before, after=_snapshot(row))
    return row


# Announcing ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NoticeCheck:
    """How much notice residents get if the dialogue is announced on `on`."""

    rule: RuleRef
    days_ahead: int

    @property
    def short(self) -> bool:
        return self.days_ahead < self.rule.value


def notice_check(session: Session, row: Dialogue, on: date | None = None) -> NoticeCheck:
    on = on or local_today()
    return NoticeCheck(get_rule(session, NOTICE_RULE, on=on), (local_date(row.starts_at) - on).days)


def announce(session: Session, *, principal: Principal, dialogue_id: int) -> NoticeCheck:
    """Publish the dialogue on /dialogues and in the calendar feed. A start in the past is
    refused; notice shorter than the rule is allowed (a request by voters may be urgent) but
    returned, so staff see the warning and the record shows it."""
    require_manager(principal)
    row = get(session, dialogue_id)
    if row.status != DialogueStatus.planned:
        raise Conflict(_("Chỉ thông báo được cuộc đối thoại đang ở bước kế hoạch"))
    if row.starts_at <= utcnow():
        raise Invalid(_("Thời điểm đối thoại đã qua; sửa lại ngày giờ trước khi thông báo"),
                      fields={"starts_at": "past"})
    check = notice_check(session, row)
    row.status = DialogueStatus.announced
    row.announced_on = local_today()
    row.notice_days = check.days_ahead
    touch(session, row)
    assert row.id is not None  # a stored row
    audit.record(session, actor=principal.actor, action="dialogue.announce", entity_type="dialogue",
                 entity_id=row.id, after={"days_ahead": check.days_ahead, "rule": check.rule.label,
                                          "short_notice": check.short})
    events.record(session, type="dialogue.announced", entity="dialogue", entity_id=row.id, summary=row.title)
    return check


# Holding it, the minutes -----------------------------------------------------------------------

class HeldInput(InputModel):
    attendance: int = Field(ge=0, le=1_000_000)
    minutes: str = Field(default="", max_length=100_000)


register_limits("dialogue_held", HeldInput)


def record_held(session: Session, *, principal: Principal, dialogue_id: int, data: HeldInput,
                reason: str = "") -> Dialogue:
    """Attendance and the minutes' text. After publication this corrects them: the reason is
    required and the earlier text is kept in the correction."""
    require_manager(principal)
    row = get(session, dialogue_id)
    if row.status not in (DialogueStatus.announced, DialogueStatus.held, DialogueStatus.published):
        raise Conflict(_("Chỉ ghi kết quả cho cuộc đối thoại đã thông báo"))
    if row.starts_at > utcnow():
        raise Conflict(_("Cuộc đối thoại chưa diễn ra"))
    reason = correction_reason(row, reason)
    if row.status == DialogueStatus.published and not data.minutes.strip():
        raise Invalid(_("Kết quả đã công bố: biên bản không được để trống"), fields={"minutes": "required"})
    before = {"attendance": row.attendance, "minutes": row.minutes}
    row.attendance, row.minutes = data.attendance, data.minutes.strip()
    if row.status == DialogueStatus.published:
        if before == {"attendance": row.attendance, "minutes": row.minutes}:
            return row  # nothing changed: no correction to show residents
        record_correction(session, principal, row, f"minutes:{row.id}", before, reason)
    else:
        row.status = DialogueStatus.held
    touch(session, row)
    audit.record(session, actor=principal.actor, action="dialogue.held", entity_type="dialogue", entity_id=row.id,
                 before=before, after={"attendance": row.attendance, "minutes_chars": len(row.minutes)})
    return row


def attach_minutes_scan(session: Session, *, principal: Principal, dialogue_id: int, upload,
                        store: FileStore) -> DialogueFile:
    """The signed minutes, as scanned. A new scan after publication is kept beside the old one."""
    require_manager(principal)
    row = get(session, dialogue_id)
    if row.status not in (DialogueStatus.held, DialogueStatus.published):
        raise Conflict(_("Chỉ đính kèm biên bản sau khi đối thoại đã diễn ra"))
    assert row.id is not None  # a stored row
    return store_file(session, principal, row.id, None, upload, store)


def store_file(session: Session, principal: Principal, dialogue_id: int, update_id: int | None, upload,
               store: FileStore) -> DialogueFile:
    """A file of the dialogue: the minutes' scan, or evidence of a commitment's step (`update_id`)."""
    stored = files.store(store.directory, data=upload.data, filename=upload.filename, max_bytes=store.max_bytes)
    f = DialogueFile(dialogue_id=dialogue_id, commitment_update_id=update_id, filename=stored.filename,
                     content_type=stored.content_type, size=stored.size, sha256=stored.sha256)
    session.add(f)
    session.flush()
    audit.record(session, actor=principal.actor, action="dialogue.file", entity_type="dialogue_file", entity_id=f.id,
                 after={"dialogue_id": dialogue_id, "update_id": update_id, "sha256": f.sha256, "size": f.size})
    return f


def get_file(session: Session, dialogue_id: int, file_id: int) -> DialogueFile:
    """A file of this dialogue (a signed scan or a step's evidence), whatever its state."""
    f = session.get(DialogueFile, file_id)
    if f is None or f.dialogue_id != dialogue_id:
        raise NotFound(_("Không tìm thấy tệp đính kèm"))
    return f


def public_file(session: Session, dialogue_id: int, file_id: int) -> DialogueFile:
    """A file residents may download: the dialogue's results (scans, evidence) are published."""
    if public_get(session, dialogue_id).status != DialogueStatus.published:
        raise NotFound(_("Không tìm thấy tệp đính kèm"))
    return get_file(session, dialogue_id, file_id)


def minutes_scans(session: Session, dialogue_id: int) -> list[DialogueFile]:
    return list(session.exec(select(DialogueFile).where(col(DialogueFile.dialogue_id) == dialogue_id,
                                                        col(DialogueFile.commitment_update_id).is_(None))
                             .order_by(col(DialogueFile.id))))


# Questions and answers -------------------------------------------------------------------------

class QuestionInput(InputModel):
    asked_by: str = Field(min_length=2, max_length=limit(DialogueQuestion, "asked_by"),
                          description="a group, or a person who agreed to be named")
    content: str = Field(min_length=5, max_length=10_000)  # stored as text: the limit is this schema's
    answer: str = Field(default="", max_length=20_000)
    answered_by: str = Field(default="", max_length=limit(DialogueQuestion, "answered_by"))

    _one = one_line("asked_by", "answered_by")
    _strip = stripped("content", "answer")

    @model_validator(mode="after")
    def _answered_by(self):
        if self.answer and not self.answered_by:
            raise ValueError("answered_by_required")
        return self


register_limits("question", QuestionInput)


def require_held(row: Dialogue) -> None:
    if row.status not in (DialogueStatus.held, DialogueStatus.published):
        raise Conflict(_("Ghi nhận câu hỏi và cam kết sau khi cuộc đối thoại đã diễn ra"))


def add_question(session: Session, *, principal: Principal, dialogue_id: int, data: QuestionInput,
                 reason: str = "") -> DialogueQuestion:
    require_manager(principal)
    row = get(session, dialogue_id, for_update=True)
    require_held(row)
    reason = correction_reason(row, reason)
    assert row.id is not None  # a stored row
    position = (session.exec(select(func.max(DialogueQuestion.position))
                             .where(DialogueQuestion.dialogue_id == row.id)).one() or 0) + 1
    q = DialogueQuestion(dialogue_id=row.id, position=position, **data.model_dump())
    session.add(q)
    session.flush()
    if row.status == DialogueStatus.published:
        record_correction(session, principal, row, f"question:{q.id}", {}, reason)
    touch(session, row)
    audit.record(session, actor=principal.actor, action="dialogue.question", entity_type="dialogue_question",
                 entity_id=q.id, after={"dialogue_id": row.id, "position": position})
    return q


def update_question(session: Session, *, principal: Principal, question_id: int, data: QuestionInput,
                    reason: str = "") -> DialogueQuestion:
    require_manager(principal)
    q = get_question(session, question_id)
    row = get(session, q.dialogue_id)
    reason = correction_reason(row, reason)
    before = {k: getattr(q, k) for k in ("asked_by", "content", "answer", "answered_by")}
    if before == data.model_dump():
        return q
    for k, v in data.model_dump().items():
        setattr(q, k, v)
    session.add(q)
    if row.status == DialogueStatus.published:
        record_correction(session, principal, row, f"question:{q.id}", before, reason)
    touch(session, row)
    audit.record(session, actor=principal.actor, action="dialogue.question_update", entity_type="dialogue_question",
                 entity_id=q.id, before=before, after=data.model_dump())
    return q


def get_question(session: Session, question_id: int) -> DialogueQuestion:
    q = session.get(DialogueQuestion, question_id)
    if q is None:
        raise NotFound(_("Không tìm thấy câu hỏi"))
    return q


def questions(session: Session, dialogue_id: int) -> list[DialogueQuestion]:
    return list(session.exec(select(DialogueQuestion).where(col(DialogueQuestion.dialogue_id) == dialogue_id)
                             .order_by(col(DialogueQuestion.position))))


# Publishing the results ------------------------------------------------------------------------

def publication_deadline(session: Session, row: Dialogue) -> Deadline:
    """Results are due within the publication rule's days of the dialogue."""
    return deadline_after(session, PUBLICATION_RULE, local_date(row.starts_at))


def results_due(row: Dialogue) -> bool:
    """The dialogue has taken place (recorded or not) and its results are not yet published:
    the publication deadline runs."""
    return row.status == DialogueStatus.held or (row.status == DialogueStatus.announced and row.starts_at <= utcnow())


def publish(session: Session, *, principal: Principal, dialogue_id: int) -> Dialogue:
    require_manager(principal)
    row = get(session, dialogue_id)
    if row.status != DialogueStatus.held:
        raise Conflict(_("Chỉ công bố kết quả của cuộc đối thoại đã diễn ra"))
    if not row.minutes.strip():
        raise Invalid(_("Cần có biên bản trước khi công bố kết quả"), fields={"minutes": "required"})
    row.status = DialogueStatus.published
    row.results_published_on = local_today()
    touch(session, row)
    deadline = publication_deadline(session, row)
    assert row.id is not None  # a stored row
    audit.record(session, actor=principal.actor, action="dialogue.publish", entity_type="dialogue", entity_id=row.id,
                 after={"on": row.results_published_on, "due_on": deadline.due_on, "rule": deadline.rule.label,
                        "late": row.results_published_on > deadline.due_on})
    events.record(session, type="dialogue.published", entity="dialogue", entity_id=row.id, summary=row.title)
    return row


def correction_reason(row: Dialogue, reason: str) -> str:
    """Once results are published a change is a correction: its reason is checked before
    anything changes."""
    reason = reason.strip()
    if row.status == DialogueStatus.published and len(reason) < 5:
        raise Invalid(_("Kết quả đã công bố: cần ghi lý do đính chính (ít nhất 5 ký tự)"),
                      fields={"reason": "required"})
    return reason[:limit(DialogueCorrection, "reason")]


def record_correction(session: Session, principal: Principal, row: Dialogue, entity: str, before: dict,
                      reason: str) -> None:
    assert row.id is not None  # a stored row
    session.add(DialogueCorrection(dialogue_id=row.id, entity=entity, reason=reason,
                                   before=json.dumps(before, ensure_ascii=False, default=str),
                                   actor=principal.actor.label[:120]))
    events.record(session, type="dialogue.corrected", entity="dialogue", entity_id=row.id,
                  summary=f"{row.title}: {reason}")


def corrections(session: Session, dialogue_id: int) -> list[DialogueCorrection]:
    return list(session.exec(select(DialogueCorrection).where(col(DialogueCorrection.dialogue_id) == dialogue_id)
                             .order_by(col(DialogueCorrection.id))))


# Reading ---------------------------------------------------------------------------------------

def staff_list(session: Session, *, limit: int = 200) -> list[Dialogue]:
    """Every dialogue, the latest first (plans included)."""
    return list(session.exec(select(Dialogue).order_by(col(Dialogue.starts_at).desc(), col(Dialogue.id).desc())
                             .limit(limit)))


def public_list(session: Session, *, limit: int = 100) -> list[Dialogue]:
    return list(session.exec(select(Dialogue).where(col(Dialogue.status).in_([s.value for s in PUBLIC_STATUSES]))
                             .order_by(col(Dialogue.starts_at).desc(), col(Dialogue.id).desc()).limit(limit)))


def public_get(session: Session, dialogue_id: int) -> Dialogue:
    row = session.get(Dialogue, dialogue_id)
    if row is None or row.status not in PUBLIC_STATUSES:
        raise NotFound(_("Không tìm thấy cuộc đối thoại"))
    return row


@dataclass(frozen=True)
class YearCount:
    year: int
    required: int
    held: int
    rule: RuleRef


def held_in_year(session: Session, year: int, *, region: str = "") -> YearCount:
    """Dialogues held (or with results published) in `year`, against the rule in force: the
    region's version when it has one (setting RULES_REGION), else the law's minimum."""
    start = datetime(year, 1, 1, tzinfo=LOCAL_TZ)
    end = datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ)
    held = session.exec(select(func.count(col(Dialogue.id))).where(
        col(Dialogue.status).in_([DialogueStatus.held.value, DialogueStatus.published.value]),
        col(Dialogue.starts_at) >= start, col(Dialogue.starts_at) < end)).one()
    rule = get_rule(session, FREQUENCY_RULE, on=date(year, 12, 31), variant=region)
    return YearCount(year, rule.value, held, rule)


def announce_deadline(row: Dialogue, rule: RuleRef) -> date:
    """The last day to announce for the notice the rule asks."""
    return local_date(row.starts_at) - timedelta(days=rule.value)
