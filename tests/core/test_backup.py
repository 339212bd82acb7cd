"""Backup and restore: a round trip brings the data and the files back and the audit chain
verifies; a damaged backup, a non-empty destination or a target holding data are refused.
Runs on the suite's database (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import hashlib
import json
import stat
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import select

from app.accounts import audit
from app.config import Settings
from app.core import backup
from app.core.backup import BackupError
from app.core.db import make_engine, session_for
from app.disclosures import service as disclosure_service
from app.migrate import upgrade
from app.models.disclosure import Attachment, Disclosure
from tests import factories
from tests.conftest import USING_PG, _pg_admin, _pg_drop, _pg_url_for


def _make_data(session, settings) -> dict:
    """A published disclosure with a PDF, a draft, users: rows, files and audit events."""
    settings.ensure_dirs()
    principal = factories.principal(session)
    pdf = factories.pdf_bytes("Dự toán ngân sách")
    d = disclosure_service.create_draft(session, principal=principal, data=factories.disclosure_input(),
                         uploads=[disclosure_service.Upload(pdf, "du-toan.pdf")], store=settings.file_store)
    session.commit()
    disclosure_service.publish(session, principal=principal, disclosure_id=d.id)
    session.commit()
    factories.draft(session, principal, title="Kế hoạch sử dụng đất")
    return {"titles": _titles(session), "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
            "audit": audit.verify(session, key=settings.resolved_secret_key()).checked}


def _titles(session) -> list[str]:
    session.commit()  # a fresh snapshot
    return sorted(d.title for d in session.exec(select(Disclosure)).all())


def _snapshot(settings: Settings) -> tuple[list[str], int, list[str]]:
    """Titles, audit rows and attachment hashes in `settings`' database, and the audit chain verified."""
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        with session_for(engine, write=False) as s:
            report = audit.verify(s, key=settings.resolved_secret_key())
            assert report.ok, report.problems
            hashes = sorted(a.sha256 for a in s.exec(select(Attachment)).all())
            return _titles(s), report.checked, hashes
    finally:
        engine.dispose()


@pytest.fixture
def empty_target(tmp_path):
    """Settings for a place with nothing in it yet: a new data folder and an empty database."""
    data_dir = tmp_path / "restored"
    if USING_PG:
        name = f"mb_restore_{uuid.uuid4().hex[:10]}"
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield Settings(database_url=_pg_url_for(name), data_dir=data_dir, secret_key="test-secret-key")
        _pg_drop(admin, name)
        admin.dispose()
    else:
        yield Settings(database_url=f"sqlite:///{data_dir / 'minhbach.sqlite3'}", data_dir=data_dir,
                       secret_key="test-secret-key")


def test_round_trip_into_an_empty_place(app, session, settings, empty_target, tmp_path):
    before = _make_data(session, settings)
    dest = tmp_path / "backup-1"
    # Taken while the app's engine is open: on SQLite the last commits are still in the WAL,
    # which a copy of the main file alone would miss.
    manifest = backup.backup(settings, dest)

    assert manifest.format == backup.FORMAT and manifest.app_version and manifest.created_at.endswith("+00:00")
    assert manifest.database == ("postgresql" if USING_PG else "sqlite")
    with session_for(app.state.engine, write=False) as s:
        assert manifest.alembic_revision == s.execute(text("SELECT version_num FROM alembic_version")).scalar()
    paths = {f.path for f in manifest.files}
    assert (backup.PGDUMP_NAME if USING_PG else backup.SQLITE_NAME) in paths
    pdf_path = f"files/{before['pdf_sha256'][:2]}/{before['pdf_sha256'][2:4]}/{before['pdf_sha256']}"
    assert pdf_path in paths
    on_disk = json.loads((dest / "manifest.json").read_text())
    assert {f["path"]: f["sha256"] for f in on_disk["files"]}[pdf_path] == before["pdf_sha256"]
    # Personal data: only the owner may read the backup.
    for path in [dest, *dest.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))

    result = backup.restore(empty_target, dest)
    assert result.audit_ok and result.audit_checked == before["audit"] > 0
    titles, checked, hashes = _snapshot(empty_target)
    assert titles == before["titles"] and checked == before["audit"]
    assert hashes == [before["pdf_sha256"]]
    restored_pdf = empty_target.files_dir / pdf_path.removeprefix("files/")
    assert hashlib.sha256(restored_pdf.read_bytes()).hexdigest() == before["pdf_sha256"]


def test_restore_over_changed_data_needs_force_and_brings_it_back(app, session, settings, tmp_path):
    before = _make_data(session, settings)
    dest = tmp_path / "backup"
    backup.backup(settings, dest)

    # After the backup: a new disclosure, a new file, a row removed behind the app's back.
    principal = factories.principal(session)
    disclosure_service.create_draft(session, principal=principal, data=factories.disclosure_input(title="Sau sao lưu"),
                                    uploads=[disclosure_service.Upload(factories.pdf_bytes("Sau"), "sau.pdf")],
                                    store=settings.file_store)
    session.commit()
    session.execute(text("DELETE FROM audit_event WHERE seq = 1"))
    session.commit()
    assert not audit.verify(session, key=settings.resolved_secret_key()).ok
    session.close()

    with pytest.raises(BackupError, match="đã có dữ liệu.*--force"):
        backup.restore(settings, dest)

    result = backup.restore(settings, dest, force=True)
    assert result.audit_ok, result.audit_problems
    titles, checked, hashes = _snapshot(settings)
    assert titles == before["titles"] and checked == before["audit"] and hashes == [before["pdf_sha256"]]
    # The folder holds exactly the backup's files: the later upload went with the later data.
    assert [p.name for p in settings.files_dir.rglob("*") if p.is_file()] == [before["pdf_sha256"]]
    # The app, still running, sees the restored database.
    with session_for(app.state.engine, write=False) as s:
        assert sorted(d.title for d in s.exec(select(Disclosure)).all()) == before["titles"]


