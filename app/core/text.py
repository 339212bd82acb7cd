"""Text helpers: diacritics folding for search, and safe Markdown."""

from __future__ import annotations

import re
import unicodedata

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

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


# Highlighting ------------------------------------------------------------------------------------

_WORD_START = r"(?<![^\W_])"


def highlight(value: str | None, terms: list[str] | str | None) -> Markup:
    """`value` escaped, with the words that start with a search term (diacritics and case
    ignored, as the search does) in <mark>. `terms`: folded words, or a query."""
    source = str(value or "")
    if isinstance(terms, str):
        terms = search_tokens(terms)
    if not terms or not source:
        return Markup(escape(source))
    folded = fold(source)
    owner = list(range(len(source)))  # the source character each folded one comes from
    if len(folded) != len(source):  # a character that folds to none (NFD marks) or to two
        pieces = [fold(ch) for ch in source]
        folded = "".join(pieces)
        owner = [i for i, p in enumerate(pieces) for _c in p]
    pattern = re.compile(_WORD_START + "(?:" + "|".join(re.escape(t) for t in sorted(set(terms), key=len,
                                                                                   reverse=True)) + ")")
    out: list[str] = []
    at = 0
    for m in pattern.finditer(folded):
        start, end = owner[m.start()], owner[m.end() - 1] + 1
        while end < len(source) and unicodedata.combining(source[end]):  # the last letter's marks
            end += 1
        if start < at:
            continue
        out.append(str(escape(source[at:start])))
        out.append("<mark>" + str(escape(source[start:end])) + "</mark>")
        at = end
    out.append(str(escape(source[at:])))
    return Markup("".join(out))
