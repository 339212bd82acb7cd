"""The action forms of the staff case page: what each workflow action's form shows (label,
fields, widgets, maximum lengths) and the response templates its note starts from. Which
actions are offered is the workflow's answer (`workflow.can_act`), asked by the door."""

from __future__ import annotations

from app.cases import workflow
from app.core.i18n import N_
from app.core.templating import vn_date
from app.core.timeutil import local_today
from app.models.complaint import Complaint

ACTION_LABELS = {
    "receive": N_("Tiếp nhận đơn"),
    "classify": N_("Phân loại đơn"),
    "accept": N_("Thụ lý"),
    "guide": N_("Hướng dẫn người gửi"),
    "transfer": N_("Chuyển đơn"),
    "file": N_("Lưu đơn"),
    "refuse": N_("Không thụ lý"),
    "assign": N_("Giao xử lý"),
    "start": N_("Bắt đầu giải quyết"),
    "suspend": N_("Tạm đình chỉ"),
    "resume": N_("Tiếp tục giải quyết"),
    "extend": N_("Gia hạn giải quyết"),
    "resolve": N_("Ban hành kết quả giải quyết"),
    "close": N_("Kết thúc hồ sơ"),
    "reopen": N_("Mở lại"),
}

# The fields each action's form shows (besides the note); which are required comes from
# workflow.TRANSITIONS.
ACTION_FIELDS = {
    "classify": ("kind", "field", "complex", "remote"),
    "guide": ("guidance_number",),
    "transfer": ("transfer_body", "transfer_number"),
    "file": ("reason",),
    "refuse": ("reason",),
    "assign": ("assignee_id", "department"),
    "suspend": ("reason",),
    "extend": ("decision_number",),
    "resolve": ("decision_number", "decided_on", "result", "public_summary"),
    "reopen": ("reason",),
}
FIELD_WIDGETS = {
    "kind": ("kind", N_("Loại đơn"), ""),
    "field": ("field", N_("Lĩnh vực"), ""),
    "complex": ("checkbox", N_("Vụ việc phức tạp"), ""),
    "remote": ("checkbox", N_("Vùng sâu, vùng xa, đi lại khó khăn"), ""),
    "assignee_id": ("assignee", N_("Cán bộ được giao"), ""),
    "department": ("text", N_("Bộ phận"), N_("Để trống: giữ bộ phận hiện tại")),
    "guidance_number": ("text", N_("Số phiếu hướng dẫn"), ""),
    "transfer_body": ("text", N_("Cơ quan nhận đơn"), ""),
    "transfer_number": ("text", N_("Số phiếu chuyển đơn"), ""),
    "reason": ("textarea", N_("Lý do"), ""),
    "decision_number": ("text", N_("Số quyết định"), N_("Ví dụ: 15/QĐ-UBND")),
    "decided_on": ("date", N_("Ngày quyết định"), ""),
    "result": ("textarea", N_("Kết quả giải quyết"), N_("Nội bộ: nội dung kết luận, kết quả")),
    "public_summary": ("textarea", N_("Tóm tắt công khai"),
                       N_("Hiển thị trên trang tra cứu; không ghi thông tin cá nhân")),
}
MAXLENGTHS = {"department": 120, "guidance_number": 100, "transfer_body": 200, "transfer_number": 100,
              "reason": 5000, "decision_number": 100, "result": 20000, "public_summary": 5000, "note": 5000}

# Response templates per outcome: the note starts from one of these (staff complete the "...").
# They name no one: the note of a public step is shown on the tracking page.
RESPONSE_TEMPLATES = {
    "guide": N_("Ủy ban nhân dân %(ward)s đã nhận đơn ngày %(received)s về việc: "
                "%(subject)s.\nNội dung đơn không thuộc thẩm quyền giải quyết của Ủy ban nhân dân phường. "
                "Đề nghị ông/bà gửi đơn đến ... là cơ quan có thẩm quyền để được xem xét, giải quyết theo "
                "quy định (Phiếu hướng dẫn số ...)."),
    "transfer": N_("Ủy ban nhân dân %(ward)s đã nhận đơn ngày %(received)s về việc: "
                   "%(subject)s.\nĐơn đã được chuyển đến ... là cơ quan có thẩm quyền giải quyết (Phiếu "
                   "chuyển đơn số ...). Đề nghị ông/bà liên hệ cơ quan này để theo dõi kết quả."),
    "refuse": N_("Ủy ban nhân dân %(ward)s đã nhận đơn ngày %(received)s về việc: "
                 "%(subject)s.\nĐơn không đủ điều kiện thụ lý giải quyết vì: .... Căn cứ: ...."),
    "file": N_("Ủy ban nhân dân %(ward)s đã nhận đơn ngày %(received)s về việc: %(subject)s.\n"
               "Đơn được lưu theo quy định vì: ...."),
    "resolve": N_("Ủy ban nhân dân %(ward)s đã giải quyết đơn ngày %(received)s về "
                  "việc: %(subject)s tại Quyết định số ... ngày .... Kết quả giải quyết: .... Nếu không đồng "
                  "ý, ông/bà có quyền ... theo quy định của pháp luật."),
}


def label(action: str) -> str:
    """An action as the timeline names it."""
    return str(ACTION_LABELS.get(action, action))


def defaults(case: Complaint, action: str, *, ward: str) -> dict[str, str]:
    """What an action's form starts with: the case's current values, today, and the response
    template of the outcome (if it has one) filled in with the ward and the letter."""
    values = {"kind": case.kind, "field": case.field, "complex": "true" if case.complex else "",
              "remote": "true" if case.remote else "", "department": case.department,
              "assignee_id": str(case.assignee_id or ""), "decided_on": local_today().isoformat()}
    template = RESPONSE_TEMPLATES.get(action)
    if template:
        values["note"] = str(template) % {"ward": ward, "received": vn_date(case.received_on),
                                          "subject": case.subject}
    return values


def forms_for(case: Complaint, actions: list[str], *, ward: str, failed: str | None, values: dict,
              errors: dict) -> list[dict]:
    """The forms of `actions` (those the viewer may take now): the one that `failed` keeps what
    was typed and its errors, the others start from `defaults`."""
    forms = []
    for name in actions:
        rule = workflow.TRANSITIONS[name]
        fields = [{"name": f, "widget": FIELD_WIDGETS[f][0], "label": str(FIELD_WIDGETS[f][1]),
                   "hint": str(FIELD_WIDGETS[f][2]) if FIELD_WIDGETS[f][2] else "", "required": f in rule.required,
                   "maxlength": MAXLENGTHS.get(f)}
                  for f in ACTION_FIELDS.get(name, ())]
        forms.append({
            "action": name,
            "label": str(ACTION_LABELS[name]),
            "fields": fields,
            "public": rule.public,
            "has_template": name in RESPONSE_TEMPLATES,
            "vals": values if name == failed else defaults(case, name, ward=ward),
            "errors": errors if name == failed else {},
            "open": name == failed,
        })
    return forms
