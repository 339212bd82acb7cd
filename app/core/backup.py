"""Backups: a consistent copy of the database (SQLite's online backup API, or `pg_dump`), the
files folder and the generated secret key, with a manifest of SHA-256 hashes; and the way back.

A backup is a folder, private to its owner (0700/0600: it holds personal data):

    manifest.json           format, when, app version, schema revision, database kind, and the
                            path, size and SHA-256 of every other file
    database.sqlite3        SQLite: a single-file copy, never the live file (no WAL to forget)
    database.pgdump         PostgreSQL: `pg_dump --format=custom`
    files/ab/cd/<sha256>    the uploaded files, as in DATA_DIR/files
    secret_key              the key generated in DATA_DIR, when there is one: the audit chain is
                            keyed with it, so without it `audit-verify` cannot pass

`restore` checks every hash before it touches anything and refuses a target that already holds
data unless forced."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app.config import Settings

log = logging.getLogger("minhbach")

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_NAME = "database.sqlite3"
PGDUMP_NAME = "database.pgdump"
FILES = "files"
SECRET_KEY = "secret_key"
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message says why, for the operator."""


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the backup folder, with forward slashes
    size: int
    sha256: str


@dataclass
class Manifest:
    format: int
    created_at: str
    app_version: str
    alembic_revision: str | None
    database: str  # "sqlite" or "postgresql"
    files: list[FileEntry] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, raw: str) -> Manifest:
        data = json.loads(raw)
        data["files"] = [FileEntry(**f) for f in data.get("files", [])]
        return cls(**data)

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


@dataclass
class RestoreResult:
    manifest: Manifest
    audit_checked: int
    audit_problems: list[str]

    @property
    def audit_ok(self) -> bool:
        return not self.audit_problems


# --- backup ----------------------------------------------------------------------------------

def backup(settings: Settings, dest: Path) -> Manifest:
    """Write a backup of the database, the files folder and the secret key into `dest` (a new or
    empty folder)."""
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest}: thư mục đích phải chưa tồn tại hoặc rỗng (không ghi đè bản sao lưu khác).")
    old_umask = os.umask(0o077)  # everything created below is the owner's only
    try:
        dest.mkdir(parents=True, exist_ok=True)
        dest.chmod(0o700)
        kind = _kind(settings)
        if kind == "sqlite":
            revision = _backup_sqlite(_sqlite_path(settings), dest / SQLITE_NAME)
        else:
            revision = _backup_postgres(settings.database_url, dest / PGDUMP_NAME)
        _copy_tree(settings.files_dir, dest / FILES)
        key_file = settings.data_dir / SECRET_KEY
        if key_file.is_file():
            _copy_file(key_file, dest / SECRET_KEY)
        manifest = Manifest(format=FORMAT, created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                            app_version=_app_version(), alembic_revision=revision, database=kind,
                            files=_inventory(dest))
        _write_private(dest / MANIFEST, manifest.to_json().encode())
    finally:
        os.umask(old_umask)
    log.info("backup written to %s: %d files, %d bytes", dest, len(manifest.files), manifest.total_bytes)
    return manifest


def _backup_sqlite(source: Path, target: Path) -> str | None:
    if not source.is_file():
        raise BackupError(f"{source}: không có tệp cơ sở dữ liệu SQLite.")
    # The online backup API copies a consistent snapshot while the server keeps running (a
    # plain copy of a live file can miss the WAL or catch a page mid-write). All pages in one
    # step: under WAL a reader blocks no writer, and the copy is one point in time.
    src = sqlite3.connect(source)  # only read; a read-only URI cannot open a WAL file without its -shm
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            _check_sqlite(dst, target)
            revision = _sqlite_revision(dst)
        finally:
            dst.close()
    finally:
        src.close()
    target.chmod(0o600)
    return revision


def _backup_postgres(url: str, target: Path) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            revision = _revision(conn)
    finally:
        engine.dispose()
    conninfo, env = _libpq(url)
    _run([_tool("pg_dump"), "--format=custom", "--no-password", f"--file={target}", f"--dbname={conninfo}"], env)
    target.chmod(0o600)
    return revision


# --- restore ---------------------------------------------------------------------------------

