"""HTML form handling: validate with the same pydantic model the API uses, and turn errors
into one Vietnamese message per field so the form can be shown again with the input kept."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app.core.errors import AppError, Invalid
from app.core.i18n import N_, _
from app.core.validation import MAX_DATE, MIN_DATE, strip_control_chars

M = TypeVar("M", bound=BaseModel)

MESSAGES = {
    "missing": N_("Trường này là bắt buộc"),
    "string_too_short": N_("Quá ngắn"),
    "string_too_long": N_("Quá dài"),
    "too_long": N_("Quá nhiều mục"),
    "enum": N_("Giá trị không hợp lệ, hãy chọn trong danh sách"),
    "literal_error": N_("Giá trị không hợp lệ, hãy chọn trong danh sách"),
    "date_from_datetime_parsing": N_("Ngày không hợp lệ (dd/mm/yyyy)"),
    "date_parsing": N_("Ngày không hợp lệ (dd/mm/yyyy)"),
    "date_type": N_("Ngày không hợp lệ (dd/mm/yyyy)"),
    "int_parsing": N_("Phải là một số nguyên"),
    "int_type": N_("Phải là một số nguyên"),
    "greater_than_equal": N_("Giá trị quá nhỏ"),
    "less_than_equal": N_("Giá trị quá lớn"),
    "effective_on_before_issued_on": N_("Ngày hiệu lực không được trước ngày ban hành"),
    "posting_ends_before_start": N_("Ngày kết thúc niêm yết không được trước ngày bắt đầu"),
    "tag_too_long": N_("Mỗi từ khóa tối đa 40 ký tự"),
    "control_characters": N_("Có ký tự điều khiển không hợp lệ"),
    "date_out_of_range": N_("Ngày phải trong khoảng năm 1900 đến 2200"),
    "tags_too_long": N_("Các từ khóa cộng lại tối đa 500 ký tự"),
    # The intake rules of app/cases/intake.py CaseInput.
    "anonymous_not_allowed": N_("Chỉ được gửi giấu tên đối với phản ánh, kiến nghị. "
                                "Khiếu nại, tố cáo phải ghi rõ họ tên, địa chỉ người gửi."),
    "sender_name_required": N_("Vui lòng nhập họ và tên, hoặc chọn gửi giấu tên (chỉ với phản ánh, kiến nghị)"),
    "sender_address_required": N_("Khiếu nại, tố cáo phải ghi rõ địa chỉ người gửi"),
    "email_invalid": N_("Địa chỉ thư điện tử không hợp lệ (ví dụ: ten@example.vn)"),
    "phone_invalid": N_("Số điện thoại không hợp lệ (8 đến 20 chữ số)"),
    "id_number_invalid": N_("Số định danh không hợp lệ (CCCD 12 số, CMND 9 số hoặc hộ chiếu)"),
    "float_parsing": N_("Phải là một số, ví dụ 20.9712"),
    "float_type": N_("Phải là một số, ví dụ 20.9712"),
    "bool_parsing": N_("Giá trị không hợp lệ"),
    # Reception: schedule rules and sessions (app/reception/schedule.py).
    "end_before_start": N_("Giờ kết thúc phải sau giờ bắt đầu"),
    "session_too_long": N_("Một buổi tiếp không dài quá 12 giờ"),
    "weekday_invalid": N_("Chọn các ngày trong tuần từ Thứ Hai đến Chủ nhật"),
    "effective_to_before_from": N_("Ngày kết thúc không được trước ngày bắt đầu áp dụng"),
    "time_parsing": N_("Giờ không hợp lệ (HH:MM)"),
    "time_type": N_("Giờ không hợp lệ (HH:MM)"),
    "list_type": N_("Giá trị không hợp lệ, hãy chọn trong danh sách"),
    # Dialogues (app/dialogues/service.py).
    "url_invalid": N_("Địa chỉ phải bắt đầu bằng https://"),
    "place_required": N_("Đối thoại trực tiếp cần ghi địa điểm"),
    "online_url_required": N_("Đối thoại trực tuyến cần đường dẫn tham gia"),
    "answered_by_required": N_("Ghi rõ ai đã trả lời"),
}
# Errors of a whole model, shown on the field they are about.
MODEL_ERROR_FIELDS = {
    "effective_on_before_issued_on": "effective_on",
    "posting_ends_before_start": "posting_ends_on",
    "anonymous_not_allowed": "anonymous",
    "sender_name_required": "sender_name",
    "sender_address_required": "sender_address",
    "place_required": "place",
    "online_url_required": "online_url",
    "answered_by_required": "answered_by",
}
MAX_FILES_PER_FORM = 10


def _normalise_date(value: str) -> str:
    """Accept dd/mm/yyyy as typed by people as well as the yyyy-mm-dd of date inputs."""
    parts = value.strip().split("/")
    if len(parts) == 3 and len(parts[2]) == 4:
        return f"{parts[2]}-{parts[1].zfill(2)}-{parts[0].zfill(2)}"
    return value.strip()


def parse_date(value: str) -> date | None:
    """dd/mm/yyyy or yyyy-mm-dd within the plausible range, else None."""
    value = value.strip()
    try:
        if "/" in value:
            d, m, y = value.split("/")
            parsed = date(int(y), int(m), int(d))
        else:
            parsed = date.fromisoformat(value)
    except (ValueError, OverflowError):
        return None
    return parsed if MIN_DATE <= parsed <= MAX_DATE else None


def required_date(values: dict[str, str], name: str) -> date:
    """A form's date field, or a 422 naming the field."""
    from app.core.errors import Invalid
    from app.core.i18n import _

    parsed = parse_date(values.get(name, ""))
    if parsed is None:
        raise Invalid(_("Ngày không hợp lệ (dd/mm/yyyy)"), fields={name: "invalid"})
    return parsed


