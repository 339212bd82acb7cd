"""Search: ranked (every word in the title first, newest first), counted, highlighted, paged;
the same on SQLite (FTS5) and PostgreSQL (trigram)."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from app.core.text import highlight
from app.disclosures import search
from app.disclosures import service as disclosure_service
from tests import factories


@pytest.fixture
def publisher(session):
    return factories.principal(session, "publisher")


def ids(page) -> list[int]:
    return [d.id for d in page.items]


def test_the_title_matches_come_first_then_the_newest(session, publisher):
    budget = factories.published(session, publisher, title="Dự toán ngân sách phường năm 2026", body="",
                                 summary="", tags="")
    later = [factories.published(session, publisher, title=f"Thông báo số {i}", summary="",
                                 body="Kinh phí lấy từ ngân sách phường.", tags="") for i in range(5)]
    factories.published(session, publisher, title="Lịch tiếp công dân", body="", summary="", tags="")
    page = disclosure_service.list_public(session, q="ngan sach")
    # Published last, the notices mention the budget only in their text: the budget comes first.
    assert ids(page) == [budget.id, *[d.id for d in reversed(later)]]
    assert page.total == 6 and not page.more and page.next_cursor is None
    assert page.terms == ["ngan", "sach"]


def test_every_word_must_match_and_the_last_is_a_prefix(session, publisher):
    hit = factories.published(session, publisher, title="Phương án bồi thường đất đai", body="", summary="", tags="")
    factories.published(session, publisher, title="Phương án đối thoại", body="", summary="", tags="")
    assert ids(disclosure_service.list_public(session, q="dat da")) == [hit.id]
    assert ids(disclosure_service.list_public(session, q="Bồi thường")) == [hit.id]
    assert disclosure_service.list_public(session, q="dat khong").items == []
    assert disclosure_service.list_public(session, q="dat khong").total == 0


def test_pages_of_results_run_through_both_groups_without_repeats(session, publisher):
    titled = [factories.published(session, publisher, title=f"Hộ nghèo đợt {i}", body="", summary="", tags="")
              for i in range(4)]
    texted = [factories.published(session, publisher, title=f"Danh sách số {i}", body="Các hộ nghèo của tổ.",
                                  summary="", tags="") for i in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        page = disclosure_service.list_public(session, q="ho ngheo", limit=3, cursor=cursor)
        assert page.total == 9
        seen += ids(page)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [d.id for d in reversed(titled)] + [d.id for d in reversed(texted)]
    assert pages == 3


def test_a_full_first_group_ends_the_page_with_a_link_only_when_more_follow(session, publisher):
    for i in range(2):
        factories.published(session, publisher, title=f"Quy hoạch khu {i}", body="", summary="", tags="")
    page = disclosure_service.list_public(session, q="quy hoach", limit=2)
    assert len(page.items) == 2 and page.next_cursor is None


def test_filters_apply_to_the_results_and_the_total(session, publisher):
    a = factories.published(session, publisher, title="Ngân sách 2025", category="budget", fiscal_year=2025)
    factories.published(session, publisher, title="Ngân sách 2026", category="budget", fiscal_year=2026)
    factories.draft(session, publisher, title="Ngân sách nháp")
    page = disclosure_service.list_public(session, q="ngan sach", year=2025)
    assert ids(page) == [a.id] and page.total == 1
    assert disclosure_service.list_public(session, q="ngan sach").total == 2  # never the draft
    nothing = disclosure_service.list_public(session, q="ngan sach", year=1999)
    assert nothing.items == [] and nothing.total == 0


def test_the_total_is_counted_up_to_a_cap(session, publisher, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 2)
    for i in range(3):
        factories.published(session, publisher, title=f"Phí vệ sinh {i}", body="", summary="", tags="")
    page = disclosure_service.list_public(session, q="phi")
    assert page.total == 2 and page.more and len(page.items) == 3


def test_a_bad_cursor_is_a_clear_error(session, publisher):
    from app.core.errors import Invalid

    factories.published(session, publisher)
    for cursor in ("nonsense", "WyJyIiwgNSwgMV0", "WyJyIiwgMCwgLTFd"):
        with pytest.raises(Invalid):
            disclosure_service.list_public(session, q="ngan", cursor=cursor)


def test_highlight_marks_word_starts_ignoring_diacritics_and_escapes():
    assert highlight("Đất đai <b>tổ 5</b>", "dat") == Markup("<mark>Đất</mark> đai &lt;b&gt;tổ 5&lt;/b&gt;")
    assert highlight("Bồi thường, hỗ trợ", ["ho", "tro"]) == Markup("Bồi thường, <mark>hỗ</mark> <mark>trợ</mark>")
    assert highlight("nghèo", "ngh") == Markup("<mark>ngh</mark>èo")
    assert highlight("Khoản thu", "thu") == Markup("Khoản <mark>thu</mark>")  # not inside "Khoản"
    assert highlight("<script>", "") == Markup("&lt;script&gt;")
    assert highlight("x <mark>", "mark") == Markup("x &lt;<mark>mark</mark>&gt;")
    # Text in decomposed form (NFD) folds to fewer characters: still marked in the right place.
    import unicodedata
    nfd = unicodedata.normalize("NFD", "Về đất đai")  # V e ̂ ̀ _ đ a ̂ ́ t _ đ a i
    assert highlight(nfd, "dat") == Markup(nfd[:5] + "<mark>" + nfd[5:10] + "</mark>" + nfd[10:])
    assert highlight(nfd, "ve") == Markup("<mark>" + nfd[:4] + "</mark>" + nfd[4:])


def test_the_list_shows_the_total_and_marks_the_words(client, session, publisher):
    factories.published(session, publisher, title="Danh sách hộ nghèo năm 2026", summary="Hộ nghèo & cận nghèo")
    html = client.get("/disclosures", params={"q": "ho ngheo"}).text
    assert "1 văn bản phù hợp" in html
    assert "Danh sách <mark>hộ</mark> <mark>nghèo</mark> năm 2026" in html
    assert "<mark>Hộ</mark> <mark>nghèo</mark> &amp; cận <mark>nghèo</mark>" in html
    assert "văn bản phù hợp" not in client.get("/disclosures").text  # no query: the plain list
