"""Dialogues: the notice residents actually got; a commitment's first due date (kept when the
date is corrected); one number per question within a dialogue.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 07:55:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('dialogue', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_days', sa.Integer(), nullable=True))
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_due_on', sa.Date(), nullable=True))
    op.execute("UPDATE commitment SET first_due_on = due_on")
    with op.batch_alter_table('dialogue_question', schema=None) as batch_op:
        batch_op.drop_index('ix_dialogue_question_dialogue')
        batch_op.create_index('ix_dialogue_question_dialogue', ['dialogue_id', 'position'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('dialogue_question', schema=None) as batch_op:
        batch_op.drop_index('ix_dialogue_question_dialogue')
        batch_op.create_index('ix_dialogue_question_dialogue', ['dialogue_id', 'position'], unique=False)
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.drop_column('first_due_on')
    with op.batch_alter_table('dialogue', schema=None) as batch_op:
        batch_op.drop_column('notice_days')
