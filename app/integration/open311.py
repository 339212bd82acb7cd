"""Open311 GeoReport v2 for feedback (spec: ../shared/specs/open311-georeport-v2.md): the
service list (the case fields), the public view of a service request, the filters of GET
requests, and filing a POSTed request as a feedback case. The wire formats and the routes are in
app/integration/api_open311.py; the privacy decisions are listed in its docstring and enforced here.

What a request shows is built field by field from an allow-list (`request_view`): never the
sender, the subject, the content, the attachments, the internal notes or the tracking code; only
feedback and petition cases that are not, and never were, denunciations (`listable`)."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import Session, select

from app.accounts.auth import Principal, principal_for_token
from app.cases import privacy
from app.cases import service as complaints
from app.cases.views import STAGE_LABELS
from app.config import Settings
from app.core.db import utcnow
from app.core.i18n import N_, _
from app.core.timeutil import LOCAL_TZ, local_date, to_local
from app.core.validation import MAX_DATE, MIN_DATE, has_control_chars
from app.legal.deadlines import CaseDeadline, case_clock, case_deadlines
from app.legal.workdays import Pause
from app.models.complaint import (
    CASE_STATUS_LABELS,
    FIELD_LABELS,
    KIND_LABELS,
    CaseField,
    CaseKind,
    CaseStatus,
    Complaint,
    ComplaintEvent,
    ComplaintPause,
)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this API last changed (the discovery document's `changeset`).
CHANGESET = "2026-11-27T00:00:00+07:00"
FORMATS = {"xml": "text/xml", "json": "application/json"}

# Only these kinds are ever listed; a complaint or a denunciation never is (see `listable`).
LISTED_KINDS = (CaseKind.feedback, CaseKind.petition)
# Closed: the case has its public outcome (resolved, closed, guided, transferred, filed, refused).
CLOSED_STATUSES = frozenset(complaints.PUBLIC_OUTCOME_STATUSES)
MAX_SPAN = timedelta(days=90)  # the spec: a range "may not span more than 90 days"; the default range
MAX_RESULTS = 1000  # the spec: "first 1000 requests"
DESCRIPTION_MAX = 4000  # the spec's limit for `description`
DESCRIPTION_MIN = 10  # a case's content is at least this long
SUBJECT_WORDS, SUBJECT_MAX = 12, 100  # the case's subject: the description's first words
MEDIA_URL_MAX = 1000
PUBLIC_SENDER = "citizen:open311"  # the audit actor of a request POSTed without an api_key

SERVICE_DESCRIPTIONS = {
    CaseField.land: N_("Lấn chiếm đất, sử dụng đất sai mục đích, mốc giới, tranh chấp đất đai"),
    CaseField.construction: N_("Xây dựng không phép, sai phép, công trình nguy hiểm hoặc ảnh hưởng nhà liền kề"),
    CaseField.environment: N_("Rác thải, nước thải, khói bụi, tiếng ồn, ô nhiễm, cây xanh"),
    CaseField.urban_order: N_("Lấn chiếm vỉa hè, lòng đường, đèn chiếu sáng, đường hư hỏng, trật tự công cộng"),
    CaseField.social_policy: N_("Chế độ chính sách, trợ cấp, bảo trợ xã hội, hộ nghèo, bảo hiểm y tế"),
    CaseField.administrative_procedures: N_("Hồ sơ, thời hạn, thái độ phục vụ khi giải quyết thủ tục hành chính"),
    CaseField.other: N_("Những vấn đề khác thuộc trách nhiệm của phường"),
}


class Open311Error(Exception):
    """An answer in the spec's error format: the HTTP status and a list of (code, description)."""

    def __init__(self, status: int, *descriptions: str, headers: dict[str, str] | None = None):
        super().__init__("; ".join(descriptions))
        self.status = status
        self.errors = [(status, d) for d in descriptions]
        self.headers = headers or {}


def _bad(*descriptions: str) -> Open311Error:
    return Open311Error(400, *descriptions)


def _shown(value: str, limit: int = 40) -> str:
    """A value the client sent, as an error message may quote it: short, one line."""
    value = re.sub(r"\s+", " ", value).strip()
    return value if len(value) <= limit else value[:limit] + "…"


# Services --------------------------------------------------------------------------------------

SERVICE_CODES = frozenset(f.value for f in CaseField)


