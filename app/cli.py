"""Administration commands: `minhbach run | migrate | create-user | passwd | user-disable | user-enable |
end-sessions | create-token | seed-demo | audit-verify`."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import select

from app.accounts import audit, auth, tokens, users
from app.accounts.audit import Actor
from app.config import get_settings
from app.core.db import make_engine, session_for
from app.core.errors import AppError
from app.models.user import Role, StaffUser

cli = typer.Typer(help="Minh Bạch: cổng công khai, minh bạch cấp phường/xã.", no_args_is_help=True,
                  add_completion=False)
CLI_ACTOR = Actor.system("cli")
# Whoever runs the command on the server administers accounts (and nothing else through it).
CLI_PRINCIPAL = auth.Principal(actor=CLI_ACTOR, permissions=frozenset({"user:manage"}))


def _engine():
    return make_engine(get_settings().database_url)


def _session(*, write: bool):
    return session_for(_engine(), write=write, audit_key=get_settings().resolved_secret_key())


def _fail(message: str) -> None:
    typer.echo(f"Lỗi: {message}", err=True)
    raise typer.Exit(1)


@cli.command()
def migrate() -> None:
    """Bring the database named by DATABASE_URL to the latest schema."""
    from app.migrate import upgrade

    upgrade(get_settings().database_url)
    typer.echo("Cơ sở dữ liệu đã ở phiên bản mới nhất.")


@cli.command()
def run(
    host: str = "127.0.0.1",
    port: int = 8000,
    demo: Annotated[bool, typer.Option(help="Load the demo data when the database has no staff yet")] = False,
    reload: bool = False,
    workers: int = 1,
) -> None:
    """Migrate, then serve the portal with uvicorn."""
    import uvicorn

    from app.migrate import upgrade

    settings = get_settings()
    settings.ensure_dirs()
    upgrade(settings.database_url)
    if demo:
        from app.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo

        with _session(write=True) as session:
            if session.exec(select(StaffUser)).first() is None:
                seed_demo(session, settings)
                session.commit()
                typer.echo(f"Đã nạp dữ liệu mẫu. Tài khoản cán bộ (đăng nhập ở http://{host}:{port}/staff/login), "
                           f"mật khẩu chung: {DEMO_PASSWORD}")
                for username, role, name in DEMO_USERS:
                    typer.echo(f"  {username:<10} {role.value:<11} {name}")
                typer.echo("Đổi hoặc khóa các tài khoản này trước khi dùng thật: minhbach passwd TÊN, "
                           "minhbach user-disable TÊN, hoặc trang /staff/account.")
    uvicorn.run("app.main:create_app", factory=True, host=host, port=port, reload=reload, workers=workers,
                proxy_headers=True)


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Mật khẩu: ")
    if first != getpass.getpass("Nhập lại mật khẩu: "):
        _fail("hai lần nhập mật khẩu không khớp")
    return first


@cli.command("create-user")
def create_user(
    username: str,
    role: Annotated[Role, typer.Option(help="admin, leader, officer, reception, publisher or supervisor")],
    full_name: Annotated[str, typer.Option(help="Họ và tên")] = "",
) -> None:
    """Create a staff account. The password is asked for, or read from standard input."""
    password = _read_password()
    with _session(write=True) as session:
        try:
            user = users.create_user(session, actor=CLI_ACTOR, username=username, role=role.value,
                                     password=password, full_name=full_name)
        except AppError as exc:
            _fail(str(exc.message))
        session.commit()
        typer.echo(f"Đã tạo tài khoản {user.username} ({user.role}).")


def _account(session, username: str) -> StaffUser:
    try:
        return users.user_by_username(session, username)
    except AppError as exc:
        _fail(str(exc.message))
        raise  # unreachable: _fail exits


@cli.command("passwd")
def passwd(
    username: str,
    temporary: Annotated[bool, typer.Option("--temporary", help="The user must choose a new password at the "
                                                                "next login")] = False,
) -> None:
    """Set an account's password (asked for twice, or read from standard input). Every session
    of the account ends."""
    password = _read_password()
    with _session(write=True) as session:
        user = _account(session, username)
        assert user.id is not None  # a stored account
        try:
            users.reset_password(session, principal=CLI_PRINCIPAL, user_id=user.id, password=password,
                                 temporary=temporary)
        except AppError as exc:
            _fail(str(exc.message))
        session.commit()
        typer.echo(f"Đã đặt mật khẩu mới cho {user.username}; mọi phiên đăng nhập của tài khoản đã kết thúc.")


def _set_active(username: str, active: bool) -> None:
    with _session(write=True) as session:
        user = _account(session, username)
        assert user.id is not None  # a stored account
        try:
            users.set_active(session, principal=CLI_PRINCIPAL, user_id=user.id, active=active)
        except AppError as exc:
            _fail(str(exc.message))
        session.commit()
        typer.echo(f"Đã kích hoạt lại tài khoản {user.username}." if active else
                   f"Đã vô hiệu hóa tài khoản {user.username}; mọi phiên đăng nhập đã kết thúc.")


@cli.command("user-disable")
def user_disable(username: str) -> None:
    """Disable an account: it cannot log in and its sessions end at once."""
    _set_active(username, False)


@cli.command("user-enable")
def user_enable(username: str) -> None:
    """Let a disabled account log in again."""
    _set_active(username, True)


@cli.command("end-sessions")
def end_sessions(username: str) -> None:
    """End every browser session of an account at once."""
    with _session(write=True) as session:
        user = _account(session, username)
        assert user.id is not None  # a stored account
        ended = users.end_user_sessions(session, principal=CLI_PRINCIPAL, user_id=user.id)
        session.commit()
        typer.echo(f"Đã kết thúc {ended} phiên đăng nhập của {user.username}.")


@cli.command("create-token")
def create_token(
    name: str,
    scope: Annotated[list[str] | None, typer.Option(help="e.g. disclosures:write; repeat for several")] = None,
    user: Annotated[str | None, typer.Option(help="Make a personal token acting as this staff user")] = None,
) -> None:
    """Create an API token and print it (only once: only its hash is stored)."""
    with _session(write=True) as session:
        owner = None
        if user:
            owner = session.exec(select(StaffUser).where(StaffUser.username == user.strip().lower())).first()
            if owner is None:
                _fail(f"không có tài khoản {user}")
        try:
            token = tokens.create_token(session, actor=CLI_ACTOR, name=name, scopes=scope or [], user=owner)
        except AppError as exc:
            _fail(str(exc.message))
        session.commit()
    typer.echo(token)


@cli.command("seed-demo")
def seed_demo_command() -> None:
    """Load realistic demo data (staff of every role, 30+ disclosures with PDF files)."""
    from app.demo import seed_demo
    from app.migrate import upgrade

    settings = get_settings()
    settings.ensure_dirs()
    upgrade(settings.database_url)
    with _session(write=True) as session:
        if session.exec(select(StaffUser).where(StaffUser.username == "admin")).first():
            typer.echo("Dữ liệu mẫu đã có; không nạp lại.")
            return
        seed_demo(session, settings)
        session.commit()
    typer.echo("Đã nạp dữ liệu mẫu.")


@cli.command("send-mail")
def send_mail() -> None:
    """Send the e-mail that is due in the outbox now (the server also does this every
    MAIL_INTERVAL_SECONDS)."""
    from app.integration import outbox

    settings = get_settings()
    if not settings.smtp_host:
        _fail("SMTP_HOST chưa được đặt")
    with _session(write=True) as session:
        sent = outbox.deliver_due(session, outbox.SmtpSettings.from_settings(settings))
    typer.echo(f"Đã gửi {sent} thư.")


@cli.command("reception-sync")
def reception_sync() -> None:
    """Generate the reception sessions of the recurring rules ahead (the server does this every
    few hours; run it after changing rules from outside the portal)."""
    from app.reception import schedule as reception_schedule

    with _session(write=True) as session:
        result = reception_schedule.sync(session)
        session.commit()
    typer.echo(f"Đã thêm {result.added} buổi tiếp, bỏ {result.removed} buổi không còn áp dụng.")


@cli.command("audit-verify")
def audit_verify() -> None:
    """Check the audit log's hash chain; exit 1 and list every problem found."""
    with _session(write=False) as session:
        report = audit.verify(session, key=get_settings().resolved_secret_key())
    if report.ok:
        typer.echo(f"Nhật ký toàn vẹn: {report.checked} bản ghi, không phát hiện sửa, chèn hay xóa.")
        return
    for p in report.problems:
        typer.echo(p, err=True)
    typer.echo(f"PHÁT HIỆN {len(report.problems)} vấn đề trong {report.checked} bản ghi.", err=True)
    raise typer.Exit(1)



