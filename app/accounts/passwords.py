"""The password rule: long enough, and not guessable (zxcvbn: common passwords, keyboard runs,
repeats, dates, and words taken from the account itself are all scored low)."""

from __future__ import annotations

import secrets

from zxcvbn import zxcvbn

from app.core.errors import Invalid
from app.core.i18n import N_, _

MIN_LENGTH = 10
# Argon2 hashes anything, but a megabyte of password is an attack on the CPU, not a password.
MAX_LENGTH = 200
# zxcvbn's score: 0 too guessable ... 4 very unguessable; 3 resists an offline attack on a slow hash.
MIN_SCORE = 3
# zxcvbn only looks at the start of a long password (it is slow on long input); the rest only adds.
_SCORED_PREFIX = 100
# Passwords printed in public documents (README's demo accounts): never acceptable as a new one.
PUBLISHED = frozenset({"minhbach-demo"})

# zxcvbn's English warnings, in the UI's language.
WARNINGS = {
    "Straight rows of keys are easy to guess.": N_("Một hàng phím liền nhau rất dễ đoán."),
    "Short keyboard patterns are easy to guess.": N_("Các mẫu phím ngắn rất dễ đoán."),
    'Repeats like "aaa" are easy to guess.': N_("Lặp lại một ký tự (như \"aaa\") rất dễ đoán."),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        N_("Lặp lại một chuỗi (như \"abcabc\") chỉ khó đoán hơn chuỗi gốc một chút."),
    'Sequences like "abc" or "6543" are easy to guess.': N_("Các dãy như abc hoặc 6543 rất dễ đoán."),
    "Recent years are easy to guess.": N_("Năm gần đây rất dễ đoán."),
    "Dates are often easy to guess.": N_("Ngày tháng thường rất dễ đoán."),
    "This is a top-10 common password.": N_("Đây là một trong 10 mật khẩu phổ biến nhất."),
    "This is a top-100 common password.": N_("Đây là một trong 100 mật khẩu phổ biến nhất."),
    "This is a very common password.": N_("Đây là một mật khẩu rất phổ biến."),
    "This is similar to a commonly used password.": N_("Mật khẩu này giống một mật khẩu phổ biến."),
    "A word by itself is easy to guess.": N_("Một từ đứng riêng rất dễ đoán."),
    "Names and surnames by themselves are easy to guess.": N_("Tên hoặc họ đứng riêng rất dễ đoán."),
    "Common names and surnames are easy to guess.": N_("Tên và họ phổ biến rất dễ đoán."),
}


def _words(*inputs: str) -> list[str]:
    """The account's own words (username, full name and their parts) for zxcvbn to penalise."""
    words: set[str] = set()
    for text in inputs:
        text = (text or "").strip().lower()
        if not text:
            continue
        words.add(text)
        for sep in (".", "_", "-"):
            text = text.replace(sep, " ")
        words.update(w for w in text.split() if len(w) >= 2)
    return sorted(words)


def check(password: str, *, user_inputs: tuple[str, ...] = (), field: str = "password") -> None:
    """Refuse a password that is too short, too long, or guessable; the message says why."""
    if len(password) < MIN_LENGTH:
        raise Invalid(_("Mật khẩu phải có ít nhất %d ký tự") % MIN_LENGTH, fields={field: "short"})
    if len(password) > MAX_LENGTH:
        raise Invalid(_("Mật khẩu dài quá %d ký tự") % MAX_LENGTH, fields={field: "long"})
    result = zxcvbn(password[:_SCORED_PREFIX], user_inputs=_words(*user_inputs))
    if result["score"] < MIN_SCORE:
        warning = result["feedback"].get("warning") or ""
        reason = _(WARNINGS[warning]) if warning in WARNINGS else ""
        message = _("Mật khẩu quá dễ đoán.")
        if reason:
            message += " " + reason
        message += " " + _("Hãy dùng một cụm gồm vài từ không liên quan đến nhau, không chứa tên của bạn, "
                           "tên đăng nhập, ngày tháng hay dãy phím liền nhau.")
        raise Invalid(message, fields={field: "weak"})


def check_new(password: str, *, current_hash_matches: bool, user_inputs: tuple[str, ...] = (),
              field: str = "new_password") -> None:
    """The rule for a changed or reset password: the rule above, not the published demo
    password, and not the password it replaces."""
    if password.strip().lower() in PUBLISHED:
        raise Invalid(_("Mật khẩu này đã được công bố (tài khoản mẫu); hãy chọn mật khẩu khác"),
                      fields={field: "published"})
    if current_hash_matches:
        raise Invalid(_("Mật khẩu mới phải khác mật khẩu hiện tại"), fields={field: "unchanged"})
    check(password, user_inputs=user_inputs, field=field)


def generate() -> str:
    """A temporary password an administrator hands over: 4 groups of 4 characters, unambiguous
    letters and digits (no 0/O, 1/l/I), about 80 bits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
