"""Decisions drive the clocks, and the legal deadlines that were missing (issue 13).

* complaint: the decisions' facts the clocks read (`acceptance_number`; `several_places`,
  `especially_complex`), an officer's proposal awaiting the leader's decision, the complaint's
  limitation (`contested_on`, `late_reason`), the duties after a decision (`notified_on`,
  `decision_sent_on`, `conclusion_published_on`) and the complaint dialogue
  (`verification_differs`, `dialogue_held_on`).
* complaint_event: a step taken by decision carries the decision's number and date.
* legal_rule: the new deadlines, each with its legal basis and effective dates; whether a
  suspension stops a complaint's clock is itself a rule with versions (before 1/7/2026 it does
  not: Law 136/2025/QH15). Citations corrected: the reply after in-person reception is
  Art. 28(1) Law 42/2013; `feedback.transfer` concerns feedback on administrative regulations.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 20:00:00
"""
from datetime import date, datetime, timezone
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: Union[str, None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

LAW_COMPLAINTS = "Luật Khiếu nại 02/2011/QH13"
LAW_DENUNCIATIONS = "Luật Tố cáo 25/2018/QH14"
DECREE_31 = "Nghị định 31/2019/NĐ-CP"
LAW_136 = "Luật 136/2025/QH15 sửa đổi, bổ sung Luật Khiếu nại (hiệu lực 01/7/2026)"

# code, variant, description, unit, value, legal basis, effective from, effective to.
RULES = [
    ("denunciation.acceptance_notice", "", "Thông báo thụ lý tố cáo cho người tố cáo kể từ ngày ra quyết định thụ lý",
     "working", 5, f"Khoản 3 Điều 29 {LAW_DENUNCIATIONS}", date(2019, 1, 1), None),
    ("complaint.decision_delivery", "", "Gửi quyết định giải quyết khiếu nại lần đầu kể từ ngày có quyết định",
     "working", 3, f"Điều 32 {LAW_COMPLAINTS}", date(2012, 7, 1), None),
    ("denunciation.conclusion_publication", "", "Công khai kết luận nội dung tố cáo kể từ ngày ban hành kết luận",
     "working", 7, f"Khoản 1 Điều 40 {LAW_DENUNCIATIONS}", date(2019, 1, 1), None),
    ("denunciation.conclusion_posting", "", "Niêm yết kết luận nội dung tố cáo tại trụ sở, tối thiểu liên tục",
     "calendar", 15, f"Điểm b khoản 2 Điều 6 {DECREE_31}", date(2019, 5, 28), None),
    ("complaint.limitation", "", "Thời hiệu khiếu nại kể từ ngày nhận được hoặc biết được quyết định, hành vi "
     "hành chính (không tính thời gian có trở ngại khách quan)", "calendar", 90, f"Điều 9 {LAW_COMPLAINTS}",
     date(2012, 7, 1), None),
    ("complaint.appeal", "", "Khiếu nại lần hai kể từ ngày nhận được quyết định giải quyết lần đầu",
     "calendar", 30, f"Khoản 1 Điều 33 {LAW_COMPLAINTS}", date(2012, 7, 1), None),
    ("complaint.appeal", "remote", "Khiếu nại lần hai ở vùng sâu, vùng xa đi lại khó khăn",
     "calendar", 45, f"Khoản 1 Điều 33 {LAW_COMPLAINTS}", date(2012, 7, 1), None),
    # Whether a suspension's days are left out of the resolution period (1: yes, 0: no), by the
    # day the suspension was decided.
    ("complaint.suspension", "", "Thời gian tạm đình chỉ không tính vào thời hạn giải quyết khiếu nại "
     "(trước 01/7/2026 luật chưa quy định tạm đình chỉ: thời hạn vẫn chạy)", "switch", 0, LAW_COMPLAINTS,
     date(2012, 7, 1), date(2026, 6, 30)),
    ("complaint.suspension", "", "Thời gian tạm đình chỉ không tính vào thời hạn giải quyết khiếu nại",
     "switch", 1, LAW_136, date(2026, 7, 1), None),
    ("denunciation.suspension", "", "Thời gian tạm đình chỉ không tính vào thời hạn giải quyết tố cáo",
     "switch", 1, f"Khoản 2 Điều 36 {LAW_DENUNCIATIONS}", date(2019, 1, 1), None),
]

CITATIONS = {
    # (code, variant): (legal basis, description or None to keep it)
    ("reception.notification", ""): ("Khoản 1 Điều 28 Luật Tiếp công dân 42/2013/QH13", None),
    ("feedback.transfer", ""): ("Nghị định 20/2008/NĐ-CP, sửa đổi bởi Nghị định 92/2017/NĐ-CP",
                                "Chuyển phản ánh, kiến nghị về quy định hành chính (lĩnh vực thủ tục, quy định "
                                "hành chính) không thuộc thẩm quyền"),
    ("denunciation.extension", ""): (f"Khoản 2 Điều 30 {LAW_DENUNCIATIONS}; Điều 3 {DECREE_31}", None),
}
OLD_CITATIONS = {
    ("reception.notification", ""): ("Nghị định 64/2014/NĐ-CP", None),
    ("feedback.transfer", ""): ("Nghị định 20/2008/NĐ-CP, sửa đổi bởi Nghị định 92/2017/NĐ-CP",
                                "Chuyển phản ánh, kiến nghị về quy định hành chính không thuộc thẩm quyền"),
    ("denunciation.extension", ""): (f"Điều 30 {LAW_DENUNCIATIONS}", None),
}

# Dialogues a year: the law's minimum is 1 (Art. 32(1) Law 10/2022); Hà Nội's plan asks 2, kept as
# the regional version (variant "hanoi", chosen by the setting RULES_REGION).
LAW_DEMOCRACY = "Khoản 1 Điều 32 Luật Thực hiện dân chủ ở cơ sở 10/2022/QH15"
DIALOGUES_LAW = ("Số lần đối thoại với Nhân dân tối thiểu mỗi năm (luật)", LAW_DEMOCRACY, 1)
DIALOGUES_HANOI_BASIS = ("Kế hoạch nâng cao chỉ số PAPI của thành phố Hà Nội và của phường; Nghị định "
                         "32/2021/NĐ-CP (chính quyền đô thị tại Hà Nội)")

COMPLAINT_COLUMNS = [
    sa.Column("acceptance_number", sa.String(length=100), nullable=False, server_default=""),
    sa.Column("several_places", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("especially_complex", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("proposed_action", sa.String(length=20), nullable=False, server_default=""),
    sa.Column("contested_on", sa.Date(), nullable=True),
    sa.Column("late_reason", sa.Text(), nullable=False, server_default=""),
    sa.Column("notified_on", sa.Date(), nullable=True),
    sa.Column("decision_sent_on", sa.Date(), nullable=True),
    sa.Column("conclusion_published_on", sa.Date(), nullable=True),
    sa.Column("verification_differs", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("dialogue_held_on", sa.Date(), nullable=True),
]
EVENT_COLUMNS = [
    sa.Column("decision_number", sa.String(length=100), nullable=False, server_default=""),
    sa.Column("decided_on", sa.Date(), nullable=True),
]


def _set_citations(citations: dict) -> None:
    rule = sa.table("legal_rule", sa.column("code", sa.String), sa.column("variant", sa.String),
                    sa.column("legal_basis", sa.Text), sa.column("description", sa.String))
    for (code, variant), (basis, description) in citations.items():
        values = {"legal_basis": basis} | ({"description": description} if description else {})
        op.execute(rule.update().where(rule.c.code == code, rule.c.variant == variant).values(**values))


def upgrade() -> None:
    with op.batch_alter_table("complaint") as batch_op:
        for column in COMPLAINT_COLUMNS:
            batch_op.add_column(column)
        batch_op.create_index("ix_complaint_proposed", ["proposed_action"], unique=False)
    with op.batch_alter_table("complaint_event") as batch_op:
        for column in EVENT_COLUMNS:
            batch_op.add_column(column)
    rule = sa.table(
        "legal_rule",
        sa.column("code", sa.String), sa.column("variant", sa.String), sa.column("description", sa.String),
        sa.column("unit", sa.String), sa.column("value", sa.Integer), sa.column("legal_basis", sa.Text),
        sa.column("effective_from", sa.Date), sa.column("effective_to", sa.Date), sa.column("version", sa.Integer),
        sa.column("created_at", sa.DateTime),
    )
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    versions: dict[tuple[str, str], int] = {}
    rows = []
    for code, variant, description, unit, value, basis, start, end in RULES:
        versions[(code, variant)] = versions.get((code, variant), 0) + 1
        rows.append({"code": code, "variant": variant, "description": description, "unit": unit, "value": value,
                     "legal_basis": basis, "effective_from": start, "effective_to": end,
                     "version": versions[(code, variant)], "created_at": now})
    op.bulk_insert(rule, rows)
    _set_citations(CITATIONS)
    _dialogues_law_and_region()


def _dialogues_law_and_region() -> None:
    """The ordinary rule becomes the law's minimum; its old figure stays as Hà Nội's version."""
    bind = op.get_bind()
    for row in bind.execute(sa.text("SELECT description, unit, value, legal_basis, effective_from, effective_to, "
                                    "version FROM legal_rule WHERE code = 'dialogue.per_year' AND variant = ''")).all():
        bind.execute(sa.text(
            "INSERT INTO legal_rule (code, variant, description, unit, value, legal_basis, effective_from, "
            "effective_to, version, created_at) VALUES ('dialogue.per_year', 'hanoi', :d, :u, :v, :b, :f, :t, :n, :c)"),
            {"d": "Số lần đối thoại với Nhân dân mỗi năm theo kế hoạch của Hà Nội", "u": row.unit, "v": row.value,
             "b": DIALOGUES_HANOI_BASIS, "f": row.effective_from, "t": row.effective_to, "n": row.version,
             "c": datetime.now(timezone.utc).replace(tzinfo=None)})
    description, basis, value = DIALOGUES_LAW
    bind.execute(sa.text("UPDATE legal_rule SET description = :d, legal_basis = :b, value = :v "
                         "WHERE code = 'dialogue.per_year' AND variant = ''"),
                 {"d": description, "b": basis, "v": value})


def downgrade() -> None:
    bind = op.get_bind()
    old = bind.execute(sa.text("SELECT value, legal_basis FROM legal_rule WHERE code = 'dialogue.per_year' "
                               "AND variant = 'hanoi' ORDER BY version DESC")).first()
    if old is not None:
        bind.execute(sa.text("UPDATE legal_rule SET value = :v, legal_basis = :b, description = :d "
                             "WHERE code = 'dialogue.per_year' AND variant = ''"),
                     {"v": old.value, "b": "Nghị định 32/2021/NĐ-CP (chính quyền đô thị tại Hà Nội); Luật Tổ chức "
                                           "chính quyền địa phương 2025", "d": "Số lần đối thoại với Nhân dân tối thiểu mỗi năm (luật: ít nhất 1; phường ở "
                                           "Hà Nội: 2 theo kế hoạch, cần xác minh)"})
    bind.execute(sa.text("DELETE FROM legal_rule WHERE code = 'dialogue.per_year' AND variant = 'hanoi'"))
    _set_citations(OLD_CITATIONS)
    codes = sorted({r[0] for r in RULES})
    op.execute("DELETE FROM legal_rule WHERE code IN (" + ", ".join(f"'{c}'" for c in codes) + ")")
    with op.batch_alter_table("complaint_event") as batch_op:
        for column in EVENT_COLUMNS:
            batch_op.drop_column(column.name)
    with op.batch_alter_table("complaint") as batch_op:
        batch_op.drop_index("ix_complaint_proposed")
        for column in COMPLAINT_COLUMNS:
            batch_op.drop_column(column.name)
