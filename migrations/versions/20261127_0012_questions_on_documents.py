"""Residents' questions on disclosed documents: the case's document, and the question and answer
published under it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 08:10:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: Union[str, None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disclosure_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('public_question', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('public_answer', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('answer_published_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_complaint_disclosure', ['disclosure_id', 'answer_published_at'], unique=False)
        batch_op.create_foreign_key('fk_complaint_disclosure', 'disclosure', ['disclosure_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_constraint('fk_complaint_disclosure', type_='foreignkey')
        batch_op.drop_index('ix_complaint_disclosure')
        batch_op.drop_column('answer_published_at')
        batch_op.drop_column('public_answer')
        batch_op.drop_column('public_question')
        batch_op.drop_column('disclosure_id')