def services() -> list[dict]:
    """One service per case field; no extra attributes (so `metadata` is false)."""
    group = str(KIND_LABELS[CaseKind.feedback])
    return [{"service_code": f.value, "service_name": str(FIELD_LABELS[f]), "description": str(SERVICE_DESCRIPTIONS[f]),
             "metadata": False, "type": "realtime", "keywords": None, "group": group} for f in CaseField]


def service_definition(code: str) -> dict:
    if code not in SERVICE_CODES:
        raise Open311Error(404, _("Không có dịch vụ với service_code “%s”") % _shown(code))
    return {"service_code": code, "attributes": []}


def discovery(settings: Settings) -> dict:
    return {
        "changeset": CHANGESET,
        "contact": f"{settings.ward_name}, {settings.ward_address}",
        "key_service": _("Mã api_key (phạm vi complaints:write) do quản trị viên cổng thông tin của phường cấp; "
                         "liên hệ Ủy ban nhân dân phường."),
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": settings.public_base_url.rstrip("/") + "/open311/v2",
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    }


# Service request ids ---------------------------------------------------------------------------
# A case's public id is its row id through a keyed permutation of 64-bit blocks (a 4-round
# Feistel network with HMAC-SHA256 rounds, keyed by SECRET_KEY): stable, reversible by the
# server alone, and it reveals neither the order of cases nor how many other cases (complaints,
# denunciations) were filed between two listed ones. The low half of the block is a zero check,
# so a made-up id is refused (2^-32 chance of hitting a real one).

_ID_PATTERN = re.compile(r"[0-9a-f]{16}")
_MASK32 = 0xFFFF_FFFF
_ROUNDS = 4


def _id_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"minhbach open311 service_request_id v1", hashlib.sha256).digest()


def _round(key: bytes, n: int, half: int) -> int:
    return int.from_bytes(hmac.new(key, bytes([n]) + half.to_bytes(4, "big"), hashlib.sha256).digest()[:4], "big")


def request_id(case_id: int, secret: str) -> str:
    key = _id_key(secret)
    left, right = case_id & _MASK32, 0
    for n in range(_ROUNDS):
        left, right = right, left ^ _round(key, n, right)
    return f"{left:08x}{right:08x}"


def case_id_of(text: str, secret: str) -> int | None:
    """The case id behind a service_request_id, or None for anything this server did not make."""
    text = text.strip().lower()
    if not _ID_PATTERN.fullmatch(text):
        return None
    value = int(text, 16)
    key = _id_key(secret)
    left, right = value >> 32, value & _MASK32
    for n in reversed(range(_ROUNDS)):
        left, right = right ^ _round(key, n, left), left
    return left if right == 0 and 1 <= left <= 2_147_483_647 else None


# The public view of a case ---------------------------------------------------------------------

def listable(case: Complaint) -> bool:
    """Feedback and petitions only, and never a case that is, was or came from a denunciation."""
    return case.kind in LISTED_KINDS and not privacy.is_protected(case)


def located(case: Complaint) -> bool:
    """Where the problem is: shown for feedback only, and only once staff have classified the
    letter (a letter is classified by its content: a 'feedback' may turn out to be a denunciation,
    and then it leaves the list without its place ever having been shown)."""
    return case.kind == CaseKind.feedback and case.status != CaseStatus.received


def requested_at(case: Complaint) -> datetime:
    """When the request was made: the moment it was entered, or, for a letter entered later
    than it was received (post, walk-in), the start of the day it was received."""
    created = to_local(case.created_at)
    if created.date() == case.received_on:
        return created
    return datetime.combine(case.received_on, time.min, LOCAL_TZ)


def w3c(dt: datetime) -> str:
    """ISO 8601 with the ward's offset, to the second (2026-03-14T09:30:00+07:00)."""
    return to_local(dt).replace(microsecond=0).isoformat()


def nearest_of(deadlines: list[CaseDeadline]) -> CaseDeadline | None:
    """The nearest open legal deadline among a case's (None while suspended)."""
    pending = [d for d in deadlines if not d.met and d.due_on is not None]
    return min(pending, key=lambda d: d.due_on) if pending else None


def nearest_deadline(session: Session, case: Complaint) -> CaseDeadline | None:
    """The nearest open legal deadline, from the deadline engine (None while suspended)."""
    return nearest_of(complaints.deadlines(session, case))


