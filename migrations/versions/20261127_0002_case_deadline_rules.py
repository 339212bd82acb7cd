"""Deadline rules for complaints, denunciations, petitions and feedback (variants per rule).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 03:00:00
"""
from datetime import date, datetime, timezone
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

LAW_COMPLAINTS = "Luật Khiếu nại 02/2011/QH13"
LAW_DENUNCIATIONS = "Luật Tố cáo 25/2018/QH14"
CIRCULAR_05 = "Thông tư 05/2021/TT-TTCP"

# code, variant, description, unit, days, legal basis. "(cần xác minh)" marks a rule whose unit
# or figure the text leaves open: an administrator corrects it at /staff/rules.
RULES = [
    ("complaint.processing", "", "Xử lý đơn khiếu nại: phân loại, đề xuất thụ lý, hướng dẫn hoặc chuyển đơn (cần xác minh đơn vị ngày)",
     "working", 10, f"Điều 6, Điều 11 {CIRCULAR_05}"),
    ("complaint.acceptance", "", "Thụ lý giải quyết khiếu nại lần đầu kể từ ngày nhận đơn", "calendar", 10,
     f"Điều 27 {LAW_COMPLAINTS}"),
    ("complaint.resolution", "", "Giải quyết khiếu nại lần đầu kể từ ngày thụ lý", "calendar", 30,
     f"Điều 28 {LAW_COMPLAINTS}"),
    ("complaint.resolution", "complex", "Giải quyết khiếu nại lần đầu, vụ việc phức tạp", "calendar", 45,
     f"Điều 28 {LAW_COMPLAINTS}"),
    ("complaint.resolution", "remote", "Giải quyết khiếu nại lần đầu ở vùng sâu, vùng xa đi lại khó khăn", "calendar", 45,
     f"Điều 28 {LAW_COMPLAINTS}"),
    ("complaint.resolution", "complex_remote", "Giải quyết khiếu nại lần đầu, phức tạp, ở vùng sâu, vùng xa", "calendar", 60,
     f"Điều 28 {LAW_COMPLAINTS}"),
    ("denunciation.processing", "", "Tiếp nhận, phân loại, kiểm tra điều kiện thụ lý tố cáo kể từ ngày nhận", "working", 7,
     f"Điều 24 {LAW_DENUNCIATIONS}"),
    ("denunciation.processing", "several_places", "Kiểm tra điều kiện thụ lý tố cáo khi phải xác minh ở nhiều nơi", "working", 10,
     f"Điều 24 {LAW_DENUNCIATIONS}"),
    ("denunciation.transfer", "", "Chuyển tố cáo không thuộc thẩm quyền và thông báo cho người tố cáo", "working", 5,
     f"Điều 24 {LAW_DENUNCIATIONS}"),
    ("denunciation.resolution", "", "Giải quyết tố cáo kể từ ngày thụ lý", "calendar", 30, f"Điều 30 {LAW_DENUNCIATIONS}"),
    ("denunciation.extension", "", "Gia hạn giải quyết tố cáo (một lần với vụ phức tạp, hai lần với vụ đặc biệt phức tạp)",
     "calendar", 30, f"Điều 30 {LAW_DENUNCIATIONS}"),
    ("petition.processing", "", "Xử lý đơn kiến nghị, phản ánh (cần xác minh đơn vị ngày)", "working", 10,
     f"Điều 6 {CIRCULAR_05}"),
    ("feedback.processing", "", "Xử lý đơn phản ánh (cần xác minh đơn vị ngày)", "working", 10, f"Điều 6 {CIRCULAR_05}"),
    ("feedback.transfer", "", "Chuyển phản ánh, kiến nghị về quy định hành chính không thuộc thẩm quyền", "working", 5,
     "Nghị định 20/2008/NĐ-CP, sửa đổi bởi Nghị định 92/2017/NĐ-CP"),
    ("reception.notification", "", "Trả lời người đến tiếp công dân: thụ lý hay không thụ lý", "working", 10,
     "Nghị định 64/2014/NĐ-CP"),
]


def upgrade() -> None:
    with op.batch_alter_table("legal_rule") as batch_op:
        batch_op.add_column(sa.Column("variant", sa.String(length=30), nullable=False, server_default=""))
        batch_op.drop_constraint("uq_legal_rule_code_effective_from", type_="unique")
        batch_op.create_unique_constraint("uq_legal_rule_version", ["code", "variant", "effective_from"])
    rule = sa.table(
        "legal_rule",
        sa.column("code", sa.String), sa.column("variant", sa.String), sa.column("description", sa.String),
        sa.column("unit", sa.String), sa.column("value", sa.Integer), sa.column("legal_basis", sa.Text),
        sa.column("effective_from", sa.Date), sa.column("version", sa.Integer), sa.column("created_at", sa.DateTime),
    )
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.bulk_insert(rule, [
        {"code": c, "variant": v, "description": d, "unit": u, "value": n, "legal_basis": b,
         "effective_from": date(2021, 7, 1), "version": 1, "created_at": now}
        for c, v, d, u, n, b in RULES
    ])


def downgrade() -> None:
    codes = sorted({r[0] for r in RULES})
    op.execute("DELETE FROM legal_rule WHERE code IN (" + ", ".join(f"'{c}'" for c in codes) + ")")
    with op.batch_alter_table("legal_rule") as batch_op:
        batch_op.drop_constraint("uq_legal_rule_version", type_="unique")
        batch_op.create_unique_constraint("uq_legal_rule_code_effective_from", ["code", "effective_from"])
        batch_op.drop_column("variant")
