"""Disclosures: drafts, publication, amendments as versions, withdrawal, methods, files.

Nothing is ever deleted: an amendment snapshots a new version, a withdrawal keeps the text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pydantic import Field, field_validator, model_validator
from sqlalchemy import and_, func, inspect
from sqlmodel import Session, col, select

from app.accounts import audit
from app.accounts.auth import Principal
from app.core import files
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.files import FileStore, Upload
from app.core.i18n import N_, _
from app.core.pagination import Page, paginate
from app.core.text import fold, search_tokens
from app.core.timeutil import local_date, local_today
from app.core.validation import InputModel, check_date_range, limit, register_limits
from app.disclosures.search import match_clause, ranked
from app.integration import events
from app.legal.deadlines import deadline_after
from app.legal.rules import get_rule
from app.models.disclosure import (
    PERMANENT_POSTING,
    Attachment,
    Category,
    Disclosure,
    DisclosureContent,
    DisclosureMethod,
    DisclosureStatus,
    DisclosureVersion,
    Method,
)

CONTENT_FIELDS = tuple(DisclosureContent.model_fields)
PUBLIC_STATUSES = (DisclosureStatus.published, DisclosureStatus.withdrawn)
# Stored in the source language and translated when shown (templates: gettext(v.change_note)).
NOTE_FIRST = N_("Công khai lần đầu")
NOTE_AMENDED = N_("Sửa đổi")
NOTE_FILES_ADDED = N_("Bổ sung tệp đính kèm")


class DisclosureInput(InputModel):
    """What staff (form) and integrations (API) send to create or change a disclosure."""

    title: str = Field(min_length=3, max_length=limit(Disclosure, "title"))
    summary: str = Field(default="", max_length=2000)  # stored as text: the limit is this schema's
    body: str = Field(default="", max_length=200_000)
    category: Category
    document_number: str = Field(default="", max_length=limit(Disclosure, "document_number"))
    issuing_body: str = Field(default="", max_length=limit(Disclosure, "issuing_body"))
    issued_on: date | None = None
    effective_on: date | None = None
    fiscal_year: int | None = Field(default=None, ge=1990, le=2100)
    tags: list[str] = Field(default_factory=list, max_length=20)
    posted_on: date | None = None
    posting_ends_on: date | None = None

    @field_validator("title", "summary", "body", "document_number", "issuing_body", mode="before")
    @classmethod
    def _strip(cls, v):
        return v.strip() if isinstance(v, str) else v

    @field_validator("tags", mode="before")
    @classmethod
    def _split_tags(cls, v: object) -> object:
        if isinstance(v, str):
            v = v.split(",")
        if isinstance(v, list):
            seen: list[str] = []
            for t in v:
                t = str(t).strip()
                if len(t) > 40:
                    raise ValueError("tag_too_long")
                if t and t not in seen:
                    seen.append(t)
            return seen
        return v

    @field_validator("issued_on", "effective_on", "posted_on", "posting_ends_on")
    @classmethod
    def _plausible_date(cls, v):
        return check_date_range(v)

    @field_validator("tags")
    @classmethod
    def _tags_fit(cls, v):
        if len(", ".join(v)) > 500:
            raise ValueError("tags_too_long")
        return v

    @model_validator(mode="after")
    def _dates(self):
        if self.issued_on and self.effective_on and self.effective_on < self.issued_on:
            raise ValueError("effective_on_before_issued_on")
        if self.posted_on and self.posting_ends_on and self.posting_ends_on < self.posted_on:
            raise ValueError("posting_ends_before_start")
        return self

    def content(self) -> dict:
        data = self.model_dump(include=set(CONTENT_FIELDS))
        data["category"] = self.category.value
        data["tags"] = ", ".join(self.tags)
        if data["fiscal_year"] is None and self.issued_on:
            data["fiscal_year"] = self.issued_on.year
        return data


# The forms' limits (templates: limits.disclosure.title): the input; an amendment's note and a
# method's note, which go to their tables as they are.
register_limits("disclosure", DisclosureInput)
register_limits("disclosure_version", DisclosureVersion)
register_limits("disclosure_method", DisclosureMethod)


def _check_uploads(uploads: list[Upload], store: FileStore | None) -> None:
    """Refuse the whole change before anything is written if any file is not acceptable."""
    for u in uploads:
        assert store is not None  # a caller that sends files gives the store
        files.check(data=u.data, filename=u.filename, max_bytes=store.max_bytes)


def _store_uploads(session: Session, principal: Principal, d: Disclosure, uploads: list[Upload],
                   store: FileStore | None) -> list[Attachment]:
    out = []
    for u in uploads:
        assert store is not None and d.id is not None  # files come with the store; `d` is flushed
        stored = files.store(store.directory, data=u.data, filename=u.filename, max_bytes=store.max_bytes)
        att = Attachment(disclosure_id=d.id, version=d.version, filename=stored.filename,
                         content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                         uploaded_by_id=principal.actor.user_id)
        session.add(att)
        out.append(att)
    session.flush()
    return out


def _attachment_facts(atts: list[Attachment]) -> list[dict]:
    return [{"attachment_id": a.id, "filename": a.filename, "sha256": a.sha256, "size": a.size} for a in atts]


def _require(principal: Principal, permission: str) -> None:
    if not principal.can(permission):
        raise Forbidden(_("Bạn không có quyền thực hiện thao tác này"))


def _search_text(d: DisclosureContent) -> str:
    return fold(" ".join([d.title, d.summary, d.body, d.document_number, d.issuing_body, d.tags]))


def _touch(d: Disclosure) -> None:
    d.updated_at = utcnow()


def get(session: Session, disclosure_id: int, *, include_drafts: bool = False) -> Disclosure:
    d = session.get(Disclosure, disclosure_id)
    if d is None or (not include_drafts and d.status == DisclosureStatus.draft):
        raise NotFound(_("Không tìm thấy văn bản công khai"))
    return d


def _for_change(session: Session, disclosure_id: int) -> Disclosure:
    """The row, locked until the transaction ends (PostgreSQL), so two changes cannot both
    build on the same version. SQLite writers already hold the database's write lock."""
    d = session.exec(select(Disclosure).where(Disclosure.id == disclosure_id).with_for_update()).first()
    if d is None:
        raise NotFound(_("Không tìm thấy văn bản công khai"))
    return d


