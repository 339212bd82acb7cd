"""The `minhbach` command, run as a real process against a real database."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from app.db import make_engine


@pytest.fixture
def run(database_url, tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data")}

    def _run(*args, stdin=""):
        return subprocess.run([sys.executable, "-m", "app.cli", *args], input=stdin, capture_output=True,
                              text=True, env=env, timeout=120)

    return _run


def test_create_user_reads_password_from_stdin(run, database_url):
    r = run("create-user", "Chu.Tich", "--role", "leader", "--full-name", "Nguyễn Văn A", stdin="mat-khau-rat-dai\n")
    assert r.returncode == 0, r.stderr
    engine = make_engine(database_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT username, role, password_hash FROM staff_user")).one()
    engine.dispose()
    assert row.username == "chu.tich" and row.role == "leader" and row.password_hash.startswith("$argon2")
    assert run("create-user", "x", "--role", "king", stdin="mat-khau-rat-dai\n").returncode != 0
    short = run("create-user", "y", "--role", "admin", stdin="ngan\n")
    assert short.returncode == 1 and "10" in short.stderr


def test_create_token_prints_only_the_token(run, database_url):
    r = run("create-token", "thanh-pho", "--scope", "disclosures:write", "--scope", "disclosures:read")
    assert r.returncode == 0, r.stderr
    token = r.stdout.strip()
    assert token.startswith("mb_") and "\n" not in token
    engine = make_engine(database_url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash, scopes FROM api_token")).one()
    engine.dispose()
    assert token not in stored.token_hash and stored.scopes == "disclosures:read disclosures:write"
    assert run("create-token", "x", "--scope", "god:mode").returncode == 1
    assert run("create-token", "x", "--user", "nobody").returncode == 1


def test_personal_token(run):
    run("create-user", "congchuc", "--role", "officer", stdin="mat-khau-rat-dai\n")
    r = run("create-token", "script", "--user", "congchuc")
    assert r.returncode == 0 and r.stdout.strip().startswith("mb_")


def test_audit_verify_detects_tampering(run, database_url):
    run("create-user", "a", "--role", "admin", stdin="mat-khau-rat-dai\n")
    run("create-token", "t", "--scope", "disclosures:read")
    ok = run("audit-verify")
    assert ok.returncode == 0 and "2" in ok.stdout
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET actor = 'user:someone-else' WHERE seq = 1"))
    engine.dispose()
    bad = run("audit-verify")
    assert bad.returncode == 1 and "seq 1" in bad.stderr


def test_seed_demo(run, database_url, tmp_path):
    r = run("seed-demo")
    assert r.returncode == 0, r.stderr
    engine = make_engine(database_url)
    with engine.connect() as conn:
        roles = {x for (x,) in conn.execute(text("SELECT role FROM staff_user"))}
        published = conn.execute(text("SELECT COUNT(DISTINCT category), COUNT(*) FROM disclosure "
                                      "WHERE status <> 'draft'")).one()
        pdfs = conn.execute(text("SELECT COUNT(*) FROM attachment WHERE content_type = 'application/pdf'")).scalar()
    engine.dispose()
    assert roles == {"admin", "leader", "officer", "reception", "publisher", "supervisor"}
    assert published[0] == 14 and published[1] >= 30 and pdfs >= 30
    assert any((tmp_path / "data" / "files").rglob("*"))
    assert run("seed-demo").returncode == 0  # a second run changes nothing
    assert run("audit-verify").returncode == 0