def deadlines_of(session: Session, cases: list[Complaint]) -> dict[int, list[CaseDeadline]]:
    """`complaints.deadlines` of every case, by case id, from one clock (`deadlines.case_clock`:
    the rules and the calendar read once) and one query for the suspensions of all the cases:
    a list costs the same few statements however long it is (none for no case)."""
    if not cases:
        return {}
    clock = case_clock(session)
    pauses: dict[int, list[Pause]] = defaultdict(list)
    rows = session.exec(select(ComplaintPause.complaint_id, ComplaintPause.start, ComplaintPause.end)
                        .where(ComplaintPause.complaint_id.in_(sorted({c.id for c in cases})))
                        .order_by(ComplaintPause.id)).all()
    for cid, start, end in rows:
        pauses[cid].append(Pause(start, end))
    return {c.id: case_deadlines(c, tuple(pauses.get(c.id, ())), clock) for c in cases}


def deadline_notice(d: CaseDeadline) -> str:
    stage = STAGE_LABELS.get(d.stage, d.stage)
    return _("%(stage)s: hạn %(due)s (%(basis)s)") % {"stage": str(stage), "due": d.due_on.strftime("%d/%m/%Y"),
                                                       "basis": d.deadline.rule.legal_basis}


def status_notes(case: Complaint) -> str:
    """The status and, once there is one, the public outcome (no personal data: the decision or
    guidance slip number, the body it was transferred to, the public summary)."""
    parts = [str(CASE_STATUS_LABELS[CaseStatus(case.status)])]
    outcome = complaints.public_outcome(case)
    if outcome:
        if outcome["decision_number"]:
            decision = _("Quyết định số %s") % outcome["decision_number"]
            if outcome["decided_on"]:
                decision += " " + _("ngày %s") % outcome["decided_on"].strftime("%d/%m/%Y")
            parts.append(decision)
        if outcome["guidance_number"]:
            parts.append(_("Phiếu hướng dẫn số %s") % outcome["guidance_number"])
        if outcome["transfer_body"]:
            parts.append(_("Chuyển đến: %s") % outcome["transfer_body"])
        if outcome["summary"]:
            parts.append(outcome["summary"])
    return ". ".join(p.strip().rstrip(".") for p in parts if p.strip())[:DESCRIPTION_MAX]


def request_view(settings: Settings, secret: str, case: Complaint, updated: datetime | None,
                 due: CaseDeadline | None) -> dict:
    """A case as GeoReport v2 shows it to anyone: built from an allow-list, nothing else. `due`:
    its nearest open deadline (`nearest_of`; none is shown once the case is closed)."""
    closed = case.status in CLOSED_STATUSES
    due = None if closed else due
    place = located(case)
    return {
        "service_request_id": request_id(case.id, secret),
        "status": "closed" if closed else "open",
        "status_notes": status_notes(case),
        "service_name": str(FIELD_LABELS[CaseField(case.field)]),
        "service_code": case.field,
        "description": (case.public_summary or "")[:DESCRIPTION_MAX] or None,
        "agency_responsible": settings.ward_name,
        "service_notice": deadline_notice(due) if due else None,
        "requested_datetime": w3c(requested_at(case)),
        "updated_datetime": w3c(updated or case.created_at),
        "expected_datetime": w3c(datetime.combine(due.due_on, time(23, 59, 59), LOCAL_TZ)) if due else None,
        "address": (case.place_address or None) if place else None,
        "address_id": None,
        "zipcode": None,
        "lat": case.latitude if place else None,
        "long": case.longitude if place else None,
        "media_url": None,
    }


def _last_public_steps(session: Session, ids: list[int]) -> dict[int, datetime]:
    """When each case last changed in public (its last public step): internal steps, such as an
    assignment, do not show."""
    if not ids:
        return {}
    rows = session.exec(select(ComplaintEvent.complaint_id, func.max(ComplaintEvent.at))
                        .where(ComplaintEvent.complaint_id.in_(ids), ComplaintEvent.public.is_(True))
                        .group_by(ComplaintEvent.complaint_id)).all()
    return {cid: at for cid, at in rows if at is not None}


def _views(session: Session, settings: Settings, secret: str, cases: list[Complaint]) -> list[dict]:
    """The cases' public views, in a fixed number of statements however many there are: their
    last public steps in one query, the deadlines of the open ones in bulk (`deadlines_of`)."""
    updated = _last_public_steps(session, [c.id for c in cases])
    due = deadlines_of(session, [c for c in cases if c.status not in CLOSED_STATUSES])
    return [request_view(settings, secret, c, updated.get(c.id), nearest_of(due.get(c.id, []))) for c in cases]