def create_draft(session: Session, *, principal: Principal, data: DisclosureInput, uploads: Sequence[Upload] = (),
                 store: FileStore | None = None) -> Disclosure:
    """A new draft, with its files; nothing is public until it is published."""
    _require(principal, "disclosure:edit")
    _check_uploads(list(uploads), store)
    d = Disclosure(**data.content(), posted_on=data.posted_on, posting_ends_on=data.posting_ends_on,
                   created_by_id=principal.actor.user_id)
    d.search_text = _search_text(d)
    session.add(d)
    session.flush()
    atts = _store_uploads(session, principal, d, list(uploads), store)
    audit.record(session, actor=principal.actor, action="disclosure.create", entity_type="disclosure",
                 entity_id=d.id, after={**audit.snapshot(d, CONTENT_FIELDS), "attachments": _attachment_facts(atts)})
    return d


def update(session: Session, *, principal: Principal, disclosure_id: int, data: DisclosureInput,
           change_note: str = "", uploads: Sequence[Upload] = (), store: FileStore | None = None) -> Disclosure:
    """Edit a draft in place, or amend a published disclosure: one new version for the new
    text and any files added with it."""
    _require(principal, "disclosure:edit")
    d = _for_change(session, disclosure_id)
    if d.status == DisclosureStatus.withdrawn:
        raise Conflict(_("Văn bản đã thu hồi, không thể sửa"))
    uploads = list(uploads)
    _check_uploads(uploads, store)
    before = audit.snapshot(d, CONTENT_FIELDS + ("version", "posted_on", "posting_ends_on"))
    content = data.content()
    if d.status == DisclosureStatus.published:
        _require(principal, "disclosure:publish")
        if not uploads and all(getattr(d, k) == v for k, v in content.items()):
            raise Invalid(_("Nội dung không thay đổi, không tạo phiên bản mới"))
    for k, v in content.items():
        setattr(d, k, v)
    if data.posted_on:
        d.posted_on = data.posted_on
    if data.posting_ends_on or data.posted_on:
        d.posting_ends_on = data.posting_ends_on or d.posting_ends_on
    d.search_text = _search_text(d)
    _touch(d)
    action = "disclosure.update"
    if d.status == DisclosureStatus.published:
        d.version += 1
        note = change_note.strip()[:limit(DisclosureVersion, "change_note")]
        _snapshot_version(session, d, principal, note or NOTE_AMENDED.message)
        action = "disclosure.amend"
    atts = _store_uploads(session, principal, d, uploads, store)
    session.flush()
    after = audit.snapshot(d, CONTENT_FIELDS + ("version", "posted_on", "posting_ends_on"))
    audit.record(session, actor=principal.actor, action=action, entity_type="disclosure", entity_id=d.id,
                 before=before, after={**after, "attachments": _attachment_facts(atts)})
    if action == "disclosure.amend":
        assert d.id is not None  # a stored row
        events.record(session, type="disclosure.amended", entity="disclosure", entity_id=d.id,
                      summary=f"Phiên bản {d.version}: {d.title}")
    return d


