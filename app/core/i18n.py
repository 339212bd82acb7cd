"""Translations. Source strings are Vietnamese (the product's language); `translations/`
holds the other catalogs (English). The locale of the current request lives in a context
variable, so services and templates translate without passing it around."""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parents[2] / "translations"
LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
DEFAULT_LOCALE = "vi"

_locale: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)


def set_locale(locale: str) -> None:
    _locale.set(locale if locale in LANGUAGES else DEFAULT_LOCALE)


def get_locale() -> str:
    return _locale.get()


@lru_cache
def translations_for(locale: str) -> _gettext.NullTranslations:
    """Compile the .po catalog in memory: no build step, the .po file is the source of truth."""
    po = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT_LOCALE or not po.exists():
        return Translations()  # the source strings are Vietnamese already
    with po.open("rb") as f:
        catalog = read_po(f, locale=locale)
    buf = BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf)


def current_translations() -> _gettext.NullTranslations:
    return translations_for(get_locale())


def gettext(message: str) -> str:
    return current_translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return current_translations().ngettext(singular, plural, n)


_ = gettext


class LazyString(str):
    """A message marked at import time and translated when shown (labels, error messages)."""

    message: str

    def __new__(cls, message: str):
        obj = super().__new__(cls, message)
        obj.message = message
        return obj

    def __str__(self) -> str:
        return gettext(self.message)

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))


def N_(message: str) -> LazyString:  # noqa: N802 - the gettext convention; babel.cfg extracts N_()
    return LazyString(message)
