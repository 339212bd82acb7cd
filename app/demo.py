"""Realistic demo data for a ward: one staff account per role and 30+ disclosures across the
Art. 11 items, with PDF files, amendments, a withdrawal, late publications and drafts.

Everything goes through the services (so versions, methods and the audit log are real); then
publication dates are moved into the past so the portal looks like one in use."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any, cast

from sqlmodel import Session, col, select

from app.accounts import auth
from app.accounts.audit import Actor
from app.accounts.tokens import create_token
from app.accounts.users import create_user
from app.config import Settings
from app.core.pdf import simple_pdf
from app.core.text import fold
from app.core.timeutil import LOCAL_TZ, local_today
from app.disclosures import service as disclosure_service
from app.legal.rules import work_calendar
from app.models.disclosure import Disclosure, DisclosureMethod, DisclosureVersion
from app.models.user import Role

DEMO_PASSWORD = "minhbach-demo"
DEMO_USERS = [
    ("admin", Role.admin, "Nguyễn Văn Quản"),
    ("lanhdao", Role.leader, "Trần Thị Thu Hà"),
    ("congchuc", Role.officer, "Lê Minh Tuấn"),
    ("tiepdan", Role.reception, "Phạm Thị Hồng"),
    ("congkhai", Role.publisher, "Đỗ Quang Huy"),
    ("giamsat", Role.supervisor, "Vũ Thị Mai (MTTQ phường)"),
]

UB = "UBND phường Phú La"
HD = "HĐND phường Phú La"

# category, title, document number, issuing body, days since issued, working days until
# published (None: stays a draft), tags, summary, body
DISCLOSURES = [
    ("socioeconomic_plan", "Kế hoạch phát triển kinh tế - xã hội năm 2026 của phường Phú La", "18/KH-UBND", UB, 320, 3,
     "kế hoạch, kinh tế", "Mục tiêu, chỉ tiêu và giải pháp phát triển kinh tế - xã hội năm 2026.",
     "## Chỉ tiêu chủ yếu\n\n- Thu ngân sách trên địa bàn đạt 100% dự toán\n- Tỷ lệ hộ nghèo dưới 0,5%\n"
     "- 100% tổ dân phố đạt chuẩn văn minh đô thị\n\n## Giải pháp\n\nĐẩy mạnh cải cách hành chính, chuyển đổi số."),
    ("socioeconomic_plan", "Báo cáo kết quả thực hiện nhiệm vụ kinh tế - xã hội 9 tháng năm 2026",
     "152/BC-UBND", UB, 60, 2,
     "báo cáo, 9 tháng", "Kết quả thực hiện các chỉ tiêu kinh tế - xã hội 9 tháng đầu năm.",
     "Phường hoàn thành 12/15 chỉ tiêu; thu ngân sách đạt 81% dự toán."),
    ("budget", "Dự toán thu, chi ngân sách phường năm 2026", "05/NQ-HĐND", HD, 340, 4,
     "ngân sách, dự toán", "Nghị quyết của HĐND phường về dự toán thu, chi ngân sách năm 2026.",
     "| Nội dung | Số tiền (triệu đồng) |\n|---|---|\n| Tổng thu | 48.520 |\n| Tổng chi | 47.910 |\n"
     "| Dự phòng | 610 |"),
    ("budget", "Báo cáo tình hình thực hiện dự toán ngân sách quý III năm 2026", "141/BC-UBND", UB, 45, 9,
     "ngân sách, quý III", "Tình hình thu, chi ngân sách phường quý III năm 2026.",
     "Thu ngân sách quý III đạt 27% dự toán năm; chi thường xuyên đạt 24%."),
    ("budget", "Quyết toán ngân sách phường năm 2025", "12/NQ-HĐND", HD, 150, 5,
     "quyết toán", "Nghị quyết phê chuẩn quyết toán thu, chi ngân sách năm 2025.",
     "Tổng thu quyết toán 46.380 triệu đồng; tổng chi 45.120 triệu đồng."),
    ("budget", "Dự toán ngân sách và giải trình trình HĐND phường năm 2027", "", UB, 5, None,
     "dự toán, 2027", "Dự thảo dự toán ngân sách năm 2027 trình HĐND phường.", "Dự thảo đang hoàn thiện."),
    ("investment_land", "Phương án bồi thường, hỗ trợ, tái định cư dự án mở rộng đường Văn Phú",
     "236/QĐ-UBND", UB, 200, 2,
     "đất đai, bồi thường, tái định cư", "Phương án bồi thường, hỗ trợ cho 47 hộ gia đình bị ảnh hưởng.",
     "Tổng diện tích thu hồi 3.450 m² đất ở và đất nông nghiệp. Đơn giá bồi thường theo bảng giá đất của thành phố."),
    ("investment_land", "Quy hoạch chi tiết tỷ lệ 1/500 khu đất công cộng tổ dân phố 5", "88/QĐ-UBND", UB, 120, 7,
     "quy hoạch, xây dựng", "Bản vẽ và thuyết minh quy hoạch chi tiết khu đất công cộng.",
     "Khu đất 1,2 ha bố trí nhà văn hóa, sân chơi trẻ em và bãi đỗ xe."),
    ("investment_land", "Tiến độ dự án xây dựng trường mầm non Phú La", "", UB, 30, 1,
     "đầu tư công, trường học", "Cập nhật tiến độ thi công dự án trường mầm non.",
     "Khối lượng hoàn thành 65%; dự kiến bàn giao tháng 6 năm 2027."),
    ("investment_land", "Kết quả cho thuê đất công ích năm 2026", "201/TB-UBND", UB, 90, 3,
     "đất công ích, đất đai", "Danh sách hộ thuê đất công ích và giá thuê.",
     "Tổng diện tích cho thuê 2,1 ha; 18 hộ trúng thầu."),
    ("rules_and_duties", "Quy chế thực hiện dân chủ ở cơ sở của phường Phú La", "02/QĐ-UBND", UB, 400, 2,
     "quy chế, dân chủ cơ sở", "Quy chế thực hiện dân chủ trong hoạt động của chính quyền phường.",
     "Quy chế gồm 5 chương, 28 điều, quy định việc công khai thông tin, tiếp nhận ý kiến và giám sát của Nhân dân."),
    ("rules_and_duties", "Quy tắc ứng xử của cán bộ, công chức phường", "05/QĐ-UBND", UB, 380, 1,
     "quy tắc ứng xử", "Chuẩn mực giao tiếp, ứng xử khi giải quyết công việc với Nhân dân.",
     "Cán bộ, công chức đeo thẻ khi làm việc, hướng dẫn đầy đủ, không gây phiền hà."),
    ("funds_contributions", "Kết quả vận động Quỹ Vì người nghèo năm 2026", "", "Ủy ban MTTQ phường Phú La", 40, 2,
     "quỹ, vì người nghèo", "Số tiền vận động được và kế hoạch sử dụng.", "Tổng số tiền vận động: 285.400.000 đồng."),
    ("funds_contributions", "Công khai khoản đóng góp xây dựng nhà văn hóa tổ dân phố 12", "", UB, 75, 12,
     "đóng góp, nhà văn hóa", "Danh sách hộ đóng góp tự nguyện và chi tiêu.",
     "Tổng thu 412.000.000 đồng; đã chi 398.500.000 đồng."),
    ("public_assets", "Kế hoạch mua sắm tài sản công năm 2026", "32/KH-UBND", UB, 280, 4,
     "tài sản công, mua sắm", "Danh mục tài sản mua sắm và dự toán.",
     "Mua 12 máy tính, 2 máy photocopy, bàn ghế phòng tiếp dân."),
    ("public_assets", "Thanh lý xe ô tô công phục vụ chung", "175/QĐ-UBND", UB, 55, 3,
     "thanh lý, tài sản công", "Quyết định thanh lý 01 xe ô tô đã hết niên hạn sử dụng.",
     "Hình thức thanh lý: bán đấu giá."),
    ("social_support", "Danh sách hộ nghèo, hộ cận nghèo năm 2026", "09/QĐ-UBND", UB, 330, 2,
     "hộ nghèo, cận nghèo, an sinh", "Kết quả rà soát hộ nghèo, hộ cận nghèo năm 2026.",
     "Hộ nghèo: 6 hộ (0,09%); hộ cận nghèo: 21 hộ (0,31%)."),
    ("social_support", "Danh sách đối tượng được cấp thẻ bảo hiểm y tế đợt 2 năm 2026", "", UB, 100, 3,
     "bảo hiểm y tế", "Danh sách người được ngân sách nhà nước đóng bảo hiểm y tế.", "Tổng số 134 người."),
    ("social_support", "Kết quả hỗ trợ nhà ở cho hộ nghèo theo chương trình mục tiêu quốc gia", "", UB, 70, 8,
     "nhà ở, chương trình mục tiêu", "Danh sách hộ được hỗ trợ xây mới, sửa chữa nhà ở.",
     "3 hộ được hỗ trợ, mỗi hộ 60.000.000 đồng."),
    ("relief_donations", "Tiếp nhận và phân bổ tiền ủng hộ đồng bào bị thiệt hại do bão số 3", "", UB, 180, 2,
     "cứu trợ, ủng hộ, bão", "Kết quả tiếp nhận và chuyển tiền ủng hộ.",
     "Tổng tiền ủng hộ 1.250.000.000 đồng, đã chuyển 100%."),
    ("military_service", "Danh sách công dân nhập ngũ năm 2027", "", "Hội đồng nghĩa vụ quân sự phường", 20, 2,
     "nghĩa vụ quân sự", "Danh sách công dân đủ điều kiện gọi nhập ngũ.", "Chỉ tiêu giao: 18 công dân."),
    ("military_service", "Danh sách công dân được tạm hoãn gọi nhập ngũ năm 2027", "",
     "Hội đồng nghĩa vụ quân sự phường", 20, 2,
     "nghĩa vụ quân sự, tạm hoãn", "Danh sách và lý do tạm hoãn.", "Tổng số 26 công dân tạm hoãn vì đang học tập."),
    ("inspection_integrity", "Kết luận thanh tra việc quản lý, sử dụng đất công tại tổ dân phố 3", "04/KL-TTr",
     "Thanh tra thành phố", 110, 6,
     "thanh tra, đất công", "Kết luận thanh tra và kiến nghị xử lý.", "Yêu cầu thu hồi 120 m² đất công bị lấn chiếm."),
    ("inspection_integrity", "Kết quả lấy phiếu tín nhiệm đối với chức danh do HĐND phường bầu", "", HD, 200, 2,
     "tín nhiệm", "Kết quả lấy phiếu tín nhiệm năm 2026.", "Tất cả các chức danh đạt tín nhiệm cao trên 80%."),
    ("public_consultation", "Kế hoạch lấy ý kiến Nhân dân về phương án chỉnh trang vỉa hè phố Văn Phú",
     "61/KH-UBND", UB, 25, 2,
     "lấy ý kiến, vỉa hè", "Nội dung, hình thức và thời gian lấy ý kiến.",
     "Lấy ý kiến từ ngày 01/12 đến 31/12 qua tổ dân phố và cổng thông tin."),
    ("public_consultation", "Kết quả lấy ý kiến về quy ước tổ dân phố văn hóa", "", UB, 95, 4,
     "lấy ý kiến, quy ước", "Tổng hợp ý kiến và giải trình của UBND phường.",
     "Nhận 312 ý kiến; tiếp thu 287, giải trình 25."),
    ("fees_charges", "Mức thu phí, lệ phí tại bộ phận một cửa phường", "", UB, 360, 2,
     "phí, lệ phí, một cửa", "Bảng mức thu phí, lệ phí theo quy định của HĐND thành phố.",
     "- Chứng thực bản sao: 2.000 đồng/trang\n- Đăng ký khai sinh đúng hạn: miễn phí"),
    ("fees_charges", "Mức thu phí vệ sinh môi trường năm 2026", "", UB, 300, 3,
     "phí, vệ sinh môi trường", "Mức thu đối với hộ gia đình, cơ sở kinh doanh.",
     "Hộ gia đình: 6.000 đồng/người/tháng."),
    ("administrative_procedures", "Danh mục thủ tục hành chính thực hiện tại phường", "", UB, 390, 1,
     "thủ tục hành chính", "Danh mục 112 thủ tục hành chính cấp phường.",
     "Bao gồm hộ tịch, chứng thực, đất đai, bảo trợ xã hội."),
    ("administrative_procedures", "Quy trình nội bộ giải quyết thủ tục đăng ký khai sinh", "", UB, 150, 2,
     "hộ tịch, khai sinh", "Các bước, thời hạn và bộ phận giải quyết.",
     "Thời hạn giải quyết: ngay trong ngày làm việc."),
    ("other", "Lịch tiếp công dân của Chủ tịch UBND phường năm 2026", "", UB, 330, 1,
     "tiếp công dân, lịch tiếp dân", "Chủ tịch UBND phường tiếp công dân định kỳ sáng thứ Năm hằng tuần.",
     "Địa điểm: phòng tiếp công dân, trụ sở UBND phường. Thời gian: 7 giờ 30 đến 11 giờ 30."),
    ("other", "Thông báo kết quả giải quyết kiến nghị của cử tri tổ dân phố 8", "", UB, 15, 1,
     "kiến nghị cử tri", "Trả lời kiến nghị về chiếu sáng công cộng.", "Đã lắp bổ sung 14 bóng đèn LED trên ngõ 12."),
    ("other", "Dự thảo kế hoạch tổ chức hội nghị đối thoại với Nhân dân năm 2027", "", UB, 3, None,
     "đối thoại", "Dự thảo kế hoạch đối thoại giữa Chủ tịch UBND và Nhân dân.",
     "Dự kiến tổ chức 2 hội nghị trong năm."),
]


def _at(d: date, hour: int = 9) -> datetime:
    return datetime.combine(d, time(hour, 0), tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def seed_demo(session: Session, settings: Settings) -> None:
    actor = Actor.system("demo")
    users = {}
    for username, role, name in DEMO_USERS:
        users[role] = create_user(session, actor=actor, username=username, role=role.value,
                                  password=DEMO_PASSWORD, full_name=name)
    publisher = auth.principal_for_user(users[Role.publisher], "127.0.0.1")
    calendar = work_calendar(session)
    today = local_today()
    for i, (cat, title, number, body_name, days_ago, delay, tags, summary, body) in enumerate(DISCLOSURES):
        issued = today - timedelta(days=days_ago)
        data = disclosure_service.DisclosureInput(title=title, summary=summary, body=body, category=cat,
                                                  document_number=number, issuing_body=body_name, issued_on=issued,
                                                  tags=tags)
        pdf = simple_pdf(title, [summary, f"So ky hieu: {number or 'khong'}", f"Ngay ban hanh: {issued:%d/%m/%Y}",
                                 body])
        d = disclosure_service.create_draft(session, principal=publisher, data=data, store=settings.file_store,
                             uploads=[disclosure_service.Upload(pdf, f"{fold_filename(title)}.pdf")])
        assert d.id is not None  # flushed by create_draft
        if delay is None:
            continue
        disclosure_service.publish(session, principal=publisher, disclosure_id=d.id)
        published_on = min(calendar.add_working_days(issued, delay), today)
        _backdate(session, d, published_on)
        if i % 7 == 3:
            disclosure_service.record_method(session, principal=publisher, disclosure_id=d.id, method="posting",
                                             used_on=published_on)
            disclosure_service.record_method(session, principal=publisher, disclosure_id=d.id, method="group_heads",
                              used_on=min(published_on + timedelta(days=1), today))
        if cat in ("social_support", "military_service", "fees_charges"):
            disclosure_service.record_method(session, principal=publisher, disclosure_id=d.id, method="loudspeaker",
                              used_on=published_on, note="3 buổi sáng liên tiếp")
    _amend_and_withdraw(session, publisher)
    seed_cases(session, users)
    seed_reception(session, users)
    seed_dialogues(session, users)
    # The parent authority's token, as an administrator would issue it (the token itself is not
    # kept anywhere: issue a new one at /staff/tokens to try the API).
    create_token(session, actor=actor, name="Thanh tra thành phố Hà Nội (mẫu)",
                 scopes=["reports:read", "complaints:read", "reception:read"], rate_limit=120)


def fold_filename(title: str) -> str:
    return "-".join(fold(title).split())[:80]


def _backdate(session: Session, d: Disclosure, published_on: date) -> None:
    """Move a just-published disclosure to the day it was (in the story) published."""
    t = disclosure_service.timeliness(session, issued_on=d.issued_on, published_on=published_on)
    d.published_at = d.updated_at = d.created_at = _at(published_on)
    d.posted_on = published_on
    if d.posting_ends_on is not None:
        d.posting_ends_on = published_on + timedelta(days=30)
    d.late = t.late
    for v in session.exec(select(DisclosureVersion).where(DisclosureVersion.disclosure_id == d.id)):
        v.published_at = d.published_at
    for m in session.exec(select(DisclosureMethod).where(DisclosureMethod.disclosure_id == d.id)):
        m.used_on = published_on
    session.flush()


def _amend_and_withdraw(session: Session, publisher) -> None:
    budget = session.exec(select(Disclosure).where(Disclosure.document_number == "141/BC-UBND")).one()
    data = disclosure_service.DisclosureInput.model_validate({
        **{k: getattr(budget, k) for k in disclosure_service.CONTENT_FIELDS},
        "body": budget.body + "\n\nĐính chính: chi thường xuyên đạt 26% (không phải 24%).",
    })
    assert budget.id is not None  # a stored row
    disclosure_service.update(session, principal=publisher, disclosure_id=budget.id, data=data,
               change_note="Đính chính số liệu chi thường xuyên")
    car = session.exec(select(Disclosure).where(Disclosure.document_number == "175/QĐ-UBND")).one()
    assert car.id is not None  # a stored row
    disclosure_service.withdraw(session, principal=publisher, disclosure_id=car.id,
                 reason="Quyết định bị thay thế do thay đổi hình thức thanh lý; sẽ công khai quyết định mới.")


# Cases -------------------------------------------------------------------------------------

DEMO_CASES = [
    # kind, subject, content, field, sender name, email, steps
    ("feedback", "Đèn chiếu sáng ngõ 12 Văn Phú bị hỏng",
     "Ba bóng đèn trong ngõ 12 hỏng hơn một tuần, buổi tối rất tối.",
     "urban_order", "Nguyễn Văn An", "an@example.org", ["classify", "accept", "start", "resolve", "close"]),
    # Awaiting the leader: the officer has proposed to accept it (the inbox's "chờ lãnh đạo quyết định").
    ("petition", "Đề nghị bổ sung thùng rác công cộng ở vườn hoa Văn La",
     "Vườn hoa đông người đi bộ buổi tối nhưng không có thùng rác.", "environment", "Vũ Thị Lan", "", ["classify",
                                                                                                        "propose"]),
    ("petition", "Đề nghị lắp gờ giảm tốc trước trường mầm non", "Xe máy đi nhanh trước cổng trường giờ tan học.",
     "urban_order", "Trần Thị Bình", "", ["classify", "accept", "start"]),
    ("complaint", "Khiếu nại quyết định xử phạt vi phạm trật tự xây dựng",
     "Tôi không đồng ý với mức phạt vì đã có giấy phép sửa chữa.",
     "construction", "Lê Văn Cường", "cuong@example.org", ["classify", "accept"]),
    ("feedback", "Rác thải tồn đọng ở đầu ngõ 5", "Rác không được thu gom ba ngày nay, bốc mùi.", "environment",
     "", "", ["classify"]),
    ("denunciation", "Tố cáo cán bộ địa chính nhận tiền khi làm thủ tục",
     "Tôi bị yêu cầu nộp thêm tiền ngoài quy định khi làm hồ sơ.",
     "land", "Người tố cáo (dữ liệu mẫu)", "", []),
    ("petition", "Kiến nghị mở rộng giờ làm việc bộ phận một cửa sáng thứ Bảy",
     "Người đi làm giờ hành chính khó đến được.",
     "administrative_procedures", "Phạm Minh Đức", "", ["classify", "guide"]),
]


def seed_cases(session: Session, users: dict) -> None:
    from app.cases import intake, workflow

    officer = auth.principal_for_user(users[Role.officer], "127.0.0.1")
    leader = auth.principal_for_user(users[Role.leader], "127.0.0.1")
    for kind, subject, content, field, name, email, steps in DEMO_CASES:
        data = intake.CaseInput.model_validate({
            "kind": kind, "subject": subject, "content": content, "field": field, "anonymous": not name,
            "sender_name": name, "sender_address": "Phường Phú La" if name else "", "sender_email": email,
        })
        case = intake.file_case(session, data=data, channel="web", actor=Actor("citizen:demo"))
        assert case.id is not None  # flushed by file_case
        for step in steps:
            # cast: mypy joins the two dicts' value types (str, str | date) to a plain object.
            fields = cast(dict[str, Any], {
                "guide": {"guidance_number": "12/PHD-UBND",
                          "note": "Đề nghị gửi kiến nghị tới Trung tâm phục vụ hành chính công"},
                "resolve": {"decision_number": "45/TB-UBND", "decided_on": local_today(), "result": "Đã thay bóng đèn",
                            "public_summary": "UBND phường đã thay 3 bóng đèn LED trong ngõ 12."},
                "propose": {"proposal": "accept", "note": "Đủ điều kiện thụ lý, đề nghị lãnh đạo quyết định."},
            }.get(step, {}))
            if step in workflow.DECISIONS:
                fields = {"decision_number": f"{case.id:02d}/QĐ-UBND", "decided_on": local_today()}
            actor = leader if step in ("resolve", *workflow.DECISIONS) else officer
            workflow.transition(session, principal=actor, complaint_id=case.id,
                                data=workflow.TransitionInput(action=step, **fields))


PLACE = "Phòng tiếp công dân, trụ sở UBND phường Phú La"
RECEPTION_RULES = [
    ("Nguyễn Văn Minh", "chairman", "periodic", [4], time(7, 30), time(11, 30)),
    ("Trần Thu Hà", "officer", "regular", [1, 2, 3, 4, 5], time(7, 30), time(11, 30)),
    ("Trần Thu Hà", "officer", "regular", [1, 2, 3, 4, 5], time(13, 30), time(17, 0)),
]
DEMO_VISITS = [
    {"visitor_name": "Đỗ Văn Hùng", "visitor_address": "Số 8 ngõ 4 Văn Phú, TDP 5", "id_number": "001078012345",
     "summary": "Khiếu nại việc xác định ranh giới thửa đất khi cấp giấy chứng nhận", "case_kind": "complaint",
     "outcome": "accepted", "field": "land"},
    {"visitor_name": "Nguyễn Thị Mai", "visitor_address": "TDP 7, phường Phú La", "id_number": "001180054321",
     "summary": "Đề nghị sửa mặt đường ngõ 23 bị lún sau khi thi công cấp nước", "case_kind": "petition",
     "people_count": 7, "representatives": ["Nguyễn Thị Mai", "Lê Văn Tâm"], "outcome": "transferred",
     "transferred_to": "Công ty Nước sạch Hà Đông", "transfer_number": "31/PC-UBND"},
    {"visitor_name": "Phạm Quốc Việt", "visitor_address": "Số 2 ngõ 9 Phú Lương", "id_number": "",
     "summary": "Hỏi thủ tục đăng ký thường trú cho con mới sinh", "case_kind": "petition", "outcome": "guided",
     "guided_to": "Công an phường Phú La", "guidance_number": "05/HD-TCD"},
]


def seed_reception(session: Session, users: dict) -> None:
    """Three recurring slots, eight weeks of held sessions (one of the chairman's cancelled, so
    the compliance page shows a missed week) and a few visits in the register."""
    from app.models.reception import ReceptionSession
    from app.reception import schedule as reception_schedule
    from app.reception import sessions, visits

    clerk = auth.principal_for_user(users[Role.reception], "127.0.0.1")
    today = local_today()
    start = today - timedelta(days=56)
    for host, role, kind, days, begin, end in RECEPTION_RULES:
        reception_schedule.create_rule(session, principal=clerk, data=reception_schedule.RuleInput(
            host_name=host, host_role=role, type=kind, place=PLACE, weekdays=days, start_time=begin, end_time=end,
            effective_from=start))
    reception_schedule.sync(session, actor=clerk.actor, today=start, horizon_days=56 + reception_schedule.HORIZON_DAYS)
    past = session.exec(select(ReceptionSession).where(col(ReceptionSession.occurs_on) < today)
                        .order_by(col(ReceptionSession.starts_at))).all()
    chairman = [s for s in past if s.host_role == "chairman"]
    missed = chairman[len(chairman) // 2] if chairman else None
    for s in past:
        assert s.id is not None  # a stored row
        if s is missed:
            reception_schedule.cancel_session(session, principal=clerk, session_id=s.id,
                                              reason="Chủ tịch dự họp đột xuất tại thành phố")
        else:
            sessions.open_session(session, principal=clerk, session_id=s.id)
            sessions.close_session(session, principal=clerk, session_id=s.id)
    if chairman:
        last = chairman[-1] if chairman[-1] is not missed else chairman[-2]
        assert last.id is not None  # a stored row
        sessions.reopen_session(session, principal=auth.principal_for_user(users[Role.leader], "127.0.0.1"),
                                session_id=last.id, reason="Ghi bổ sung sổ từ bản giấy")
        for visit in DEMO_VISITS:
            visits.log_visit(session, principal=clerk, session_id=last.id,
                             data=visits.VisitInput.model_validate(visit))
        sessions.close_session(session, principal=clerk, session_id=last.id)


def _link_lighting(session: Session, leader, dialogue_id: int) -> None:
    """The lighting commitment is carried out by the resident's report (a case) and by the
    answer to the voters' petition (a disclosure): both linked, as staff would."""
    from app.cases import codes
    from app.dialogues import commitment_links
    from app.models.complaint import Complaint
    from app.models.dialogue import Commitment

    lighting = session.exec(select(Commitment).where(Commitment.dialogue_id == dialogue_id)
                            .order_by(col(Commitment.id))).first()
    case = session.exec(select(Complaint).where(col(Complaint.subject).startswith("Đèn chiếu sáng ngõ 12"))).first()
    answer = session.exec(select(Disclosure).where(col(Disclosure.summary).contains("chiếu sáng công cộng"),
                                                   col(Disclosure.published_at).is_not(None))).first()
    for target in (case and codes.format_code(case.tracking_code), answer and str(answer.id)):
        if target:
            assert lighting is not None and lighting.id is not None  # the demo dialogue's first commitment
            commitment_links.link(session, principal=leader, commitment_id=lighting.id, ref=target)


