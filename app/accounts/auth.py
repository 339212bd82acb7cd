"""Who a caller is and what it may do: the permissions of each staff role and of each API token
scope, the authenticated caller (`Principal`), and the hashing of passwords and secrets. Logging
in is app/accounts/login.py; browser sessions app/accounts/sessions.py; API tokens
app/accounts/tokens.py; account management app/accounts/users.py."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pwdlib import PasswordHash

from app.accounts import passwords
from app.accounts.audit import Actor
from app.core.errors import Forbidden
from app.core.i18n import N_, _
from app.models.user import Role, StaffUser

_hasher = PasswordHash.recommended()  # argon2id

# Least privilege: each role gets only what its work needs. Supervisors read, never write.
# Administrators administer accounts, rules and tokens, not cases: they hold no `complaint:*`,
# so a denouncer's identity reaches only the resolving leader and the handler a leader assigned.
_CASES_HANDLE = {"complaint:read", "complaint:intake", "complaint:handle"}
# Reception: `read` is sessions and counts; `register` names visitors (ID numbers masked);
# `personal` is the full ID number and the register's export; `reopen` a closed register.
_RECEPTION_KEEPER = {"reception:read", "reception:schedule", "reception:register", "reception:personal"}
PERMISSIONS: dict[str, frozenset[str]] = {
    Role.admin: frozenset({
        "staff:access", "disclosure:read", "disclosure:edit", "disclosure:publish",
        "user:manage", "audit:read", "rules:manage",
        "reception:read", "reception:schedule", "report:read", "token:manage",
    }),
    Role.leader: frozenset({"staff:access", "disclosure:read", "disclosure:edit", "disclosure:publish", "audit:read",
                            *_CASES_HANDLE, "complaint:assign", "complaint:resolve",
                            *_RECEPTION_KEEPER, "reception:reopen", "dialogue:manage", "report:read"}),
    Role.publisher: frozenset({"staff:access", "disclosure:read", "disclosure:edit", "disclosure:publish"}),
    Role.officer: frozenset({"staff:access", "disclosure:read", "disclosure:edit", *_CASES_HANDLE, "reception:read",
                             "dialogue:manage"}),
    Role.reception: frozenset({"staff:access", "disclosure:read", "complaint:read", "complaint:intake",
                               *_RECEPTION_KEEPER}),
    # Supervisors see how cases are handled and how often citizens are received; a denouncer's
    # identity and the register's names stay hidden from them.
    Role.supervisor: frozenset({"staff:access", "disclosure:read", "audit:read", "complaint:read", "reception:read",
                                "report:read"}),
}

# What an integration token's scope lets it do, in the same permission terms as a role.
SCOPES: dict[str, frozenset[str]] = {
    "disclosures:write": frozenset({"disclosure:read", "disclosure:edit", "disclosure:publish"}),
    "disclosures:read": frozenset({"disclosure:read"}),
    "complaints:read": frozenset({"complaint:read"}),
    "complaints:write": frozenset({"complaint:read", "complaint:intake"}),
    "reception:read": frozenset({"reception:read"}),
    "reception:personal": frozenset({"reception:read", "reception:personal"}),
    "reports:read": frozenset({"report:read"}),
}

# What each scope lets an integration do, in the words the administrator chooses by.
SCOPE_LABELS = {
    "disclosures:read": N_("Đọc văn bản đã công khai (không gồm bản nháp)"),
    "disclosures:write": N_("Soạn, đăng, sửa, thu hồi văn bản công khai"),
    "complaints:read": N_("Đọc hồ sơ đơn thư (không thấy danh tính người tố cáo)"),
    "complaints:write": N_("Nhập đơn thư (ví dụ từ ứng dụng phản ánh, Open311)"),
    "reception:read": N_("Đọc lịch và số liệu tiếp công dân"),
    "reception:personal": N_("Đọc sổ tiếp công dân có thông tin cá nhân"),
    "reports:read": N_("Đọc báo cáo định kỳ"),
}

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH


@dataclass(frozen=True)
class Principal:
    """An authenticated caller (staff user or token) with what it may do."""

    actor: Actor
    permissions: frozenset[str]
    user: StaffUser | None = None
    token_id: int | None = None  # when it came with an API token
    rate_limit: int = 0  # the token's calls per minute (0: no token, not limited here)

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def account(self) -> StaffUser:
        """The staff account itself, for the pages about one's own account: a token has none (403)."""
        if self.user is None:
            raise Forbidden(_("Trang này chỉ dành cho tài khoản cán bộ đăng nhập"))
        return self.user


def principal_for_user(user: StaffUser, client_addr: str = "", via: str = "user") -> Principal:
    actor = Actor(f"{via}:{user.username}", user.id, user.role, client_addr)
    return Principal(actor=actor, permissions=PERMISSIONS.get(user.role, frozenset()), user=user)


def hash_secret(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _hasher.verify(password, password_hash)