def parse_time(value: str) -> time | None:
    """HH:MM as a time input sends it (7:30 as typed is accepted too), else None."""
    value = value.strip()
    if len(value) == 4 and value[1] == ":":
        value = "0" + value
    if len(value) != 5:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        return None


def local_span(values: dict[str, str], *, end_required: bool = True) -> tuple[datetime | None, datetime | None,
                                                                                dict[str, str]]:
    """A form's `day`, `start` and `end` fields as times in the ward's zone, with one message per
    bad field (every form that schedules something: sessions, moves, dialogues)."""
    from app.core.i18n import _
    from app.core.timeutil import LOCAL_TZ

    errors: dict[str, str] = {}
    day, start = parse_date(values.get("day", "")), parse_time(values.get("start", ""))
    given_end = values.get("end", "").strip()
    end = parse_time(given_end) if given_end else None
    if day is None:
        errors["day"] = _("Ngày không hợp lệ (dd/mm/yyyy)")
    if start is None:
        errors["start"] = _("Giờ không hợp lệ (HH:MM)")
    if (given_end or end_required) and end is None:
        errors["end"] = _("Giờ không hợp lệ (HH:MM)")
    elif end is not None and start is not None and end <= start:
        errors["end"] = _("Giờ kết thúc phải sau giờ bắt đầu")
    if errors:
        return None, None, errors
    assert day is not None and start is not None  # no errors: both were parsed
    return (datetime.combine(day, start, LOCAL_TZ), datetime.combine(day, end, LOCAL_TZ) if end else None, {})


def form_values(form: FormData, *, date_fields: tuple[str, ...] = ()) -> dict[str, str]:
    # Browsers never send control characters in text; whatever sends them loses them.
    values = {k: strip_control_chars(v) for k, v in form.multi_items() if isinstance(v, str) and k != "csrf_token"}
    for k in date_fields:
        if k in values:
            values[k] = _normalise_date(values[k])
    return values


def validate(model: type[M], values: dict[str, str]) -> tuple[M | None, dict[str, str]]:
    """(instance, {}) when valid, else (None, {field: message}). Blank optional fields are None."""
    cleaned = {k: (v if v.strip() != "" else None) for k, v in values.items()}
    cleaned = {k: v for k, v in cleaned.items() if v is not None or model.model_fields.get(k) is None}
    try:
        return model.model_validate(cleaned), {}
    except ValidationError as exc:
        return None, field_errors(exc)


def field_errors(exc: ValidationError) -> dict[str, str]:
    """One Vietnamese message per field (model-level errors go to the field they concern)."""
    errors: dict[str, str] = {}
    for e in exc.errors():
        loc = [str(p) for p in e.get("loc", ())]
        key = e.get("type", "")
        if key == "value_error":
            key = str(e.get("ctx", {}).get("error", ""))
        field = loc[0] if loc else MODEL_ERROR_FIELDS.get(key, "__all__")
        errors.setdefault(field, str(MESSAGES.get(key, N_("Giá trị không hợp lệ"))))
    return errors


def read_uploads(form: FormData, max_bytes: int, field: str = "files") -> list:
    """The files chosen in a form's file input, each read up to `max_bytes` plus one byte (so a
    file over the limit is recognised without reading all of it). Sync on purpose: routes run in
    the thread pool, and the form was parsed (spooled to disk) before the route began."""
    from starlette.datastructures import UploadFile

    from app.core.files import Upload

    chosen = [f for f in form.getlist(field) if isinstance(f, UploadFile) and f.filename]
    if len(chosen) > MAX_FILES_PER_FORM:
        # Never a silent drop: the sender must know which files were not taken.
        raise Invalid(_("Chỉ được đính kèm tối đa {n} tệp mỗi lần").format(n=MAX_FILES_PER_FORM),
                      fields={"file": "too_many"})
    uploads = []
    for f in chosen:
        f.file.seek(0)
        uploads.append(Upload(f.file.read(max_bytes + 1), f.filename or ""))
    return uploads


class FormFailure:
    """What a service refused while a form was being handled (`refused_by_service`): falsy until
    something was refused, then the error, ready to be shown beside the fields again."""

    def __init__(self) -> None:
        self.exc: AppError | None = None

    def __bool__(self) -> bool:
        return self.exc is not None

    @property
    def status_code(self) -> int:
        return self.exc.status_code if self.exc else 200

    @property
    def message(self) -> str:
        return self.exc.message if self.exc else ""

    def errors(self, default: str = "__all__", *, prefix: str = "") -> dict[str, str]:
        """The message under each field the service named (or under `default`). A service may
        name a field with a message of its own instead of a short code: that message is kept."""
        exc = self.exc
        if exc is None:
            return {}
        named = {f"{prefix}{k}": (v if len(v) > 20 else exc.message) for k, v in exc.fields.items()}
        return named or {f"{prefix}{default}": exc.message}


@contextmanager
def refused_by_service(session, *, shown: tuple[int, ...] = (409, 422)) -> Iterator[FormFailure]:
    """Run a service call for a form: an AppError with one of the `shown` statuses rolls the
    transaction back (nothing half-done is kept) and is handed to the door to show the form
    again with the message; any other error goes on to the app's handlers (a 403 page, a 404).

        with refused_by_service(session) as failed:
            service.do(session, ...)
        if failed:
            return form_page(..., errors=failed.errors(), status_code=failed.status_code)
    """
    failed = FormFailure()
    try:
        yield failed
    except AppError as exc:
        if exc.status_code not in shown:
            raise
        session.rollback()
        failed.exc = exc