def seed_dialogues(session: Session, users: dict) -> None:
    """A dialogue held last month with its results published (questions, answers, one commitment
    done, one in progress, one overdue) and one announced for the coming weeks."""
    from app.dialogues import commitments
    from app.dialogues import service as dialogues
    from app.models.dialogue import Dialogue

    leader = auth.principal_for_user(users[Role.leader], "127.0.0.1")
    today = local_today()
    base = {"organised_with": "Ủy ban MTTQ Việt Nam phường Phú La", "chair": "Nguyễn Văn Minh, Chủ tịch UBND phường",
            "invited_groups": "Tổ trưởng 12 tổ dân phố; Hội Cựu chiến binh; Hội Phụ nữ; Đoàn Thanh niên",
            "place": "Hội trường UBND phường Phú La", "format": "hybrid",
            "online_url": "https://hop.phula.example.vn/doi-thoai"}
    held = dialogues.plan(session, principal=leader, data=dialogues.DialogueInput(
        title="Đối thoại với Nhân dân về trật tự đô thị và vệ sinh môi trường",
        topics="Lấn chiếm vỉa hè tuyến Văn Phú; thu gom rác thải sinh hoạt; chiếu sáng ngõ xóm",
        starts_at=datetime.combine(today + timedelta(days=10), time(8, 0), tzinfo=LOCAL_TZ), **base))
    assert held.id is not None  # flushed by plan
    dialogues.announce(session, principal=leader, dialogue_id=held.id)
    past = session.get(Dialogue, held.id)  # announced 50 days ago, held 40 days ago (demo history)
    assert past is not None
    past.starts_at = datetime.combine(today - timedelta(days=40), time(8, 0), tzinfo=LOCAL_TZ)
    past.announced_on = today - timedelta(days=50)
    session.flush()
    dialogues.record_held(session, principal=leader, dialogue_id=held.id, data=dialogues.HeldInput(
        attendance=126, minutes="Hội nghị đối thoại khai mạc lúc 8 giờ. Có 126 đại biểu tham dự.\n\n"
                                "Chủ tịch UBND phường trả lời 3 nhóm ý kiến; các cam kết được ghi dưới đây."))
    answers = [
        ("TDP 5", "Bao giờ lắp đèn chiếu sáng ngõ 12 Văn Phú?", "Phường lắp trong tháng tới.",
         "Chủ tịch UBND phường", "Lắp 4 đèn LED chiếu sáng ngõ 12 Văn Phú", "Bộ phận Kinh tế - Hạ tầng", 20, "done"),
        ("Hội Cựu chiến binh", "Tình trạng lấn chiếm vỉa hè tuyến Văn Phú xử lý thế nào?",
         "Ra quân lập lại trật tự hằng tuần, xử phạt tái phạm.", "Phó Chủ tịch UBND phường",
         "Ra quân lập lại trật tự vỉa hè tuyến Văn Phú hằng tuần", "Đội Trật tự đô thị", 60, "in_progress"),
        ("Bà Nguyễn Thị Mai (TDP 7, đồng ý nêu tên)", "Điểm tập kết rác gần trường tiểu học gây ô nhiễm.",
         "Di dời điểm tập kết rác trước ngày 15 tháng sau.", "Chủ tịch UBND phường",
         "Di dời điểm tập kết rác gần Trường Tiểu học Phú La", "Bộ phận Kinh tế - Hạ tầng", 25, "open"),
    ]
    for asked_by, content, answer, answered_by, title, owner, due_days, status in answers:
        q = dialogues.add_question(session, principal=leader, dialogue_id=held.id, data=dialogues.QuestionInput(
            asked_by=asked_by, content=content, answer=answer, answered_by=answered_by))
        c = commitments.add_commitment(session, principal=leader, dialogue_id=held.id, data=commitments.CommitmentInput(
            title=title, owner_department=owner, due_on=today - timedelta(days=40) + timedelta(days=due_days),
            question_id=q.id))
        assert c.id is not None  # flushed by add_commitment
        if status != "open":
            commitments.add_progress(session, principal=leader, commitment_id=c.id, data=commitments.ProgressInput(
                on=today - timedelta(days=30), note="Đã khảo sát hiện trạng, lập kế hoạch thực hiện",
                status="in_progress"))
        if status == "done":
            commitments.add_progress(session, principal=leader, commitment_id=c.id, data=commitments.ProgressInput(
                on=today - timedelta(days=22), note="Đã lắp đặt và nghiệm thu 4 đèn LED", status="done"))
    dialogues.publish(session, principal=leader, dialogue_id=held.id)
    session.get_one(Dialogue, held.id).results_published_on = today - timedelta(days=33)  # on time, as it was
    _link_lighting(session, leader, held.id)
    upcoming = dialogues.plan(session, principal=leader, data=dialogues.DialogueInput(
        title="Đối thoại về thủ tục hành chính và chuyển đổi số",
        topics="Thủ tục đất đai; dịch vụ công trực tuyến; thanh toán không dùng tiền mặt",
        starts_at=datetime.combine(today + timedelta(days=14), time(14, 0), tzinfo=LOCAL_TZ),
        trigger="annual_plan", **base))
    assert upcoming.id is not None  # flushed by plan
    dialogues.announce(session, principal=leader, dialogue_id=upcoming.id)
