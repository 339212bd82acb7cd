"""Cases: complaints, denunciations, petitions and feedback; their timeline, pauses and files.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 02:53:31.543020
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:

    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_code', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('pakn_code', sa.String(length=40), nullable=False),
    sa.Column('external_ref', sa.String(length=100), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('identity_protected', sa.Boolean(), nullable=False),
    sa.Column('sender_name', sa.String(length=200), nullable=False),
    sa.Column('sender_address', sa.String(length=300), nullable=False),
    sa.Column('sender_phone', sa.String(length=30), nullable=False),
    sa.Column('sender_email', sa.String(length=200), nullable=False),
    sa.Column('sender_id_number', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('place_address', sa.String(length=300), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('department', sa.String(length=120), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('resolver_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('complex', sa.Boolean(), nullable=False),
    sa.Column('remote', sa.Boolean(), nullable=False),
    sa.Column('extensions', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('decision_number', sa.String(length=100), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('public_summary', sa.Text(), nullable=False),
    sa.Column('guidance_number', sa.String(length=100), nullable=False),
    sa.Column('transfer_body', sa.String(length=200), nullable=False),
    sa.Column('transfer_number', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('satisfaction_comment', sa.Text(), nullable=False),
    sa.Column('rated_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['resolver_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['source_id'], ['complaint.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tracking_code')
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index('ix_complaint_kind_status', ['kind', 'status'], unique=False)
        batch_op.create_index('ix_complaint_status_received', ['status', 'received_on', 'id'], unique=False)
        batch_op.create_index('ix_complaint_updated', ['updated_at', 'id'], unique=False)
        batch_op.create_index('ix_complaint_due', ['due_on', 'id'], unique=False)

    op.create_table('complaint_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('complaint_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_attachment_complaint_id'), ['complaint_id'], unique=False)

    op.create_table('complaint_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=False),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('complaint_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_event_complaint_id'), ['complaint_id'], unique=False)

    op.create_table('complaint_pause',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('complaint_pause', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_pause_complaint_id'), ['complaint_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('complaint_pause', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_pause_complaint_id'))

    op.drop_table('complaint_pause')
    with op.batch_alter_table('complaint_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_event_complaint_id'))

    op.drop_table('complaint_event')
    with op.batch_alter_table('complaint_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_attachment_complaint_id'))

    op.drop_table('complaint_attachment')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_updated')
        batch_op.drop_index('ix_complaint_due')
        batch_op.drop_index('ix_complaint_status_received')
        batch_op.drop_index('ix_complaint_kind_status')
        batch_op.drop_index(batch_op.f('ix_complaint_assignee_id'))

    op.drop_table('complaint')

