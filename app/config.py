"""Settings, read from the environment (and a `.env` file when present).

Every setting here is documented in README.md; keep the two in step.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Uploaded files, SQLite file, generated secret key")
    database_url: str = Field(default="", description="SQLAlchemy URL; default: SQLite file in DATA_DIR")
    secret_key: str = Field(default="", description="Signs sessions and CSRF tokens; generated and kept on first run")

    ward_name: str = "Phường Phú La"
    ward_code: str = "09552"
    ward_address: str = "Số 1 Phố Văn Phú, phường Phú La, Hà Nội"
    parent_authority: str = "Ủy ban nhân dân thành phố Hà Nội"
    rules_region: str = Field(default="hanoi", max_length=30,
                              description="The regional version of the rules the ward follows (a rule's variant, "
                                          "e.g. Hà Nội's 2 dialogues a year); empty: the national law only")
    public_base_url: str = Field(default="http://127.0.0.1:8000",
                                 description="Absolute address used in QR codes and feeds")

    max_upload_mb: int = Field(default=20, ge=1, le=200)
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    cookie_secure: bool = Field(default=False, description="Send cookies only over HTTPS (set true behind TLS)")
    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    single_session: bool = Field(default=False, description="A new login ends the user's other sessions")

    smtp_host: str = Field(default="", description="mail server; empty: messages wait in the outbox")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_from: str = "Minh Bach <no-reply@localhost>"
    mail_interval_seconds: int = Field(default=30, ge=0, description="0: no background sender (use minhbach send-mail)")
    webhook_interval_seconds: int = Field(default=15, ge=0, description="How often webhook deliveries are sent; 0: "
                                                                        "never (deliveries wait)")
    stats_warmup: bool = Field(default=True, description="Compute the figures of /stats in the background "
                                                         "shortly after start and after each midnight, so no "
                                                         "visitor waits for them")
    webhook_allow_loopback: bool = Field(default=False, description="Accept webhook endpoints on this machine "
                                                                    "(127.0.0.1, over HTTP too): development and "
                                                                    "tests only")

    # Busy databases answer 503 with Retry-After instead of making a request wait without end.
    db_pool_size: int = Field(default=40, ge=1, le=500, description="Connections each process keeps; match the "
                                                                   "thread pool (40), so no request waits for one")
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0, description="SQLite: how long a writer waits for another "
                                                                        "process's write lock before a 503")
    db_lock_timeout_ms: int = Field(default=5000, ge=0, description="PostgreSQL lock_timeout (0: none)")
    db_statement_timeout_ms: int = Field(default=30000, ge=0, description="PostgreSQL statement_timeout (0: none)")

    # Per client address, per process: cases filed (form, API and Open311 together), and code
    # lookups and ratings (page and API together), within a window of seconds.
    intake_limit: int = Field(default=5, ge=1)
    intake_window_seconds: int = Field(default=600, ge=1)
    track_limit: int = Field(default=20, ge=1)
    track_window_seconds: int = Field(default=600, ge=1)

    open311_public_posting: bool = Field(
        default=False, description="Open311: accept POST requests.json without an api_key (feedback from anyone, "
                                   "rate-limited per client like the web form); false: a token with "
                                   "complaints:write is required")

    @model_validator(mode="after")
    def _defaults(self) -> "Settings":
        self.data_dir = self.data_dir.resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'minhbach.sqlite3'}"
        return self

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def file_store(self):
        from app.core.files import FileStore

        return FileStore(self.files_dir, self.max_upload_bytes)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if not self.database_url.startswith(prefix) or ":memory:" in self.database_url:
            return None
        return Path(self.database_url[len(prefix):].split("?", 1)[0])

    def ensure_dirs(self) -> None:
        """The data folder (personal data: the database, uploads, the key) readable by the service
        account only: 0700 folders and a 0600 SQLite file, made so before SQLite creates it."""
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.files_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        db = self.sqlite_path
        for path, mode in ((self.data_dir, 0o700), (self.files_dir, 0o700), (db, 0o600)):
            if path is None:
                continue
            if path == db and not path.exists():
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # SQLite gives -wal/-shm the same mode
            try:
                if path.stat().st_mode & 0o077:
                    path.chmod(mode)  # an install from before this rule: tighten it
            except OSError:
                pass  # not ours to change (a read-only mount, another owner): left as the operator set it

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated once and kept in DATA_DIR so sessions survive restarts."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