def _snapshot_version(session: Session, d: Disclosure, principal: Principal, note: str) -> None:
    assert d.id is not None  # a stored row
    published_at = d.updated_at if d.version > 1 else d.published_at
    assert published_at is not None  # version 1 is the publication: `publish` has just set its time
    session.add(DisclosureVersion(
        disclosure_id=d.id, version=d.version, published_at=published_at,
        change_note=note, created_by_id=principal.actor.user_id,
        **{k: getattr(d, k) for k in CONTENT_FIELDS},
    ))


@dataclass(frozen=True)
class Timeliness:
    due_on: date | None
    late: bool
    rule_label: str
    legal_basis: str


def timeliness(session: Session, *, issued_on: date | None, published_on: date) -> Timeliness:
    """Was it published within the legal time after the document was issued (Art. 12(3))?"""
    if issued_on is None:
        return Timeliness(None, False, "", "")
    deadline = deadline_after(session, "disclosure.publish_deadline", issued_on)
    return Timeliness(deadline.due_on, published_on > deadline.due_on, deadline.rule.label, deadline.rule.legal_basis)


def publish(session: Session, *, principal: Principal, disclosure_id: int) -> Disclosure:
    """Publish a draft: version 1, posting period from the rules, timeliness flag."""
    _require(principal, "disclosure:publish")
    d = _for_change(session, disclosure_id)
    if d.status != DisclosureStatus.draft:
        raise Conflict(_("Chỉ công khai được bản nháp"))
    now = utcnow()
    today = local_date(now)
    d.status = DisclosureStatus.published
    d.published_at = now
    d.version = 1
    d.posted_on = d.posted_on or today
    if Category(d.category) in PERMANENT_POSTING:
        d.posting_ends_on = None  # Art. 13(2): posted permanently, updated when it changes
    elif d.posting_ends_on is None:
        period = get_rule(session, "disclosure.posting_period", on=d.posted_on)
        d.posting_ends_on = d.posted_on + timedelta(days=period.value)
    t = timeliness(session, issued_on=d.issued_on, published_on=today)
    d.publish_deadline_on, d.late, d.deadline_rule = t.due_on, t.late, t.rule_label
    _touch(d)
    _snapshot_version(session, d, principal, NOTE_FIRST.message)
    # Publishing here is itself Art. 12(1)(b): the ward's website.
    assert d.id is not None  # a stored row
    session.add(DisclosureMethod(disclosure_id=d.id, method=Method.website, used_on=today))
    session.flush()
    audit.record(session, actor=principal.actor, action="disclosure.publish", entity_type="disclosure",
                 entity_id=d.id, before={"status": DisclosureStatus.draft, "version": 0},
                 after={"status": d.status, "version": d.version, "posted_on": d.posted_on,
                        "posting_ends_on": d.posting_ends_on, "late": d.late})
    events.record(session, type="disclosure.published", entity="disclosure", entity_id=d.id, summary=d.title)
    return d


def withdraw(session: Session, *, principal: Principal, disclosure_id: int, reason: str) -> Disclosure:
    """Withdraw a published disclosure; the text stays readable, marked withdrawn, with the reason."""
    _require(principal, "disclosure:publish")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise Invalid(_("Cần nêu lý do thu hồi (ít nhất 5 ký tự)"), fields={"reason": "required"})
    d = _for_change(session, disclosure_id)
    if d.status != DisclosureStatus.published:
        raise Conflict(_("Chỉ thu hồi được văn bản đang công khai"))
    d.status = DisclosureStatus.withdrawn
    d.withdrawn_at = utcnow()
    d.withdrawal_reason = reason[:2000]
    _touch(d)
    session.flush()
    assert d.id is not None  # a stored row
    audit.record(session, actor=principal.actor, action="disclosure.withdraw", entity_type="disclosure",
                 entity_id=d.id, before={"status": DisclosureStatus.published},
                 after={"status": d.status, "reason": d.withdrawal_reason})
    events.record(session, type="disclosure.withdrawn", entity="disclosure", entity_id=d.id, summary=d.title)
    return d