@cli.command()
def backup(dest: Annotated[Path, typer.Argument(help="A new or empty folder")]) -> None:
    """Back up the database (online), the files folder and the secret key into DEST, with a manifest of SHA-256 hashes."""  # noqa: E501 - typer shows this line as is in `minhbach --help`: a break would show there
    from app.core import backup as backup_service

    try:
        manifest = backup_service.backup(get_settings(), dest)
    except backup_service.BackupError as exc:
        _fail(str(exc))
    typer.echo(f"Đã sao lưu vào {dest}: {len(manifest.files)} tệp, {manifest.total_bytes:,} byte "
               f"(lược đồ {manifest.alembic_revision}).")


@cli.command()
def restore(
    source: Annotated[Path, typer.Argument(help="A folder written by `minhbach backup`")],
    force: Annotated[bool, typer.Option(help="Replace a database and files folder that already hold data")] = False,
) -> None:
    """Restore a backup after checking every hash; refuses a target holding data unless --force."""
    from app.core import backup as backup_service

    try:
        result = backup_service.restore(get_settings(), source, force=force)
    except backup_service.BackupError as exc:
        _fail(str(exc))
    typer.echo(f"Đã khôi phục bản sao lưu lúc {result.manifest.created_at} (lược đồ "
               f"{result.manifest.alembic_revision}).")
    if not result.audit_ok:
        for p in result.audit_problems:
            typer.echo(p, err=True)
        _fail(f"Nhật ký kiểm toán không toàn vẹn ({len(result.audit_problems)} vấn đề): SECRET_KEY có đúng là "
              "khóa của bản sao lưu không?")
    typer.echo(f"Nhật ký toàn vẹn: {result.audit_checked} bản ghi.")

def main() -> None:
    cli()


if __name__ == "__main__":
    main()
