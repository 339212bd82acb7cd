"""The action forms of the staff case page: what each workflow action's form shows (label,
fields, widgets, maximum lengths) and the response templates its note starts from. Which
actions are offered is the workflow's answer (`workflow.can_act`), asked by the door."""

from __future__ import annotations

from app.cases import workflow
from app.core.i18n import N_
from app.core.templating import vn_date
from app.core.timeutil import local_today
from app.core.validation import max_lengths
from app.models.complaint import Complaint

ACTION_LABELS = {
    "receive": N_("Tiếp nhận đơn"),
    "classify": N_("Phân loại đơn"),
    "propose": N_("Đề xuất lãnh đạo quyết định"),
    "accept": N_("Quyết định thụ lý"),
    "guide": N_("Hướng dẫn người gửi"),
    "transfer": N_("Chuyển đơn"),
    "file": N_("Lưu đơn"),
    "refuse": N_("Không thụ lý"),
    "assign": N_("Giao xử lý"),
    "notify": N_("Thông báo thụ lý cho người tố cáo"),
    "start": N_("Bắt đầu giải quyết"),
    "dialogue": N_("Đối thoại với người khiếu nại"),
    "suspend": N_("Quyết định tạm đình chỉ"),
    "resume": N_("Quyết định tiếp tục giải quyết"),
    "extend": N_("Quyết định gia hạn giải quyết"),
    "terminate": N_("Quyết định đình chỉ giải quyết"),
    "resolve": N_("Ban hành kết quả giải quyết"),
    "send_decision": N_("Gửi quyết định giải quyết"),
    "publish_conclusion": N_("Công khai kết luận nội dung tố cáo"),
    "close": N_("Kết thúc hồ sơ"),
    "reopen": N_("Mở lại"),
}

# The fields each action's form shows (besides the note); which are required comes from
# workflow.TRANSITIONS.
ACTION_FIELDS = {
    "classify": ("kind", "field", "complex", "remote", "several_places", "contested_on"),
    "propose": ("proposal",),
    "accept": ("decision_number", "decided_on", "late_reason"),
    "guide": ("guidance_number",),
    "transfer": ("transfer_body", "transfer_number"),
    "file": ("reason",),
    "refuse": ("reason",),
    "assign": ("assignee_id", "department"),
    "notify": ("done_on",),
    "dialogue": ("done_on",),
    "suspend": ("decision_number", "decided_on", "reason"),
    "resume": ("decision_number", "decided_on"),
    "extend": ("decision_number", "decided_on", "especially_complex"),
    "terminate": ("decision_number", "decided_on", "reason"),
    "resolve": ("decision_number", "decided_on", "verification_differs", "result", "public_summary"),
    "send_decision": ("done_on",),
    "publish_conclusion": ("done_on",),
    "reopen": ("reason",),
}
FIELD_WIDGETS = {
    "kind": ("kind", N_("Loại đơn"), ""),
    "field": ("field", N_("Lĩnh vực"), ""),
    "complex": ("checkbox", N_("Vụ việc phức tạp"), ""),
    "remote": ("checkbox", N_("Vùng sâu, vùng xa, đi lại khó khăn"), ""),
    "several_places": ("checkbox", N_("Tố cáo phải kiểm tra, xác minh ở nhiều nơi (10 ngày làm việc)"), ""),
    "especially_complex": ("checkbox", N_("Vụ việc đặc biệt phức tạp (Điều 3 Nghị định 31/2019/NĐ-CP)"),
                           N_("Cần cho lần gia hạn thứ hai")),
    "verification_differs": ("checkbox", N_("Kết quả xác minh khác với yêu cầu của người khiếu nại"),
                             N_("Khi đó phải đối thoại trước khi ra quyết định (Điều 30 Luật Khiếu nại)")),
    "contested_on": ("date", N_("Ngày nhận được hoặc biết quyết định, hành vi bị khiếu nại"),
                     N_("Thời hiệu khiếu nại 90 ngày (Điều 9 Luật Khiếu nại)")),
    "late_reason": ("textarea", N_("Lý do thụ lý đơn quá thời hiệu"),
                    N_("Chỉ khi đơn nộp sau thời hiệu: ốm đau, thiên tai, đi công tác xa hoặc trở ngại khách quan")),
    "proposal": ("proposal", N_("Đề xuất"), N_("Lãnh đạo xem đề xuất trên hồ sơ và ra quyết định")),
    "done_on": ("date", N_("Ngày thực hiện"), ""),
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
# The input's own limits (the form cannot promise more than the workflow accepts).
MAXLENGTHS = max_lengths(workflow.TransitionInput)

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
    today = local_today().isoformat()
    values = {"kind": case.kind, "field": case.field, "department": case.department,
              "assignee_id": str(case.assignee_id or ""), "decided_on": today, "done_on": today,
              "contested_on": case.contested_on.isoformat() if case.contested_on else "",
              "late_reason": case.late_reason, "proposal": case.proposed_action}
    for flag in ("complex", "remote", "several_places", "especially_complex", "verification_differs"):
        values[flag] = "true" if getattr(case, flag) else ""
    template = RESPONSE_TEMPLATES.get(action)
    if template:
        values["note"] = str(template) % {"ward": ward, "received": vn_date(case.received_on),
                                          "subject": case.subject}
    return values


def _options(case: Complaint, field: str) -> list[tuple[str, str]]:
    """The choices of a select that depends on the case: what may be proposed from its status."""
    if field != "proposal":
        return []
    return [(d, label(d)) for d in workflow.DECISIONS if case.status in workflow.TRANSITIONS[d].sources]


def forms_for(case: Complaint, actions: list[str], *, ward: str, failed: str | None, values: dict,
              errors: dict) -> list[dict]:
    """The forms of `actions` (those the viewer may take now): the one that `failed` keeps what
    was typed and its errors, the others start from `defaults`."""
    forms = []
    for name in actions:
        rule = workflow.TRANSITIONS[name]
        fields = [{"name": f, "widget": FIELD_WIDGETS[f][0], "label": str(FIELD_WIDGETS[f][1]),
                   "hint": str(FIELD_WIDGETS[f][2]) if FIELD_WIDGETS[f][2] else "", "required": f in rule.required,
                   "maxlength": MAXLENGTHS.get(f), "options": _options(case, f)}
                  for f in ACTION_FIELDS.get(name, ())]
        forms.append({
            "action": name,
            "label": str(ACTION_LABELS[name]),
            "fields": fields,
            "public": rule.public,
            "has_template": name in RESPONSE_TEMPLATES,
            "vals": values if name == failed else defaults(case, name, ward=ward),
            "errors": errors if name == failed else {},
            # The one that failed; else the decision an officer proposed, ready for the leader.
            "open": name == failed if failed else name == case.proposed_action,
        })
    return forms