def get_request(session: Session, settings: Settings, secret: str, text: str) -> list[dict]:
    """One request (a list of one, as the spec answers); the same 404 for an unknown id and for
    a case that may not be shown."""
    case_id = case_id_of(text, secret)
    case = session.get(Complaint, case_id) if case_id else None
    if case is None or not listable(case):
        raise Open311Error(404, _("Không tìm thấy yêu cầu với service_request_id “%s”") % _shown(text))
    return _views(session, settings, secret, [case])


def token_lookup(session: Session, secret: str, token: str) -> list[dict]:
    """The request a token (the sender's tracking code) stands for; the same 404 for any code
    that is unknown or whose case may not be shown."""
    case = session.exec(select(Complaint).where(Complaint.tracking_code == complaints.normalise_code(token))).first()
    if case is None or not listable(case):
        raise Open311Error(404, _("Không tìm thấy yêu cầu với token này"))
    return [{"service_request_id": request_id(case.id, secret), "token": complaints.format_code(case.tracking_code)}]


# GET requests.json: filters --------------------------------------------------------------------

@dataclass(frozen=True)
class RequestQuery:
    case_ids: tuple[int, ...] | None  # service_request_id given: it overrides every other argument
    codes: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    start: datetime | None = None
    end: datetime | None = None


_W3C = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?")


def parse_datetime(value: str, name: str, *, end: bool = False) -> datetime:
    """A W3C date-time with its time zone (2026-03-14T00:00:00Z, 2026-03-14T07:00:00+07:00), or a
    date alone (2026-03-14): the start of that day in the ward's time zone, or its end for
    `end_date`."""
    text = value.strip()
    # A '+' the client did not encode arrives as a space: 2026-03-14T07:00:00 07:00.
    text = re.sub(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:\d{2})$", r"\1+\2", text)
    problem = _("%(name)s không hợp lệ: “%(value)s”; dùng định dạng W3C có múi giờ, ví dụ 2026-03-14T00:00:00+07:00 "
                "hoặc 2026-03-14T00:00:00Z, hoặc một ngày 2026-03-14") % {"name": name, "value": _shown(value)}
    if not _W3C.fullmatch(text):
        raise _bad(problem)
    try:
        if "T" in text:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            dt = datetime.combine(date.fromisoformat(text), time.max if end else time.min, LOCAL_TZ)
    except ValueError:
        raise _bad(problem) from None
    if not MIN_DATE <= dt.date() <= MAX_DATE:
        raise _bad(_("%s phải trong khoảng năm 1900 đến 2200") % name)
    return dt


def _values(params: Mapping[str, list[str]], name: str) -> list[str]:
    """A list argument: declared several times, comma delimited, or both; empty parts dropped."""
    out: list[str] = []
    for value in params.get(name, []):
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


def _single(params: Mapping[str, list[str]], name: str) -> str:
    """An optional single argument: empty is the same as not given (the spec)."""
    values = [v for v in params.get(name, []) if v.strip()]
    return values[-1] if values else ""


def parse_query(params: Mapping[str, list[str]], secret: str, *, now: datetime | None = None) -> RequestQuery:
    ids = _values(params, "service_request_id")
    if ids:
        if len(ids) > MAX_RESULTS:
            raise _bad(_("Tối đa %d service_request_id mỗi lần") % MAX_RESULTS)
        found: list[int] = []
        for text in ids:
            case_id = case_id_of(text, secret)
            if case_id is not None and case_id not in found:
                found.append(case_id)
        return RequestQuery(case_ids=tuple(found))

    errors: list[str] = []
    codes = _values(params, "service_code")
    unknown = [c for c in codes if c not in SERVICE_CODES]
    if unknown:
        errors.append(_("service_code không có: %(codes)s (các mã: %(known)s)")
                      % {"codes": ", ".join(_shown(c, 20) for c in unknown[:5]), "known": ", ".join(sorted(SERVICE_CODES))})
    statuses = [s.lower() for s in _values(params, "status")]
    wrong = [s for s in statuses if s not in ("open", "closed")]
    if wrong:
        errors.append(_("status chỉ nhận open hoặc closed, không nhận: %s") % ", ".join(_shown(s, 20) for s in wrong[:5]))
    bounds: dict[str, datetime | None] = {}
    for name in ("start_date", "end_date"):
        text = _single(params, name)
        bounds[name] = None
        if text:
            try:
                bounds[name] = parse_datetime(text, name, end=name == "end_date")
            except Open311Error as exc:
                errors.extend(d for _code, d in exc.errors)
    if errors:
        raise _bad(*errors)
    start, end = bounds["start_date"], bounds["end_date"]
    if start is None and end is None:
        end = now or utcnow()
        start = end - MAX_SPAN
    elif start is None:
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end < start:
        raise _bad(_("end_date phải sau start_date"))
    if end - start > MAX_SPAN:
        raise _bad(_("Khoảng từ start_date đến end_date không được quá 90 ngày"))
    return RequestQuery(case_ids=None, codes=frozenset(codes), statuses=frozenset(statuses), start=start, end=end)


