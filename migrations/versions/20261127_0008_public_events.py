"""The public change feed: disclosures, dialogues, commitments and case statuses, in commit order.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 07:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: Union[str, None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('public_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('audience', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('public_event', schema=None) as batch_op:
        batch_op.create_index('ix_public_event_audience', ['audience', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('public_event', schema=None) as batch_op:
        batch_op.drop_index('ix_public_event_audience')
    op.drop_table('public_event')
