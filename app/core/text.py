"""Text helpers: diacritics folding for search, and safe Markdown."""

from __future__ import annotations

import re
import unicodedata

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4", "blockquote", "code", "pre",
    "table", "thead", "tbody", "tr", "th", "td", "hr",
}


def fold(text: str) -> str:
    """Lower-case and strip diacritics, including đ/Đ which Unicode does not decompose."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped).lower()


_TOKEN = re.compile(r"\w+", re.UNICODE)


def search_tokens(query: str, *, limit: int = 12) -> list[str]:
    """The folded words of a search query (bounded, so a pasted essay stays cheap)."""
    return _TOKEN.findall(fold(query))[:limit]


def render_markdown(source: str) -> str:
    """Markdown to HTML, then sanitised: raw HTML is off and only a small set of tags survives."""
    html = _md.render(source or "")
    return nh3.clean(html, tags=_ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")
