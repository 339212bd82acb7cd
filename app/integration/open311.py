"""Open311 GeoReport v2 for feedback (spec: ../shared/specs/open311-georeport-v2.md): the
service list (the case fields), the errors in the spec's shape, reading one request or a token,
and the filters of GET requests. A case's public id and view are app/integration/open311_views.py;
filing a POSTed request is app/integration/open311_intake.py. The wire formats and the routes
are in app/integration/api_open311.py; the privacy decisions are listed in its docstring and
enforced in these modules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from app.cases import privacy
from app.cases.codes import format_code, normalise_code
from app.config import Settings
from app.core.db import utcnow
from app.core.i18n import N_, _
from app.core.timeutil import LOCAL_TZ, local_date
from app.core.validation import MAX_DATE, MIN_DATE
from app.integration.open311_views import (
    CLOSED_STATUSES,
    LISTED_KINDS,
    case_id_of,
    listable,
    request_id,
    request_views,
    requested_at,
)
from app.models.complaint import FIELD_LABELS, KIND_LABELS, CaseField, CaseKind, Complaint

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this API last changed (the discovery document's `changeset`).
CHANGESET = "2026-11-27T00:00:00+07:00"
FORMATS = {"xml": "text/xml", "json": "application/json"}

MAX_SPAN = timedelta(days=90)  # the spec: a range "may not span more than 90 days"; the default range
MAX_RESULTS = 1000  # the spec: "first 1000 requests"

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


def bad_request(*descriptions: str) -> Open311Error:
    return Open311Error(400, *descriptions)


def quoted(value: str, limit: int = 40) -> str:
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
        raise Open311Error(404, _("Không có dịch vụ với service_code “%s”") % quoted(code))
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


# Reading one request, or the request behind a token --------------------------------------------

def get_request(session: Session, settings: Settings, secret: str, text: str) -> list[dict]:
    """One request (a list of one, as the spec answers); the same 404 for an unknown id and for
    a case that may not be shown."""
    case_id = case_id_of(text, secret)
    case = session.get(Complaint, case_id) if case_id else None
    if case is None or not listable(case):
        raise Open311Error(404, _("Không tìm thấy yêu cầu với service_request_id “%s”") % quoted(text))
    return request_views(session, settings, secret, [case])


def token_lookup(session: Session, secret: str, token: str) -> list[dict]:
    """The request a token (the sender's tracking code) stands for; the same 404 for any code
    that is unknown or whose case may not be shown."""
    case = session.exec(select(Complaint).where(Complaint.tracking_code == normalise_code(token))).first()
    if case is None or not listable(case):
        raise Open311Error(404, _("Không tìm thấy yêu cầu với token này"))
    assert case.id is not None  # a stored case
    return [{"service_request_id": request_id(case.id, secret), "token": format_code(case.tracking_code)}]


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
                "hoặc 2026-03-14T00:00:00Z, hoặc một ngày 2026-03-14") % {"name": name, "value": quoted(value)}
    if not _W3C.fullmatch(text):
        raise bad_request(problem)
    try:
        if "T" in text:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            dt = datetime.combine(date.fromisoformat(text), time.max if end else time.min, LOCAL_TZ)
    except ValueError:
        raise bad_request(problem) from None
    if not MIN_DATE <= dt.date() <= MAX_DATE:
        raise bad_request(_("%s phải trong khoảng năm 1900 đến 2200") % name)
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
            raise bad_request(_("Tối đa %d service_request_id mỗi lần") % MAX_RESULTS)
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
                      % {"codes": ", ".join(quoted(c, 20) for c in unknown[:5]),
                         "known": ", ".join(sorted(SERVICE_CODES))})
    statuses = [s.lower() for s in _values(params, "status")]
    wrong = [s for s in statuses if s not in ("open", "closed")]
    if wrong:
        errors.append(_("status chỉ nhận open hoặc closed, không nhận: %s")
                      % ", ".join(quoted(s, 20) for s in wrong[:5]))
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
        raise bad_request(*errors)
    start, end = bounds["start_date"], bounds["end_date"]
    if start is None and end is None:
        end = now or utcnow()
        start = end - MAX_SPAN
    elif start is None:
        assert end is not None  # both None is the branch above
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end < start:
        raise bad_request(_("end_date phải sau start_date"))
    if end - start > MAX_SPAN:
        raise bad_request(_("Khoảng từ start_date đến end_date không được quá 90 ngày"))
    return RequestQuery(case_ids=None, codes=frozenset(codes), statuses=frozenset(statuses), start=start, end=end)


def list_requests(session: Session, settings: Settings, secret: str, query: RequestQuery) -> list[dict]:
    """Newest first, at most MAX_RESULTS; by id (in the order asked), or by the filters."""
    base = select(Complaint).where(col(Complaint.kind).in_([k.value for k in LISTED_KINDS]), privacy.open_clause())
    if query.case_ids is not None:
        if not query.case_ids:
            return []
        by_id = {c.id: c for c in session.exec(base.where(col(Complaint.id).in_(query.case_ids)))}
        cases = [by_id[i] for i in query.case_ids if i in by_id]
        return request_views(session, settings, secret, cases)
    # The request time falls on the day the case was received: the dates narrow it in SQL.
    assert query.start is not None and query.end is not None  # `parse_query` sets both when no id is given
    stmt = base.where(Complaint.received_on >= local_date(query.start), Complaint.received_on <= local_date(query.end))
    if query.codes:
        stmt = stmt.where(col(Complaint.field).in_(sorted(query.codes)))
    closed = [s.value for s in CLOSED_STATUSES]
    if query.statuses == {"open"}:
        stmt = stmt.where(col(Complaint.status).not_in(closed))
    elif query.statuses == {"closed"}:
        stmt = stmt.where(col(Complaint.status).in_(closed))
    cases = [c for c in session.exec(stmt) if query.start <= requested_at(c) <= query.end]
    cases.sort(key=lambda c: (requested_at(c), c.id), reverse=True)
    return request_views(session, settings, secret, cases[:MAX_RESULTS])