def test_a_damaged_backup_is_refused_before_anything_changes(session, settings, empty_target, tmp_path):
    before = _make_data(session, settings)
    dest = tmp_path / "backup"
    backup.backup(settings, dest)
    pdf = next((dest / "files").rglob(before["pdf_sha256"]))
    data = bytearray(pdf.read_bytes())
    data[100] ^= 0xFF
    pdf.write_bytes(bytes(data))

    with pytest.raises(BackupError, match="không khớp mã băm") as err:
        backup.restore(empty_target, dest)
    assert before["pdf_sha256"] in str(err.value)
    assert not empty_target.files_dir.exists()
    if not USING_PG:
        assert not (empty_target.data_dir / "minhbach.sqlite3").exists()


def test_missing_and_unlisted_files_are_refused(session, settings, tmp_path):
    _make_data(session, settings)
    dest = tmp_path / "backup"
    backup.backup(settings, dest)
    (dest / "files" / "extra.pdf").write_bytes(b"%PDF-1.4 added later")
    with pytest.raises(BackupError, match="extra.pdf: tệp không có trong manifest.json"):
        backup.verify(dest)
    (dest / "files" / "extra.pdf").unlink()
    database = dest / (backup.PGDUMP_NAME if USING_PG else backup.SQLITE_NAME)
    database.unlink()
    with pytest.raises(BackupError, match=f"{database.name}: thiếu tệp"):
        backup.verify(dest)
    with pytest.raises(BackupError, match="không có manifest.json"):
        backup.verify(tmp_path)


def test_backup_refuses_a_non_empty_destination(settings, tmp_path):
    settings.ensure_dirs()
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "other.txt").write_text("không phải của tôi")
    with pytest.raises(BackupError, match="rỗng"):
        backup.backup(settings, dest)
    assert sorted(p.name for p in dest.iterdir()) == ["other.txt"]


def test_the_generated_secret_key_travels_with_the_backup(tmp_path, database_url):
    """Without SECRET_KEY the key is generated in DATA_DIR; the audit chain is keyed with it, so
    the backup carries it and a restore on a new machine still verifies."""
    source = Settings(database_url=database_url, data_dir=tmp_path / "old", secret_key="")
    source.ensure_dirs()
    key = source.resolved_secret_key()
    engine = make_engine(database_url, pool_size=1)
    try:
        with session_for(engine, write=True, audit_key=key) as s:
            factories.user(s)
    finally:
        engine.dispose()
    backup.backup(source, tmp_path / "bk")
    assert stat.S_IMODE((tmp_path / "bk" / "secret_key").stat().st_mode) == 0o600

    if USING_PG:
        name = f"mb_restore_{uuid.uuid4().hex[:10]}"
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        target_url = _pg_url_for(name)
    else:
        target_url = f"sqlite:///{tmp_path / 'new' / 'minhbach.sqlite3'}"
    try:
        target = Settings(database_url=target_url, data_dir=tmp_path / "new", secret_key="")
        result = backup.restore(target, tmp_path / "bk")
        assert result.audit_ok and result.audit_checked >= 1
        assert target.resolved_secret_key() == key
    finally:
        if USING_PG:
            _pg_drop(admin, name)
            admin.dispose()


def test_a_backup_from_a_newer_schema_is_refused(session, settings, empty_target, tmp_path):
    _make_data(session, settings)
    dest = tmp_path / "backup"
    manifest = backup.backup(settings, dest)
    manifest.alembic_revision = "ffffffffffff"
    (dest / "manifest.json").write_text(manifest.to_json())
    with pytest.raises(BackupError, match="ffffffffffff"):
        backup.restore(empty_target, dest)


@pytest.mark.skipif(USING_PG, reason="SQLite only")
def test_an_old_sqlite_target_is_replaced_through_sqlite_not_under_it(session, settings, tmp_path):
    """A target left in WAL mode with its -wal file: the restore writes through SQLite's locking,
    so no stale WAL is replayed over the restored pages."""
    before = _make_data(session, settings)
    dest = tmp_path / "backup"
    backup.backup(settings, dest)
    target = Settings(database_url=f"sqlite:///{tmp_path / 't' / 'db.sqlite3'}", data_dir=tmp_path / "t",
                      secret_key="test-secret-key")
    target.ensure_dirs()
    upgrade(target.database_url)
    engine = make_engine(target.database_url, pool_size=1)
    try:
        with session_for(engine, write=True, audit_key="test-secret-key") as s:
            factories.published(s, factories.principal(s), title="Chỉ có ở nơi đích")
        assert (tmp_path / "t" / "db.sqlite3-wal").exists()
        result = backup.restore(target, dest, force=True)
        assert result.audit_ok
        assert _snapshot(target)[0] == before["titles"]
        with session_for(engine, write=False) as s:  # a connection opened before the restore
            assert _titles(s) == before["titles"]
    finally:
        engine.dispose()
    assert _snapshot(target)[0] == before["titles"]
