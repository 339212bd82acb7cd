"""Citizen reception: schedule rules, sessions, the register (form 03), the chairman's frequency rule.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 04:27:53
"""
from datetime import date, datetime, timezone
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


# The chairman's required reception days: a frequency rule with effective dates, so that a change
# in the law (Law 136/2025/QH15 from 1/7/2026) is a new version entered by an administrator.
FREQUENCY_RULE = {
    "code": "reception.chairman_days", "variant": "", "unit": "per_week", "value": 1,
    "description": "Chủ tịch UBND cấp xã tiếp công dân định kỳ tại trụ sở, tối thiểu số ngày mỗi tuần",
    "legal_basis": "Điểm d khoản 2 Điều 15 Luật Tiếp công dân 42/2013/QH13",
    "effective_from": date(2014, 7, 1), "version": 1,
}


def upgrade() -> None:
    op.create_table('reception_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('host_name', sa.String(length=200), nullable=False),
    sa.Column('host_role', sa.String(length=20), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('weekdays', sa.String(length=20), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('reception_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('occurs_on', sa.Date(), nullable=True),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('host_name', sa.String(length=200), nullable=False),
    sa.Column('host_role', sa.String(length=20), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('assisting_staff', sa.String(length=500), nullable=False),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.Column('cancel_reason', sa.String(length=500), nullable=False),
    sa.Column('moved_from', sa.DateTime(), nullable=True),
    sa.Column('move_reason', sa.String(length=500), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['rule_id'], ['reception_rule.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('rule_id', 'occurs_on', name='uq_reception_session_occurrence')
    )
    with op.batch_alter_table('reception_session', schema=None) as batch_op:
        batch_op.create_index('ix_reception_session_starts', ['starts_at', 'id'], unique=False)
        batch_op.create_index('ix_reception_session_updated', ['updated_at', 'id'], unique=False)

    op.create_table('reception_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('register_year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('visit_on', sa.Date(), nullable=False),
    sa.Column('visitor_name', sa.String(length=200), nullable=False),
    sa.Column('visitor_address', sa.String(length=300), nullable=False),
    sa.Column('id_number', sa.String(length=20), server_default='', nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('case_kind', sa.String(length=20), nullable=False),
    sa.Column('people_count', sa.Integer(), nullable=False),
    sa.Column('representatives', sa.Text(), server_default='', nullable=False),
    sa.Column('previously_handled_by', sa.String(length=300), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('guided_to', sa.String(length=300), nullable=False),
    sa.Column('guidance_number', sa.String(length=60), nullable=False),
    sa.Column('transferred_to', sa.String(length=300), nullable=False),
    sa.Column('transfer_number', sa.String(length=60), nullable=False),
    sa.Column('refusal_reason', sa.String(length=30), nullable=False),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('notice_due_on', sa.Date(), nullable=True),
    sa.Column('notice_rule', sa.String(length=80), nullable=False),
    sa.Column('notified_on', sa.Date(), nullable=True),
    sa.Column('notice_number', sa.String(length=60), nullable=False),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['reception_session.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('register_year', 'number', name='uq_reception_visit_number')
    )
    with op.batch_alter_table('reception_visit', schema=None) as batch_op:
        batch_op.create_index('ix_reception_visit_date', ['visit_on', 'number'], unique=False)
        batch_op.create_index('ix_reception_visit_notice', ['notice_due_on', 'notified_on'], unique=False)
        batch_op.create_index('ix_reception_visit_session', ['session_id', 'id'], unique=False)
        batch_op.create_index('ix_reception_visit_complaint', ['complaint_id'], unique=False)

    op.create_table('reception_visit_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('before', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['visit_id'], ['reception_visit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reception_visit_correction', schema=None) as batch_op:
        batch_op.create_index('ix_reception_visit_correction_visit', ['visit_id', 'id'], unique=False)

    rule = sa.table(
        "legal_rule",
        sa.column("code", sa.String), sa.column("variant", sa.String), sa.column("description", sa.String),
        sa.column("unit", sa.String), sa.column("value", sa.Integer), sa.column("legal_basis", sa.Text),
        sa.column("effective_from", sa.Date), sa.column("version", sa.Integer), sa.column("created_at", sa.DateTime),
    )
    op.bulk_insert(rule, [{**FREQUENCY_RULE, "created_at": datetime.now(timezone.utc).replace(tzinfo=None)}])


def downgrade() -> None:
    op.execute("DELETE FROM legal_rule WHERE code = 'reception.chairman_days'")
    with op.batch_alter_table('reception_visit_correction', schema=None) as batch_op:
        batch_op.drop_index('ix_reception_visit_correction_visit')
    op.drop_table('reception_visit_correction')
    with op.batch_alter_table('reception_visit', schema=None) as batch_op:
        batch_op.drop_index('ix_reception_visit_complaint')
        batch_op.drop_index('ix_reception_visit_session')
        batch_op.drop_index('ix_reception_visit_notice')
        batch_op.drop_index('ix_reception_visit_date')

    op.drop_table('reception_visit')
    with op.batch_alter_table('reception_session', schema=None) as batch_op:
        batch_op.drop_index('ix_reception_session_updated')
        batch_op.drop_index('ix_reception_session_starts')

    op.drop_table('reception_session')
    op.drop_table('reception_rule')