def record_method(session: Session, *, principal: Principal, disclosure_id: int, method: str, used_on: date,
                  note: str = "") -> DisclosureMethod:
    """Record an Art. 12 method used for a published disclosure, and when."""
    _require(principal, "disclosure:edit")
    d = _for_change(session, disclosure_id)
    if d.status != DisclosureStatus.published:
        raise Conflict(_("Chỉ ghi nhận hình thức công khai cho văn bản đang công khai"))
    try:
        method = Method(method).value
    except ValueError:
        raise Invalid(_("Hình thức công khai không hợp lệ"), fields={"method": "invalid"}) from None
    if used_on > local_today():
        raise Invalid(_("Ngày thực hiện không được ở tương lai"), fields={"used_on": "future"})
    if d.issued_on and used_on < d.issued_on:
        raise Invalid(_("Ngày thực hiện không được trước ngày ban hành"), fields={"used_on": "before_issue"})
    assert d.id is not None  # a stored row
    row = DisclosureMethod(disclosure_id=d.id, method=method, used_on=used_on,
                           note=note.strip()[:limit(DisclosureMethod, "note")])
    session.add(row)
    _touch(d)
    session.flush()
    audit.record(session, actor=principal.actor, action="disclosure.method", entity_type="disclosure",
                 entity_id=d.id, after={"method": method, "used_on": used_on, "note": row.note})
    return row


def add_attachments(session: Session, *, principal: Principal, disclosure_id: int, uploads: list[Upload],
                    store: FileStore) -> list[Attachment]:
    """Attach files (type checked from the content; stored under their SHA-256). On a published
    disclosure this is a change of what was published: one new version for the files."""
    _require(principal, "disclosure:edit")
    d = _for_change(session, disclosure_id)
    if d.status == DisclosureStatus.withdrawn:
        raise Conflict(_("Văn bản đã thu hồi, không thể thêm tệp"))
    uploads = list(uploads)
    if not uploads:
        raise Invalid(_("Hãy chọn ít nhất một tệp"), fields={"files": "required"})
    _check_uploads(uploads, store)
    before = {"version": d.version}
    if d.status == DisclosureStatus.published:
        _require(principal, "disclosure:publish")
        d.version += 1
        _touch(d)
        _snapshot_version(session, d, principal, NOTE_FILES_ADDED.message)
    _touch(d)
    atts = _store_uploads(session, principal, d, uploads, store)
    audit.record(session, actor=principal.actor, action="disclosure.attach", entity_type="disclosure", entity_id=d.id,
                 before=before, after={"version": d.version, "attachments": _attachment_facts(atts)})
    return atts


# Reading -----------------------------------------------------------------------------------

def _filtered(session: Session, stmt, *, q: str, category: str | None, year: int | None, status: str | None = None):
    if category:
        stmt = stmt.where(Disclosure.category == category)
    if year:
        stmt = stmt.where(Disclosure.fiscal_year == year)
    if status:
        stmt = stmt.where(Disclosure.status == status)
    clause = match_clause(session, table="disclosure", id_column=col(Disclosure.id),
                          text_column=col(Disclosure.search_text), query=q or "")
    if clause is not None:
        stmt = stmt.where(clause)
    return stmt


def _is_public():
    """Published or withdrawn: exactly the rows with a publication time (drafts have none)."""
    return Disclosure.published_at.is_not(None)


def public_version(session: Session) -> tuple:
    """What changes whenever a public list or search could: the latest change time and the
    highest id (every write of a disclosure sets `updated_at`; a new one also takes a new id).
    Two index probes (separate subqueries: SQLite reads a single min/max from its index only)."""
    return tuple(session.exec(select(select(func.max(Disclosure.updated_at)).scalar_subquery(),
                                     select(func.max(Disclosure.id)).scalar_subquery())).one())


def list_public(session: Session, *, q: str = "", category: str | None = None, year: int | None = None,
                limit: int = 20, cursor: str | None = None) -> Page[Disclosure]:
    """Published and withdrawn disclosures, newest publication first; with a query, ranked
    (those with every word in the title first) and counted (`search.ranked`)."""
    if search_tokens(q):
        where = [_is_public(), *([Disclosure.category == category] if category else []),
                 *([Disclosure.fiscal_year == year] if year else [])]
        return ranked(session, Disclosure, where=where, title_column=col(Disclosure.title),
                      text_column=col(Disclosure.search_text), query=q, limit=limit, cursor=cursor,
                      narrow=bool(category or year))
    stmt = select(Disclosure).where(_is_public())
    stmt = _filtered(session, stmt, q=q, category=category, year=year)
    return paginate(session, stmt, order=[col(Disclosure.published_at), col(Disclosure.id)], descending=True,
                    limit=limit, cursor=cursor)