def verify(source: Path) -> Manifest:
    """The backup's manifest, once every file it lists is present with its size and SHA-256 and
    no file is there that it does not list."""
    source = Path(source)
    manifest_file = source / MANIFEST
    if not manifest_file.is_file():
        raise BackupError(f"{source}: không có {MANIFEST}; đây không phải một bản sao lưu của Minh Bạch.")
    try:
        manifest = Manifest.from_json(manifest_file.read_text(encoding="utf-8"))
    except (ValueError, TypeError, KeyError) as exc:
        raise BackupError(f"{manifest_file}: không đọc được ({exc}).") from exc
    if manifest.format != FORMAT:
        raise BackupError(f"{manifest_file}: định dạng {manifest.format} không được hỗ trợ (cần {FORMAT}).")
    problems = []
    listed = set()
    for entry in manifest.files:
        path = source / entry.path
        listed.add(entry.path)
        if ".." in Path(entry.path).parts or Path(entry.path).is_absolute():
            problems.append(f"{entry.path}: đường dẫn không hợp lệ")
        elif not path.is_file():
            problems.append(f"{entry.path}: thiếu tệp")
        elif path.stat().st_size != entry.size or _sha256(path) != entry.sha256:
            problems.append(f"{entry.path}: nội dung không khớp mã băm trong {MANIFEST}")
    for path in _walk(source):
        rel = path.relative_to(source).as_posix()
        if rel != MANIFEST and rel not in listed:
            problems.append(f"{rel}: tệp không có trong {MANIFEST}")
    if problems:
        raise BackupError("Bản sao lưu bị hỏng hoặc đã bị sửa; không khôi phục gì:\n  " + "\n  ".join(problems))
    return manifest


def restore(settings: Settings, source: Path, *, force: bool = False) -> RestoreResult:
    """Put a backup back: check it, refuse a target that holds data (unless `force`), restore the
    database, then the files folder and the secret key; then walk the audit chain."""
    source = Path(source)
    manifest = verify(source)
    kind = _kind(settings)
    if manifest.database != kind:
        raise BackupError(f"Bản sao lưu là của {manifest.database}, còn DATABASE_URL trỏ tới {kind}: "
                          "không khôi phục chéo giữa hai loại cơ sở dữ liệu.")
    _check_revision_known(settings, manifest.alembic_revision)
    if not force:
        occupied = _occupied(settings)
        if occupied:
            raise BackupError(f"Nơi khôi phục đã có dữ liệu ({occupied}). Dùng --force để thay toàn bộ bằng "
                              "bản sao lưu.")
    if kind == "sqlite":
        _restore_sqlite(source / SQLITE_NAME, _sqlite_path(settings))
    else:
        _restore_postgres(source / PGDUMP_NAME, settings.database_url)
    _replace_files(source / FILES, settings.files_dir)
    if (source / SECRET_KEY).is_file():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        tmp = settings.data_dir / f".{SECRET_KEY}.restoring"
        _copy_file(source / SECRET_KEY, tmp)
        os.replace(tmp, settings.data_dir / SECRET_KEY)
    checked, problems = _audit(settings)
    log.info("backup %s restored (%s, revision %s)", source, manifest.created_at, manifest.alembic_revision)
    return RestoreResult(manifest=manifest, audit_checked=checked, audit_problems=problems)


def _restore_sqlite(backup_file: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # The backup API in reverse: it writes through SQLite's own locking, so the target's WAL and
    # any open connection see the restored content, never a file swapped under them.
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target, timeout=10)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
            _check_sqlite(dst, target)
        finally:
            dst.close()
    finally:
        src.close()


def _restore_postgres(dump: Path, url: str) -> None:
    conninfo, env = _libpq(url)
    # One transaction: a failure leaves the database as it was.
    _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", "--no-password", f"--dbname={conninfo}", str(dump)], env)


def _replace_files(source: Path, files_dir: Path) -> None:
    """Stage the backup's files next to the folder, then swap: the folder is never half-restored."""
    files_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = files_dir.with_name(f".{files_dir.name}.restoring")
    replaced = files_dir.with_name(f".{files_dir.name}.replaced")
    for leftover in (staging, replaced):
        if leftover.exists():
            shutil.rmtree(leftover)
    old_umask = os.umask(0o077)
    try:
        _copy_tree(source, staging)
    finally:
        os.umask(old_umask)
    if files_dir.exists():
        os.replace(files_dir, replaced)
    os.replace(staging, files_dir)
    if replaced.exists():
        shutil.rmtree(replaced)


