"""Dialogues with residents: questions, answers, commitments and their progress; the notice,
publication and frequency rules.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 05:44:28.187033
"""
from datetime import date, datetime, timezone
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


BASIS = "Nghị định 32/2021/NĐ-CP (chính quyền đô thị tại Hà Nội); Luật Tổ chức chính quyền địa phương 2025"
# "(cần xác minh)": the figure is the ward's plan or a default an administrator confirms at /staff/rules.
RULES = [
    ("dialogue.notice", "calendar", 7, "Thông báo đối thoại với Nhân dân trước ngày tổ chức ít nhất", BASIS),
    ("dialogue.results_publication", "calendar", 10,
     "Công bố kết quả đối thoại (biên bản, câu hỏi, trả lời, cam kết) kể từ ngày đối thoại", BASIS),
    ("dialogue.per_year", "per_year", 2,
     "Số lần đối thoại với Nhân dân tối thiểu mỗi năm (luật: ít nhất 1; phường ở Hà Nội: 2 theo kế hoạch, cần xác minh)",
     BASIS),
]


def upgrade() -> None:
    op.create_table('dialogue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('topics', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=True),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('online_url', sa.String(length=500), nullable=False),
    sa.Column('format', sa.String(length=20), nullable=False),
    sa.Column('organised_with', sa.String(length=500), nullable=False),
    sa.Column('chair', sa.String(length=200), nullable=False),
    sa.Column('invited_groups', sa.Text(), server_default='', nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('announced_on', sa.Date(), nullable=True),
    sa.Column('attendance', sa.Integer(), nullable=True),
    sa.Column('minutes', sa.Text(), server_default='', nullable=False),
    sa.Column('results_published_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dialogue', schema=None) as batch_op:
        batch_op.create_index('ix_dialogue_status_starts', ['status', 'starts_at', 'id'], unique=False)
        batch_op.create_index('ix_dialogue_updated', ['updated_at', 'id'], unique=False)

    op.create_table('dialogue_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dialogue_id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('before', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dialogue_id'], ['dialogue.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dialogue_correction', schema=None) as batch_op:
        batch_op.create_index('ix_dialogue_correction_dialogue', ['dialogue_id', 'id'], unique=False)

    op.create_table('dialogue_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dialogue_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('asked_by', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), server_default='', nullable=False),
    sa.Column('answered_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dialogue_id'], ['dialogue.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dialogue_question', schema=None) as batch_op:
        batch_op.create_index('ix_dialogue_question_dialogue', ['dialogue_id', 'position'], unique=False)

    op.create_table('commitment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dialogue_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('owner_department', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('drop_reason', sa.String(length=1000), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dialogue_id'], ['dialogue.id'], ),
    sa.ForeignKeyConstraint(['question_id'], ['dialogue_question.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.create_index('ix_commitment_dialogue', ['dialogue_id', 'id'], unique=False)
        batch_op.create_index('ix_commitment_status_due', ['status', 'due_on', 'id'], unique=False)
        batch_op.create_index('ix_commitment_updated', ['updated_at', 'id'], unique=False)

    op.create_table('commitment_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('disclosure_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'], ),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.ForeignKeyConstraint(['disclosure_id'], ['disclosure.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('commitment_link', schema=None) as batch_op:
        batch_op.create_index('ix_commitment_link_commitment', ['commitment_id'], unique=False)

    op.create_table('commitment_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('commitment_update', schema=None) as batch_op:
        batch_op.create_index('ix_commitment_update_commitment', ['commitment_id', 'on', 'id'], unique=False)

    op.create_table('dialogue_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dialogue_id', sa.Integer(), nullable=False),
    sa.Column('commitment_update_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commitment_update_id'], ['commitment_update.id'], ),
    sa.ForeignKeyConstraint(['dialogue_id'], ['dialogue.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dialogue_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dialogue_file_commitment_update_id'), ['commitment_update_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dialogue_file_dialogue_id'), ['dialogue_id'], unique=False)

    op.create_table('dialogue_follow',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('dialogue_id', sa.Integer(), nullable=True),
    sa.Column('commitment_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('unsubscribed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'], ),
    sa.ForeignKeyConstraint(['dialogue_id'], ['dialogue.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dialogue_follow', schema=None) as batch_op:
        batch_op.create_index('ix_dialogue_follow_commitment', ['commitment_id', 'confirmed_at'], unique=False)
        batch_op.create_index('ix_dialogue_follow_dialogue', ['dialogue_id', 'confirmed_at'], unique=False)
        batch_op.create_index('ix_dialogue_follow_email', ['email'], unique=False)

    rule = sa.table(
        "legal_rule",
        sa.column("code", sa.String), sa.column("variant", sa.String), sa.column("description", sa.String),
        sa.column("unit", sa.String), sa.column("value", sa.Integer), sa.column("legal_basis", sa.Text),
        sa.column("effective_from", sa.Date), sa.column("version", sa.Integer), sa.column("created_at", sa.DateTime),
    )
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.bulk_insert(rule, [
        {"code": c, "variant": "", "description": d, "unit": u, "value": n, "legal_basis": b,
         "effective_from": date(2021, 7, 1), "version": 1, "created_at": now}
        for c, u, n, d, b in RULES
    ])


def downgrade() -> None:
    op.execute("DELETE FROM legal_rule WHERE code LIKE 'dialogue.%'")
    with op.batch_alter_table('dialogue_follow', schema=None) as batch_op:
        batch_op.drop_index('ix_dialogue_follow_email')
        batch_op.drop_index('ix_dialogue_follow_dialogue')
        batch_op.drop_index('ix_dialogue_follow_commitment')
    op.drop_table('dialogue_follow')
    with op.batch_alter_table('dialogue_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dialogue_file_dialogue_id'))
        batch_op.drop_index(batch_op.f('ix_dialogue_file_commitment_update_id'))

    op.drop_table('dialogue_file')
    with op.batch_alter_table('commitment_update', schema=None) as batch_op:
        batch_op.drop_index('ix_commitment_update_commitment')

    op.drop_table('commitment_update')
    with op.batch_alter_table('commitment_link', schema=None) as batch_op:
        batch_op.drop_index('ix_commitment_link_commitment')

    op.drop_table('commitment_link')
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.drop_index('ix_commitment_updated')
        batch_op.drop_index('ix_commitment_status_due')
        batch_op.drop_index('ix_commitment_dialogue')

    op.drop_table('commitment')
    with op.batch_alter_table('dialogue_question', schema=None) as batch_op:
        batch_op.drop_index('ix_dialogue_question_dialogue')

    op.drop_table('dialogue_question')
    with op.batch_alter_table('dialogue_correction', schema=None) as batch_op:
        batch_op.drop_index('ix_dialogue_correction_dialogue')

    op.drop_table('dialogue_correction')
    with op.batch_alter_table('dialogue', schema=None) as batch_op:
        batch_op.drop_index('ix_dialogue_updated')
        batch_op.drop_index('ix_dialogue_status_starts')

    op.drop_table('dialogue')
