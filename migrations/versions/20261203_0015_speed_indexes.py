"""Indexes and search structures for speed at ward-years of data.

* complaint(department) and complaint(status): the staff inbox's department list and its
  dashboard's counts read a narrow index instead of the table (or a wide index).
* SQLite: the full-text index gets a `title` column (the folded title: the start of
  `search_text`, which `_search_text` builds title first), so search ranks the disclosures whose
  title holds every word first (app/disclosures/search.py), and is contentless (the text is in
  `disclosure.search_text` already). The triggers keep it in step as before.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 14:00:00
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0015'
down_revision: Union[str, None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TRIGGERS = ("disclosure_fts_ai", "disclosure_fts_au", "disclosure_fts_ad")
# The folded title: `search_text` begins with it (fold keeps one character for each of a
# title's, NFC as the forms store it).
TITLE = "substr({row}.search_text, 1, length({row}.title))"


def _drop_fts() -> None:
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS disclosure_fts")


def upgrade() -> None:
    op.create_index('ix_complaint_department', 'complaint', ['department'], unique=False)
    op.create_index('ix_complaint_status', 'complaint', ['status'], unique=False)
    if op.get_bind().dialect.name != "sqlite":
        return
    _drop_fts()
    op.execute("CREATE VIRTUAL TABLE disclosure_fts USING fts5(title, body, content='', "
               "tokenize='unicode61 remove_diacritics 2')")
    op.execute("INSERT INTO disclosure_fts(rowid, title, body) "
               f"SELECT id, {TITLE.format(row='disclosure')}, search_text FROM disclosure")
    new = f"INSERT INTO disclosure_fts(rowid, title, body) VALUES (new.id, {TITLE.format(row='new')}, new.search_text);"
    old = ("INSERT INTO disclosure_fts(disclosure_fts, rowid, title, body) "
           f"VALUES ('delete', old.id, {TITLE.format(row='old')}, old.search_text);")
    op.execute(f"CREATE TRIGGER disclosure_fts_ai AFTER INSERT ON disclosure BEGIN {new} END")
    op.execute(f"CREATE TRIGGER disclosure_fts_au AFTER UPDATE OF search_text, title ON disclosure BEGIN {old} {new} END")
    op.execute(f"CREATE TRIGGER disclosure_fts_ad AFTER DELETE ON disclosure BEGIN {old} END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _drop_fts()
        op.execute("CREATE VIRTUAL TABLE disclosure_fts USING fts5(search_text, content='disclosure', "
                   "content_rowid='id', tokenize='unicode61 remove_diacritics 2')")
        op.execute("INSERT INTO disclosure_fts(disclosure_fts) VALUES ('rebuild')")
        op.execute("CREATE TRIGGER disclosure_fts_ai AFTER INSERT ON disclosure BEGIN "
                   "INSERT INTO disclosure_fts(rowid, search_text) VALUES (new.id, new.search_text); END")
        op.execute("CREATE TRIGGER disclosure_fts_au AFTER UPDATE OF search_text ON disclosure BEGIN "
                   "INSERT INTO disclosure_fts(disclosure_fts, rowid, search_text) "
                   "VALUES ('delete', old.id, old.search_text); "
                   "INSERT INTO disclosure_fts(rowid, search_text) VALUES (new.id, new.search_text); END")
        op.execute("CREATE TRIGGER disclosure_fts_ad AFTER DELETE ON disclosure BEGIN "
                   "INSERT INTO disclosure_fts(disclosure_fts, rowid, search_text) "
                   "VALUES ('delete', old.id, old.search_text); END")
    op.drop_index('ix_complaint_status', table_name='complaint')
    op.drop_index('ix_complaint_department', table_name='complaint')
