"""Idempotency keys for filing a case (form and API): a retried or reloaded submission answers with the case it made.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 14:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: Union[str, None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'idempotency_key',
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('request_hash', sa.String(length=64), nullable=False),
        sa.Column('complaint_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name='fk_idempotency_key_complaint'),
        sa.PrimaryKeyConstraint('key_hash'),
    )


def downgrade() -> None:
    op.drop_table('idempotency_key')
