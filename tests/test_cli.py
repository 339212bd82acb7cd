"""The `minhbach` command, run as a real process against a real database."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from app.core.db import make_engine


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


def _user_row(database_url, username):
    engine = make_engine(database_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT id, password_hash, is_active, must_change_password FROM staff_user "
                                "WHERE username = :u"), {"u": username}).one()
    engine.dispose()
    return row


def _live_sessions(database_url, user_id):
    engine = make_engine(database_url)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT COUNT(*) FROM staff_session WHERE user_id = :u AND revoked_at IS NULL"),
                         {"u": user_id}).scalar()
    engine.dispose()
    return n


def _open_session(database_url, username):
    from app.accounts.sessions import start_session
    from app.accounts.users import user_by_username
    from app.core.db import session_for

    engine = make_engine(database_url)
    with session_for(engine, write=True, audit_key="k") as s:
        start_session(s, user=user_by_username(s, username), hours=1, client_addr="1.2.3.4")
        s.commit()
    engine.dispose()


def test_passwd_changes_a_password_and_ends_sessions(run, database_url):
    run("create-user", "chutich", "--role", "leader", stdin="mat-khau-rat-dai\n")
    before = _user_row(database_url, "chutich")
    _open_session(database_url, "chutich")
    r = run("passwd", "ChuTich", stdin="ba-con-voi-bien-mat\n")
    assert r.returncode == 0, r.stderr
    after = _user_row(database_url, "chutich")
    assert after.password_hash != before.password_hash and not after.must_change_password
    assert _live_sessions(database_url, after.id) == 0
    weak = run("passwd", "chutich", stdin="1234567890\n")
    assert weak.returncode == 1 and "dễ đoán" in weak.stderr
    demo = run("passwd", "chutich", stdin="minhbach-demo\n")
    assert demo.returncode == 1 and "công bố" in demo.stderr
    assert run("passwd", "khong-co", stdin="ba-con-voi-bien-mat\n").returncode == 1
    temp = run("passwd", "chutich", "--temporary", stdin="mot-mat-khau-tam-thoi\n")
    assert temp.returncode == 0 and _user_row(database_url, "chutich").must_change_password


def test_disable_enable_and_end_sessions(run, database_url):
    run("create-user", "boss", "--role", "admin", stdin="mat-khau-rat-dai\n")
    run("create-user", "congchuc", "--role", "officer", stdin="mat-khau-rat-dai\n")
    user_id = _user_row(database_url, "congchuc").id
    _open_session(database_url, "congchuc")
    _open_session(database_url, "congchuc")
    r = run("end-sessions", "congchuc")
    assert r.returncode == 0 and "2" in r.stdout and _live_sessions(database_url, user_id) == 0
    _open_session(database_url, "congchuc")
    r = run("user-disable", "congchuc")
    assert r.returncode == 0, r.stderr
    assert not _user_row(database_url, "congchuc").is_active and _live_sessions(database_url, user_id) == 0
    assert run("user-disable", "congchuc").returncode == 1  # already disabled
    assert run("user-disable", "boss").returncode == 1  # the last active administrator
    assert run("user-enable", "congchuc").returncode == 0 and _user_row(database_url, "congchuc").is_active
    assert run("end-sessions", "khong-co").returncode == 1
    engine = make_engine(database_url)
    with engine.connect() as conn:
        actions = [a for (a,) in conn.execute(text("SELECT action FROM audit_event ORDER BY seq"))]
    engine.dispose()
    assert {"user.sessions_end", "user.disable", "user.enable"} <= set(actions)


def test_backup_and_restore_round_trip_through_the_cli(run, database_url, tmp_path):
    """`minhbach backup` then `minhbach restore --force` over changed data brings it back, and the
    audit chain verifies (restore checks it; so does `audit-verify` afterwards)."""
    assert run("create-user", "lanh.dao", "--role", "leader", "--full-name", "Trần Thị B",
               stdin="Cay-bang-goc-pho-2026\n").returncode == 0
    dest = tmp_path / "sao-luu"
    r = run("backup", str(dest))
    assert r.returncode == 0, r.stderr
    assert (dest / "manifest.json").exists() and "Đã sao lưu" in r.stdout
    assert run("backup", str(dest)).returncode == 1  # never into a folder that holds something
    assert run("create-user", "nguoi.moi", "--role", "officer", stdin="Hoa-sua-no-muon-2026\n").returncode == 0
    refused = run("restore", str(dest))
    assert refused.returncode == 1  # the database holds data: only with --force
    r = run("restore", str(dest), "--force")
    assert r.returncode == 0, r.stderr
    assert "Nhật ký toàn vẹn" in r.stdout
    engine = make_engine(database_url)
    with engine.connect() as conn:
        users = conn.execute(text("SELECT username FROM staff_user ORDER BY username")).scalars().all()
    engine.dispose()
    assert users == ["lanh.dao"]
    assert run("audit-verify").returncode == 0


def test_run_with_demo_prints_the_accounts(tmp_path):
    """`minhbach run --demo` tells who can log in, with which password, and how to change it.
    Started for real and stopped once it has printed them."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/demo.sqlite3", "DATA_DIR": str(tmp_path / "data"),
           "SECRET_KEY": "k", "MAIL_INTERVAL_SECONDS": "0"}
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "run", "--demo", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if "minhbach passwd" in line:
                break
    finally:
        proc.terminate()
        proc.wait(30)
    out = "".join(lines)
    assert "minhbach-demo" in out and "lanhdao" in out and "admin" in out and "/staff/login" in out
