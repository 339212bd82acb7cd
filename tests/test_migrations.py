"""The schema changes only through Alembic: every migration goes down and up again, and the
models match what the migrations build."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.core.db import make_engine
from app.migrate import downgrade, upgrade


def test_every_migration_runs_down_and_up(database_url):
    engine = make_engine(database_url)
    tables_at_head = set(inspect(engine).get_table_names())
    assert {"disclosure", "audit_event", "staff_user", "legal_rule"} <= tables_at_head
    engine.dispose()

    downgrade(database_url, "base")
    engine = make_engine(database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()

    upgrade(database_url)
    engine = make_engine(database_url)
    assert set(inspect(engine).get_table_names()) == tables_at_head
    engine.dispose()


def test_models_match_migrations(database_url):
    engine = make_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), SQLModel.metadata)
    engine.dispose()
    # The full-text index on PostgreSQL is created by hand (an expression index Alembic cannot see as a model).
    diff = [d for d in diff if not (d[0] == "remove_index" and d[1].name == "ix_disclosure_search_trgm")]
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("disclosure_fts"))]
    assert diff == []


def test_rules_are_seeded_with_their_legal_basis(session):
    from datetime import date

    from app.legal.rules import get_rule

    rule = get_rule(session, "disclosure.publish_deadline", on=date(2026, 1, 1))
    assert (rule.unit, rule.value) == ("working", 5) and "Điều 12" in rule.legal_basis
