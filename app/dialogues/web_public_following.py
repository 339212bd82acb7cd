"""Following a dialogue or a commitment by e-mail: the request (rate-limited, answered the same
whether or not the address was new), the confirmation link, and one-click unsubscribe."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request

from app.core.deps import RowId, SessionDep
from app.core.forms import refused_by_service
from app.core.i18n import _
from app.core.ratelimit import limiter_for
from app.core.security import client_addr
from app.core.templating import render
from app.core.validation import limit
from app.dialogues import following
from app.models.dialogue import Follow

router = APIRouter(include_in_schema=False)

FOLLOW_LIMIT, FOLLOW_WINDOW = 10, 600  # follow requests per client per 10 minutes
NO_STORE = {"Cache-Control": "no-store"}
Email = Annotated[str, Form(max_length=limit(Follow, "email"))]
Token = Annotated[str, Query(alias="t", max_length=64)]


def _message(request: Request, title: str, message: str, *, status_code: int = 200, back: str = "/dialogues"):
    return render(request, "public/following.html", {"title": title, "message": message, "back": back},
                  status_code=status_code, headers=NO_STORE)


def _follow(request: Request, session, email: str, back: str, **target):
    limiter_for(request.app).hit(f"follow:{client_addr(request)}", FOLLOW_LIMIT, FOLLOW_WINDOW)
    with refused_by_service(session, shown=(422,)) as failed:
        following.follow(session, email=email, base_url=request.app.state.settings.public_base_url, **target)
    if failed:
        return _message(request, _("Chưa đăng ký được"), failed.message, status_code=failed.status_code, back=back)
    return _message(request, _("Kiểm tra hộp thư"),
                    _("Chúng tôi đã gửi thư xác nhận tới %s. Bấm đường dẫn trong thư để bắt đầu nhận tiến độ.")
                    % email.strip().lower(), back=back)


@router.post("/dialogues/{dialogue_id}/follow", name="dialogue_follow")
def follow_dialogue(request: Request, session: SessionDep, dialogue_id: RowId, email: Email = ""):
    return _follow(request, session, email, f"/dialogues/{dialogue_id}", dialogue_id=dialogue_id)


@router.post("/dialogues/commitments/{commitment_id}/follow", name="commitment_follow")
def follow_commitment(request: Request, session: SessionDep, commitment_id: RowId, email: Email = ""):
    return _follow(request, session, email, "/dialogues/commitments", commitment_id=commitment_id)


@router.get("/follow/{follow_id}/confirm", name="follow_confirm")
def confirm(request: Request, session: SessionDep, follow_id: RowId, t: Token = ""):
    following.confirm(session, follow_id=follow_id, given=t)
    return _message(request, _("Đã xác nhận theo dõi"),
                    _("Ông/bà sẽ nhận thư mỗi khi có tiến độ mới. Mỗi thư có đường dẫn hủy theo dõi."))


@router.get("/follow/{follow_id}/unsubscribe", name="follow_unsubscribe")
def unsubscribe(request: Request, session: SessionDep, follow_id: RowId, t: Token = ""):
    """One click from the mail: no form to fill, nothing to log in to."""
    following.unsubscribe(session, follow_id=follow_id, given=t)
    return _message(request, _("Đã hủy theo dõi"), _("Ông/bà sẽ không nhận thêm thư về nội dung này."))