def list_changes(session: Session, *, updated_since: datetime, q: str = "", category: str | None = None,
                 year: int | None = None, limit: int = 50, cursor: str | None = None) -> Page[Disclosure]:
    """Public disclosures changed since a time, oldest change first (for keeping a copy in sync)."""
    stmt = select(Disclosure).where(_is_public(), Disclosure.updated_at >= updated_since)
    stmt = _filtered(session, stmt, q=q, category=category, year=year)
    return paginate(session, stmt, order=[col(Disclosure.updated_at), col(Disclosure.id)], descending=False,
                    limit=limit, cursor=cursor)


def list_staff(session: Session, *, q: str = "", category: str | None = None, status: str | None = None,
               limit: int = 30, cursor: str | None = None) -> Page[Disclosure]:
    """Every disclosure, drafts included, most recently changed first."""
    stmt = _filtered(session, select(Disclosure), q=q, category=category, year=None, status=status)
    return paginate(session, stmt, order=[col(Disclosure.updated_at), col(Disclosure.id)], descending=True,
                    limit=limit, cursor=cursor)


def available_years(session: Session) -> list[int]:
    """Years that have public disclosures, newest first: one query, which walks the year index
    from value to value (a recursive skip: one probe a year, not a read of every row)."""
    d = inspect(Disclosure).local_table
    public = and_(d.c.published_at.is_not(None), d.c.fiscal_year.is_not(None))
    first = select(func.max(d.c.fiscal_year).label("y")).where(public).cte("years", recursive=True)
    step = select(select(func.max(d.c.fiscal_year)).where(public, d.c.fiscal_year < first.c.y).scalar_subquery())\
        .where(first.c.y.is_not(None))
    years = first.union_all(step)
    return [y for y in session.exec(select(years.c.y).where(years.c.y.is_not(None)).limit(100)) if y is not None]


def versions(session: Session, disclosure_id: int) -> list[DisclosureVersion]:
    return list(session.exec(select(DisclosureVersion).where(DisclosureVersion.disclosure_id == disclosure_id)
                             .order_by(col(DisclosureVersion.version).desc())))


def get_version(session: Session, disclosure_id: int, version: int) -> DisclosureVersion:
    row = session.exec(select(DisclosureVersion).where(DisclosureVersion.disclosure_id == disclosure_id,
                                                       DisclosureVersion.version == version)).first()
    if row is None:
        raise NotFound(_("Không tìm thấy phiên bản"))
    return row


def methods(session: Session, disclosure_ids: list[int]) -> dict[int, list[DisclosureMethod]]:
    out: dict[int, list[DisclosureMethod]] = {i: [] for i in disclosure_ids}
    if disclosure_ids:
        for m in session.exec(select(DisclosureMethod).where(col(DisclosureMethod.disclosure_id).in_(disclosure_ids))
                              .order_by(col(DisclosureMethod.used_on), col(DisclosureMethod.id))):
            out[m.disclosure_id].append(m)
    return out


def attachments(session: Session, disclosure_ids: list[int], *, as_of_version: int | None = None
                ) -> dict[int, list[Attachment]]:
    """Files per disclosure; with `as_of_version`, only those that version had."""
    out: dict[int, list[Attachment]] = {i: [] for i in disclosure_ids}
    if disclosure_ids:
        stmt = select(Attachment).where(col(Attachment.disclosure_id).in_(disclosure_ids))
        if as_of_version is not None:
            stmt = stmt.where(Attachment.version <= as_of_version)
        for a in session.exec(stmt.order_by(col(Attachment.id))):
            out[a.disclosure_id].append(a)
    return out


def get_attachment(session: Session, disclosure_id: int, attachment_id: int, *, include_drafts: bool) -> Attachment:
    get(session, disclosure_id, include_drafts=include_drafts)
    att = session.get(Attachment, attachment_id)
    if att is None or att.disclosure_id != disclosure_id:
        raise NotFound(_("Không tìm thấy tệp đính kèm"))
    return att
