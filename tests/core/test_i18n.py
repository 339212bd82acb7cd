"""Translations: the English catalog covers every marked string, keeps its placeholders, and
the language switch works (and is protected like every other form).

The msgids are the Vietnamese source strings, extracted exactly as scripts/i18n-update does:
with babel.cfg (Python under app/, Jinja2 templates under templates/)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.core import i18n
from app.core.security import LANG_COOKIE
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
BABEL_CFG = ROOT / "babel.cfg"
EN_PO = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
FIX = "run scripts/i18n-update, then translate the new entries in translations/en/LC_MESSAGES/messages.po"

# A Vietnamese string on the home page and its English translation.
HOME_VI = "Văn bản công khai mới nhất"


def _extract() -> dict[str | tuple[str, ...], list[str]]:
    """Every marked message in the sources -> where it is (file:line)."""
    with BABEL_CFG.open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, str(BABEL_CFG))
    found: dict[str | tuple[str, ...], list[str]] = {}
    # Same keywords as scripts/i18n-update (-k _ -k N_ -k gettext -k ngettext:1,2, on top of
    # babel's defaults); babel.cfg lists them per section too and babel merges them in.
    keywords = {**DEFAULT_KEYWORDS, "_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        key = tuple(message) if isinstance(message, (list, tuple)) else message
        if key and (key[0] if isinstance(key, tuple) else key):
            found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def extracted():
    messages = _extract()
    assert messages, "extraction found no messages: check babel.cfg"
    return messages


@pytest.fixture(scope="module")
def catalog():
    assert EN_PO.exists(), f"{EN_PO.relative_to(ROOT)} is missing: {FIX}"
    with EN_PO.open("rb") as f:
        return read_po(f, locale="en")


def _translated(message) -> bool:
    if message is None or message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return bool(strings) and all(s and s.strip() for s in strings)


def test_extraction_picks_up_every_kind_of_marker(extracted):
    """babel.cfg really covers _(), i18n.gettext(), N_() and the templates."""
    ids = set(extracted)
    assert "Mật khẩu phải có ít nhất %d ký tự" in ids  # _() in a service
    assert ("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. "
            "Vui lòng tải lại trang và thử lại.") in ids  # i18n.gettext()
    assert "Ngân sách, tài chính" in ids  # N_() label
    assert HOME_VI in ids  # {{ _() }} in a template
    assert any(loc.startswith("templates/") for locs in extracted.values() for loc in locs)


def test_every_message_has_an_english_translation(extracted, catalog):
    missing = []
    for msgid, where in extracted.items():
        singular = msgid[0] if isinstance(msgid, tuple) else msgid
        entry = catalog.get(singular)
        if not _translated(entry):
            state = "missing" if entry is None else ("fuzzy" if entry.fuzzy else "untranslated")
            missing.append(f"  [{state}] {singular!r}  ({', '.join(where[:3])})")
        elif isinstance(msgid, tuple) and entry.id != msgid:
            missing.append(f"  [plural changed] {singular!r}  ({', '.join(where[:3])})")
    assert not missing, (
        f"{len(missing)} message(s) without an English translation; {FIX}:\n" + "\n".join(missing)
    )


def test_catalog_has_no_fuzzy_or_empty_entries(catalog):
    bad = [m.id for m in catalog if m.id and not _translated(m)]
    assert not bad, f"fuzzy or empty entries in {EN_PO.relative_to(ROOT)}: {bad}"


# printf-style conversions as Python's % operator reads them (used by `_("...") % x` and by
# Jinja's newstyle gettext, which always applies `%` with the keyword arguments).
_SPEC = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>.?)", re.S)
_CONVERSIONS = set("diouxXeEfFgGcrsa%")


def placeholders(text: str) -> tuple[Counter, tuple, list[str]]:
    """(named placeholders, positional conversions in order, malformed specs)."""
    named, positional, bad = Counter(), [], []
    for m in _SPEC.finditer(text):
        conv = m.group("conv")
        if conv not in _CONVERSIONS:
            bad.append(m.group(0))
        elif conv == "%":
            continue
        elif m.group("name") is not None:
            named[(m.group("name"), conv)] += 1
        else:
            positional.append(conv)
    return named, tuple(positional), bad


def _same(a: str, b: str) -> bool:
    na, pa, _ = placeholders(a)
    nb, pb, _ = placeholders(b)
    return set(na) == set(nb) and pa == pb


def test_translations_keep_the_placeholders(catalog):
    problems = []
    for m in catalog:
        if not m.id or not m.string:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for i, s in enumerate(strings):
            if not s:
                continue
            bad = placeholders(s)[2]
            if bad:
                problems.append(f"  {ids[0]!r} -> {s!r}: malformed % sequence {bad} (write a literal % as %%)")
            # msgstr[0] matches the singular, the others the plural (either is fine for [0]).
            targets = ids if i == 0 else ids[-1:]
            if not any(_same(t, s) for t in targets):
                problems.append(f"  {ids[0]!r} -> {s!r}: placeholders differ")
    assert not problems, "translations whose placeholders do not match their msgid:\n" + "\n".join(problems)


def test_placeholder_parser():
    assert placeholders("Phiên bản %(n)s, %(date)s") == (Counter({("n", "s"): 1, ("date", "s"): 1}), (), [])
    assert placeholders("%d MB, %s, 100%%") == (Counter(), ("d", "s"), [])
    assert placeholders("đạt 100%")[2]  # a bare % breaks `%` formatting
    assert not _same("giảm 50%%", "50% off")  # "% o" would be read as a conversion
    assert not _same("tối đa %d MB", "at most %s MB")
    assert not _same("từ %(a)s đến %(b)s", "from %(a)s")


# The language switch


def _switch(client, lang: str, next_path: str = "/", **kw):
    token = factories.csrf(client, "/")
    return client.post("/lang", data={"lang": lang, "next": next_path, "csrf_token": token}, **kw)


def test_language_switch_to_english_and_back(client):
    english = i18n.translations_for("en").gettext(HOME_VI)
    assert english and english != HOME_VI, f"{HOME_VI!r} is not translated; {FIX}"

    r = client.get("/")
    assert '<html lang="vi">' in r.text and HOME_VI in r.text

    r = _switch(client, "en")
    assert r.history and r.history[0].status_code == 303
    assert r.history[0].headers["location"] == "/"
    assert r.status_code == 200
    assert '<html lang="en">' in r.text
    assert english in r.text and HOME_VI not in r.text
    assert client.cookies.get(LANG_COOKIE) == "en"

    # The choice is remembered: a later visit is still in English.
    r = client.get("/")
    assert '<html lang="en">' in r.text and english in r.text and HOME_VI not in r.text
    r = client.get("/disclosures")
    assert '<html lang="en">' in r.text

    r = _switch(client, "vi")
    assert r.status_code == 200
    assert '<html lang="vi">' in r.text and HOME_VI in r.text and english not in r.text
    r = client.get("/")
    assert '<html lang="vi">' in r.text and HOME_VI in r.text


def test_language_switch_goes_back_to_the_page(client):
    r = _switch(client, "en", "/disclosures?q=ngan+sach", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/disclosures?q=ngan+sach"


def test_unknown_language_is_ignored(client):
    r = _switch(client, "xx", follow_redirects=False)
    assert r.status_code == 303
    assert LANG_COOKIE not in r.headers.get("set-cookie", "")
    assert '<html lang="vi">' in client.get("/").text


def test_language_switch_needs_the_csrf_token(client):
    client.get("/")  # the visitor has a CSRF cookie, but the form does not carry the token
    r = client.post("/lang", data={"lang": "en", "next": "/"}, follow_redirects=False)
    assert r.status_code == 403
    r = client.post("/lang", data={"lang": "en", "next": "/", "csrf_token": "x" * 43}, follow_redirects=False)
    assert r.status_code == 403
    assert client.cookies.get(LANG_COOKIE) is None
    assert '<html lang="vi">' in client.get("/").text


@pytest.mark.parametrize("target",
                         ["https://evil.example/", "//evil.example/", "http:evil.example", "javascript:alert(1)"])
def test_language_switch_never_redirects_off_site(client, target):
    r = _switch(client, "en", target, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/"


def test_language_switch_backslash_stays_on_site(client):
    """Browsers read "\\" as "/" in URLs: "/\\evil.example" must not become "//evil.example"."""
    r = _switch(client, "en", "/\\evil.example", follow_redirects=False)
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith("/") and not location.replace("\\", "/").startswith("//")