def list_requests(session: Session, settings: Settings, secret: str, query: RequestQuery) -> list[dict]:
    """Newest first, at most MAX_RESULTS; by id (in the order asked), or by the filters."""
    base = select(Complaint).where(Complaint.kind.in_([k.value for k in LISTED_KINDS]), privacy.open_clause())
    if query.case_ids is not None:
        if not query.case_ids:
            return []
        by_id = {c.id: c for c in session.exec(base.where(Complaint.id.in_(query.case_ids)))}
        cases = [by_id[i] for i in query.case_ids if i in by_id]
        return _views(session, settings, secret, cases)
    # The request time falls on the day the case was received: the dates narrow it in SQL.
    stmt = base.where(Complaint.received_on >= local_date(query.start), Complaint.received_on <= local_date(query.end))
    if query.codes:
        stmt = stmt.where(Complaint.field.in_(sorted(query.codes)))
    closed = [s.value for s in CLOSED_STATUSES]
    if query.statuses == {"open"}:
        stmt = stmt.where(Complaint.status.not_in(closed))
    elif query.statuses == {"closed"}:
        stmt = stmt.where(Complaint.status.in_(closed))
    cases = [c for c in session.exec(stmt) if query.start <= requested_at(c) <= query.end]
    cases.sort(key=lambda c: (requested_at(c), c.id), reverse=True)
    return _views(session, settings, secret, cases[:MAX_RESULTS])


# POST requests.json ----------------------------------------------------------------------------

def authorize(session: Session, settings: Settings, api_key: str, client_addr: str) -> Principal | None:
    """The token behind `api_key` (it must be allowed to take in cases: scope complaints:write),
    or None for a public request when the settings allow them. A wrong key is refused even then."""
    if not api_key:
        if settings.open311_public_posting:
            return None
        raise Open311Error(403, _("Cần api_key để gửi yêu cầu (mã truy cập có phạm vi complaints:write)"))
    principal = principal_for_token(session, api_key, client_addr)
    if principal is None:
        raise Open311Error(403, _("api_key không hợp lệ hoặc đã bị thu hồi"))
    if not principal.can("complaint:intake"):
        raise Open311Error(403, _("api_key không có phạm vi complaints:write"))
    return principal


def subject_from(description: str) -> str:
    """The case's subject: the description's first words, on one line, with an ellipsis when cut."""
    words = description.split()
    subject = ""
    for word in words[:SUBJECT_WORDS]:
        candidate = f"{subject} {word}".strip()
        if len(candidate) > SUBJECT_MAX:
            break
        subject = candidate
    if not subject:  # a first "word" longer than the limit
        subject = " ".join(words)[:SUBJECT_MAX]
    return subject if subject == " ".join(words) else subject.rstrip(",;:-–—") + "…"


def _location(form: Mapping[str, str], errors: list[str]) -> tuple[float | None, float | None]:
    lat_text, long_text = form.get("lat", ""), form.get("long", "")
    if not lat_text and not long_text:
        return None, None
    if not (lat_text and long_text):
        errors.append(_("Cần gửi cả lat và long"))
        return None, None
    try:
        lat, long = float(lat_text), float(long_text)
    except ValueError:
        lat = long = math.nan
    if not (math.isfinite(lat) and math.isfinite(long) and -90 <= lat <= 90 and -180 <= long <= 180):
        errors.append(_("lat và long phải là số thập phân (WGS84): lat từ -90 đến 90, long từ -180 đến 180"))
        return None, None
    return lat, long


_PARAM_OF = {"content": "description", "subject": "description", "address": "address_string", "latitude": "lat",
             "longitude": "long", "sender_name": "first_name, last_name", "sender_email": "email",
             "sender_phone": "phone", "field": "service_code"}
