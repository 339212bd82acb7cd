"""POST requests.json of Open311 GeoReport v2: who may post (an api_key with complaints:write,
or anyone when OPEN311_PUBLIC_POSTING is on), a posted form read as a feedback case, and filing
it as the web form does. Reading requests is app/integration/open311.py; the route and the wire
formats are app/integration/api_open311.py."""

from __future__ import annotations

import math
from collections.abc import Mapping
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlmodel import Session

from app.accounts.auth import Principal
from app.accounts.tokens import principal_for_token
from app.cases import codes, intake
from app.config import Settings
from app.core.i18n import N_, _
from app.core.validation import has_control_chars
from app.integration.open311 import SERVICE_CODES, Open311Error, bad_request, quoted
from app.integration.open311_views import DESCRIPTION_MAX, deadline_notice, nearest_deadline, request_id
from app.models.complaint import CaseKind

DESCRIPTION_MIN = 10  # a case's content is at least this long
SUBJECT_WORDS, SUBJECT_MAX = 12, 100  # the case's subject: the description's first words
MEDIA_URL_MAX = 1000
PUBLIC_SENDER = "citizen:open311"  # the audit actor of a request POSTed without an api_key


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


def case_input(form: Mapping[str, str]) -> intake.CaseInput:
    """A POSTed request as a feedback case: service_code is the field, description the content
    (its first words the subject), address_string/lat/long the place, and the sender from
    last_name + first_name (Vietnamese order: family name first), email and phone. No name:
    anonymous. device_id, account_id, attribute[...] and jurisdiction_id are not kept."""
    form = {k: (v.strip() if isinstance(v, str) else "") for k, v in form.items()}
    code = form.get("service_code", "")
    if not code:
        raise bad_request(_("Thiếu service_code (xem services.json)"))
    if code not in SERVICE_CODES:
        raise Open311Error(404, _("Không có dịch vụ với service_code “%s”") % quoted(code))
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
        raise bad_request(*errors)
    content = description + (f"\n\nmedia_url: {media_url}" if media_url else "")
    try:
        return intake.CaseInput.model_validate({
            "kind": CaseKind.feedback, "subject": subject_from(description), "content": content, "field": code,
            "address": address, "latitude": lat, "longitude": long, "anonymous": not name, "sender_name": name,
            "sender_email": email, "sender_phone": phone,
        })
    except ValidationError as exc:
        raise bad_request(*_validation_messages(exc)) from None


def create_request(session: Session, settings: Settings, secret: str, data: intake.CaseInput, *,
                   principal: Principal | None, actor) -> list[dict]:
    """File the case (as the web form does: channel web, the intake rules, audit, first public
    step) and answer its public id, the sender's tracking code as the `token`, and a notice."""
    case = intake.file_case(session, data=data, channel="web", actor=actor, principal=principal)
    assert case.id is not None  # flushed by file_case
    due = nearest_deadline(session, case)
    notice = _("%s đã tiếp nhận phản ánh.") % settings.ward_name
    if due:
        notice += " " + deadline_notice(due) + "."
    notice += " " + _("Mã token là mã tra cứu riêng của người gửi: dùng để theo dõi và đánh giá kết quả tại trang "
                      "Tra cứu đơn của phường; không công khai mã này.")
    return [{"service_request_id": request_id(case.id, secret), "token": codes.format_code(case.tracking_code),
             "service_notice": notice}]
