"""Foundation (staff, tokens, audit log, legal rules, calendar) and disclosures.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 01:53:33.081237
"""
from datetime import date, datetime, timezone
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('entity_type', sa.String(length=60), nullable=False),
    sa.Column('entity_id', sa.String(length=60), nullable=False),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=True),
    sa.Column('client_addr', sa.String(length=64), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('seq')
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_action'), ['action'], unique=False)
        batch_op.create_index('ix_audit_event_entity', ['entity_type', 'entity_id'], unique=False)

    op.create_table('calendar_override',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('legal_basis', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('on')
    )
    op.create_table('legal_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', 'effective_from', name='uq_legal_rule_code_effective_from')
    )
    with op.batch_alter_table('legal_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_rule_code'), ['code'], unique=False)

    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('client_addr', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempt_client_at', ['client_addr', 'at'], unique=False)
        batch_op.create_index('ix_login_attempt_username_at', ['username', 'at'], unique=False)

    op.create_table('staff_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.String(length=500), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_table('disclosure',
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('document_number', sa.String(length=100), nullable=False),
    sa.Column('issuing_body', sa.String(length=200), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.Column('fiscal_year', sa.Integer(), nullable=True),
    sa.Column('tags', sa.String(length=500), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('posted_on', sa.Date(), nullable=True),
    sa.Column('posting_ends_on', sa.Date(), nullable=True),
    sa.Column('publish_deadline_on', sa.Date(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('deadline_rule', sa.String(length=120), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawal_reason', sa.Text(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('disclosure', schema=None) as batch_op:
        batch_op.create_index('ix_disclosure_category', ['category', 'published_at', 'id'], unique=False)
        batch_op.create_index('ix_disclosure_posting_end', ['posting_ends_on'], unique=False)
        batch_op.create_index('ix_disclosure_public', ['published_at', 'id'], unique=False)
        batch_op.create_index('ix_disclosure_updated', ['updated_at', 'id'], unique=False)
        batch_op.create_index('ix_disclosure_year', ['fiscal_year', 'published_at', 'id'], unique=False)

    op.create_table('staff_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('client_addr', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_session_user_id'), ['user_id'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('disclosure_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['disclosure_id'], ['disclosure.id'], ),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_disclosure_id'), ['disclosure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_sha256'), ['sha256'], unique=False)

    op.create_table('disclosure_method',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('disclosure_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=30), nullable=False),
    sa.Column('used_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['disclosure_id'], ['disclosure.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('disclosure_method', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_method_disclosure_id'), ['disclosure_id'], unique=False)

    op.create_table('disclosure_version',
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('document_number', sa.String(length=100), nullable=False),
    sa.Column('issuing_body', sa.String(length=200), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.Column('fiscal_year', sa.Integer(), nullable=True),
    sa.Column('tags', sa.String(length=500), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('disclosure_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('change_note', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['disclosure_id'], ['disclosure.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('disclosure_id', 'version')
    )
    with op.batch_alter_table('disclosure_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_version_disclosure_id'), ['disclosure_id'], unique=False)

    _create_search_index()
    _seed_rules()


RULES = [
    # code, description, unit, value, legal basis
    ("disclosure.publish_deadline", "Thời hạn công khai kể từ ngày ban hành văn bản", "working", 5,
     "Điều 12 khoản 3 Luật Thực hiện dân chủ ở cơ sở 10/2022/QH15"),
    ("disclosure.posting_period", "Thời gian niêm yết tối thiểu tại trụ sở", "calendar", 30,
     "Điều 13 khoản 2 Luật Thực hiện dân chủ ở cơ sở 10/2022/QH15"),
    ("disclosure.loudspeaker_period", "Thời gian thông báo tối thiểu trên hệ thống truyền thanh", "calendar", 3,
     "Điều 13 khoản 3 Luật Thực hiện dân chủ ở cơ sở 10/2022/QH15"),
    ("disclosure.posting_ending_soon", "Cảnh báo khi thời gian niêm yết sắp hết", "calendar", 5,
     "Quy ước nội bộ của UBND phường (không phải quy định của luật)"),
]


def _seed_rules() -> None:
    rule = sa.table(
        "legal_rule",
        sa.column("code", sa.String), sa.column("description", sa.String), sa.column("unit", sa.String),
        sa.column("value", sa.Integer), sa.column("legal_basis", sa.Text),
        sa.column("effective_from", sa.Date), sa.column("version", sa.Integer),
        sa.column("created_at", sa.DateTime),
    )
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.bulk_insert(rule, [
        {"code": c, "description": d, "unit": u, "value": v, "legal_basis": b,
         "effective_from": date(2023, 7, 1), "version": 1, "created_at": now}
        for c, d, u, v, b in RULES
    ])


def _create_search_index() -> None:
    """Diacritics-insensitive search over disclosure.search_text (already folded by the app)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE disclosure_fts USING fts5(search_text, content='disclosure', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER disclosure_fts_ai AFTER INSERT ON disclosure BEGIN "
            "INSERT INTO disclosure_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        op.execute(
            "CREATE TRIGGER disclosure_fts_au AFTER UPDATE OF search_text ON disclosure BEGIN "
            "INSERT INTO disclosure_fts(disclosure_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
            "INSERT INTO disclosure_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        op.execute(
            "CREATE TRIGGER disclosure_fts_ad AFTER DELETE ON disclosure BEGIN "
            "INSERT INTO disclosure_fts(disclosure_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END"
        )
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_disclosure_search_trgm ON disclosure USING gin (search_text gin_trgm_ops)")


def _drop_search_index() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("disclosure_fts_ai", "disclosure_fts_au", "disclosure_fts_ad"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS disclosure_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_disclosure_search_trgm")


def downgrade() -> None:
    _drop_search_index()

    with op.batch_alter_table('disclosure_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_version_disclosure_id'))

    op.drop_table('disclosure_version')
    with op.batch_alter_table('disclosure_method', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_method_disclosure_id'))

    op.drop_table('disclosure_method')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_sha256'))
        batch_op.drop_index(batch_op.f('ix_attachment_disclosure_id'))

    op.drop_table('attachment')
    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_session_user_id'))

    op.drop_table('staff_session')
    with op.batch_alter_table('disclosure', schema=None) as batch_op:
        batch_op.drop_index('ix_disclosure_year')
        batch_op.drop_index('ix_disclosure_updated')
        batch_op.drop_index('ix_disclosure_public')
        batch_op.drop_index('ix_disclosure_posting_end')
        batch_op.drop_index('ix_disclosure_category')

    op.drop_table('disclosure')
    op.drop_table('api_token')
    op.drop_table('staff_user')
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempt_username_at')
        batch_op.drop_index('ix_login_attempt_client_at')

    op.drop_table('login_attempt')
    with op.batch_alter_table('legal_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_rule_code'))

    op.drop_table('legal_rule')
    op.drop_table('calendar_override')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_entity')
        batch_op.drop_index(batch_op.f('ix_audit_event_action'))

    op.drop_table('audit_event')

