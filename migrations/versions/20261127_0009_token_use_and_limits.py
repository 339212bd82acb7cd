"""API tokens: where they were last used from, and a rate limit each.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 07:45:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_used_addr', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('rate_limit', sa.Integer(), server_default='600', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('rate_limit')
        batch_op.drop_column('last_used_addr')