def _occupied(settings: Settings) -> str:
    """What already holds data where a restore would write ("" when nothing does)."""
    found = []
    if _kind(settings) == "sqlite":
        path = _sqlite_path(settings)
        if path.exists() and path.stat().st_size > 0:
            conn = sqlite3.connect(path)
            try:
                if conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]:
                    found.append(str(path))
            finally:
                conn.close()
    else:
        engine = create_engine(settings.database_url)
        try:
            with engine.connect() as connection:
                if inspect(connection).get_table_names():
                    found.append(make_url(settings.database_url).render_as_string())
        finally:
            engine.dispose()
    if settings.files_dir.exists() and any(_walk(settings.files_dir)):
        found.append(str(settings.files_dir))
    return ", ".join(found)


def _check_revision_known(settings: Settings, revision: str | None) -> None:
    if revision is None:
        return
    from alembic.script import ScriptDirectory

    from app.migrate import alembic_config

    try:
        known = ScriptDirectory.from_config(alembic_config(settings.database_url)).get_revision(revision)
    except Exception:  # noqa: BLE001 - alembic's resolution errors have no common public base
        known = None
    if known is None:
        raise BackupError(f"Bản sao lưu ở phiên bản lược đồ {revision}, phiên bản này của Minh Bạch không biết "
                          "(bản sao lưu từ một phiên bản mới hơn?): hãy cài phiên bản đó rồi khôi phục.")


def _audit(settings: Settings) -> tuple[int, list[str]]:
    from app.accounts import audit
    from app.core.db import make_engine, session_for

    engine = make_engine(settings.database_url, pool_size=1)
    try:
        with session_for(engine, write=False) as session:
            report = audit.verify(session, key=settings.resolved_secret_key())
    finally:
        engine.dispose()
    return report.checked, report.problems


# --- helpers ---------------------------------------------------------------------------------

def _kind(settings: Settings) -> str:
    if settings.is_sqlite:
        return "sqlite"
    if make_url(settings.database_url).get_backend_name() == "postgresql":
        return "postgresql"
    raise BackupError(f"Không sao lưu được cơ sở dữ liệu loại {make_url(settings.database_url).get_backend_name()}.")


def _sqlite_path(settings: Settings) -> Path:
    database = make_url(settings.database_url).database
    if not database or database == ":memory:":
        raise BackupError("DATABASE_URL là SQLite trong bộ nhớ: không có gì để sao lưu.")
    return Path(database).resolve()


def _check_sqlite(conn: sqlite3.Connection, path: Path) -> None:
    result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{path}: kiểm tra toàn vẹn SQLite không đạt: {result}")


def _sqlite_revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def _revision(conn) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for the PostgreSQL tools, the password in the environment (never
    on a command line that `ps` shows)."""
    u = make_url(url)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    conninfo = u.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return conninfo, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"Không tìm thấy {name} (gói postgresql-client, cùng phiên bản chính với máy chủ hoặc mới "
                          "hơn): cài nó hoặc thêm vào PATH.")
    return path


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tool = Path(args[0]).name
        raise BackupError(f"{tool} thất bại (mã {done.returncode}): {done.stderr.strip() or done.stdout.strip()}")


def _walk(root: Path):
    """Regular files under `root`, in a stable order; temporary files of uploads in progress and
    of the health check (names starting with a dot) are not part of the data."""
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if not name.startswith(".") and path.is_file() and not path.is_symlink():
                yield path


def _copy_tree(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    target.chmod(0o700)
    for path in _walk(source):
        out = target / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        _copy_file(path, out)


def _copy_file(source: Path, target: Path) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, source.open("rb") as f:
        shutil.copyfileobj(f, out, _CHUNK)
        out.flush()
        os.fsync(out.fileno())


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _inventory(root: Path) -> list[FileEntry]:
    return [FileEntry(path=p.relative_to(root).as_posix(), size=p.stat().st_size, sha256=_sha256(p))
            for p in _walk(root) if p.name != MANIFEST]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _app_version() -> str:
    try:
        return metadata.version("minhbach")
    except metadata.PackageNotFoundError:
        return "unknown"