_REASONS = {
    "string_too_short": N_("quá ngắn"),
    "string_too_long": N_("quá dài"),
    "email_invalid": N_("địa chỉ email không hợp lệ"),
    "phone_invalid": N_("số điện thoại không hợp lệ"),
    "control_characters": N_("có ký tự điều khiển"),
}


def _validation_messages(exc: ValidationError) -> list[str]:
    out = []
    for e in exc.errors():
        loc = e.get("loc") or ("",)
        param = _PARAM_OF.get(str(loc[0]), str(loc[0]) or "description")
        error = e.get("ctx", {}).get("error")
        reason = _REASONS.get(str(error) if error is not None else e.get("type", ""), N_("không hợp lệ"))
        message = _("%(param)s: %(reason)s") % {"param": param, "reason": str(reason)}
        if message not in out:
            out.append(message)
    return out


def case_input(form: Mapping[str, str]) -> complaints.CaseInput:
    """A POSTed request as a feedback case: service_code is the field, description the content
    (its first words the subject), address_string/lat/long the place, and the sender from
    last_name + first_name (Vietnamese order: family name first), email and phone. No name:
    anonymous. device_id, account_id, attribute[...] and jurisdiction_id are not kept."""
    form = {k: (v.strip() if isinstance(v, str) else "") for k, v in form.items()}
    code = form.get("service_code", "")
    if not code:
        raise _bad(_("Thiếu service_code (xem services.json)"))
    if code not in SERVICE_CODES:
        raise Open311Error(404, _("Không có dịch vụ với service_code “%s”") % _shown(code))
    errors: list[str] = []
    description = form.get("description", "")
    if not description:
        errors.append(_("Thiếu description: cần mô tả vấn đề phản ánh"))
    elif len(description) < DESCRIPTION_MIN:
        errors.append(_("description quá ngắn (ít nhất %d ký tự)") % DESCRIPTION_MIN)
    elif len(description) > DESCRIPTION_MAX:
        errors.append(_("description dài quá %d ký tự") % DESCRIPTION_MAX)
    lat, long = _location(form, errors)
    address = form.get("address_string", "")
    if lat is None and not address and not errors:
        if form.get("address_id"):
            errors.append(_("address_id không được hỗ trợ: gửi address_string hoặc lat và long"))
        else:
            errors.append(_("Cần vị trí: lat và long, hoặc address_string"))
    media_url = form.get("media_url", "")
    if media_url:
        parts = urlsplit(media_url) if len(media_url) <= MEDIA_URL_MAX and not has_control_chars(media_url) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            errors.append(_("media_url phải là một địa chỉ http hoặc https (tối đa %d ký tự)") % MEDIA_URL_MAX)
    name = " ".join(p for p in (form.get("last_name", ""), form.get("first_name", "")) if p)
    email, phone = form.get("email", ""), form.get("phone", "")
    if (email or phone) and not name:
        errors.append(_("Cần họ tên (last_name, first_name) khi gửi email hoặc số điện thoại; "
                        "không có họ tên thì phản ánh là giấu tên"))
    if errors:
        raise _bad(*errors)
    content = description + (f"\n\nmedia_url: {media_url}" if media_url else "")
    try:
        return complaints.CaseInput.model_validate({
            "kind": CaseKind.feedback, "subject": subject_from(description), "content": content, "field": code,
            "address": address, "latitude": lat, "longitude": long, "anonymous": not name, "sender_name": name,
            "sender_email": email, "sender_phone": phone,
        })
    except ValidationError as exc:
        raise _bad(*_validation_messages(exc)) from None


def create_request(session: Session, settings: Settings, secret: str, data: complaints.CaseInput, *,
                   principal: Principal | None, actor) -> list[dict]:
    """File the case (as the web form does: channel web, the intake rules, audit, first public
    step) and answer its public id, the sender's tracking code as the `token`, and a notice."""
    case = complaints.file_case(session, data=data, channel="web", actor=actor, principal=principal)
    due = nearest_deadline(session, case)
    notice = _("%s đã tiếp nhận phản ánh.") % settings.ward_name
    if due:
        notice += " " + deadline_notice(due) + "."
    notice += " " + _("Mã token là mã tra cứu riêng của người gửi: dùng để theo dõi và đánh giá kết quả tại trang "
                      "Tra cứu đơn của phường; không công khai mã này.")
    return [{"service_request_id": request_id(case.id, secret), "token": complaints.format_code(case.tracking_code),
             "service_notice": notice}]
