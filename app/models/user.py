"""Staff accounts, their browser sessions, API tokens and login attempts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, Index, Integer, String, false
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow
from app.core.i18n import N_
from app.models.base import created_at_field, timestamp_field


class Role(StrEnum):
    admin = "admin"
    leader = "leader"
    officer = "officer"
    reception = "reception"
    publisher = "publisher"
    supervisor = "supervisor"


ROLE_LABELS = {
    Role.admin: N_("Quản trị hệ thống"),
    Role.leader: N_("Lãnh đạo UBND"),
    Role.officer: N_("Công chức chuyên môn"),
    Role.reception: N_("Cán bộ tiếp công dân"),
    Role.publisher: N_("Cán bộ công khai thông tin"),
    Role.supervisor: N_("Giám sát (MTTQ, HĐND, Ban TTND)"),
}


class StaffUser(SQLModel, table=True):
    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    full_name: str = Field(default="", max_length=200)
    role: str = Field(max_length=20)
    password_hash: str = Field(max_length=255)
    is_active: bool = True
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    # Set when an administrator reset the password: the holder is asked to choose their own.
    must_change_password: bool = Field(default=False, sa_column=Column(Boolean, nullable=False,
                                                                       server_default=false()))
    password_changed_at: datetime | None = timestamp_field()


class StaffSession(SQLModel, table=True):
    """A logged-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "staff_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    created_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    revoked_at: datetime | None = timestamp_field()
    client_addr: str = Field(default="", max_length=64)


class ApiToken(SQLModel, table=True):
    """A bearer token for integrations. Either scoped, or personal (acts as `user_id`)."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    scopes: str = Field(default="", max_length=500, description="space-separated")
    user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = created_at_field()
    last_used_at: datetime | None = timestamp_field()
    last_used_addr: str = Field(default="", sa_column=Column(String(64), nullable=False, server_default=""))
    # Calls allowed per minute; more get 429 with Retry-After (counted per process).
    rate_limit: int = Field(default=600, sa_column=Column(Integer, nullable=False, server_default="600"))
    revoked_at: datetime | None = timestamp_field()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class LoginAttempt(SQLModel, table=True):
    """A failed login, for throttling: counted per (username, client address) and per client
    address; from a trusted device (a browser that logged in as that user before), per device."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_client_at", "client_addr", "at"),
        Index("ix_login_attempt_device_at", "device", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    client_addr: str = Field(default="", max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    # The trusted device's random id (from its signed cookie); empty for an unknown browser.
    device: str = Field(default="", sa_column=Column(String(32), nullable=False, server_default=""))
