"""Commitment links: one case or one disclosure per link, each at most once per commitment,
found from either side.

The table of 0006 was never written to (no code used it), so it is rebuilt.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 07:40:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _old_table() -> None:
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


def upgrade() -> None:
    with op.batch_alter_table('commitment_link', schema=None) as batch_op:
        batch_op.drop_index('ix_commitment_link_commitment')
    op.drop_table('commitment_link')
    op.create_table('commitment_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('disclosure_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(complaint_id IS NULL) <> (disclosure_id IS NULL)', name='ck_commitment_link_one'),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'], ),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.ForeignKeyConstraint(['disclosure_id'], ['disclosure.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('commitment_id', 'complaint_id', name='uq_commitment_link_case'),
    sa.UniqueConstraint('commitment_id', 'disclosure_id', name='uq_commitment_link_disclosure')
    )
    with op.batch_alter_table('commitment_link', schema=None) as batch_op:
        batch_op.create_index('ix_commitment_link_complaint', ['complaint_id'], unique=False)
        batch_op.create_index('ix_commitment_link_disclosure', ['disclosure_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('commitment_link', schema=None) as batch_op:
        batch_op.drop_index('ix_commitment_link_disclosure')
        batch_op.drop_index('ix_commitment_link_complaint')
    op.drop_table('commitment_link')
    _old_table()
