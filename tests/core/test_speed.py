"""What keeps pages light and fast: /stats figures computed once a day, versioned static files
kept for a year, gzip, htmx only where used, a favicon, and every public page's first view
within 30 KB on the wire (HTML and the CSS and JS it links)."""

from __future__ import annotations

import gzip
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from app.core import static_files
from app.main import create_app
from app.reporting import stats, web_public
from tests import factories

FIRST_VIEW_LIMIT = 30 * 1024


# /stats: once a day -------------------------------------------------------------------------------

def test_the_figures_are_computed_once_a_day(session, monkeypatch):
    calls: list[date] = []
    real = stats.public_stats

    def counted(session, *, today=None, region=""):
        calls.append(today)
        assert region == "hanoi"  # the figures follow the ward's regional rules
        return real(session, today=today, region=region)

    monkeypatch.setattr(stats, "public_stats", counted)
    daily = stats.DailyFigures("hanoi")
    first = daily.get(session, today=date(2026, 12, 3))
    assert daily.get(session, today=date(2026, 12, 3)) is first
    assert calls == [date(2026, 12, 3)]
    # The next day (or any other): computed again, never yesterday's.
    assert daily.get(session, today=date(2026, 12, 4)) is not first
    assert calls == [date(2026, 12, 3), date(2026, 12, 4)]


def test_the_page_uses_the_days_figures_and_each_app_its_own(app, client, monkeypatch):
    days = iter([date(2026, 12, 3), date(2026, 12, 3), date(2026, 12, 4)])
    monkeypatch.setattr(web_public, "local_today", lambda: next(days))
    assert client.get("/stats").status_code == 200
    held = app.state.stats_figures
    figures = held._figures
    assert client.get("/stats/cases-by-kind.csv").status_code == 200
    assert held._figures is figures  # the same day: not computed again
    assert client.get("/stats").status_code == 200
    assert held._figures[0] == date(2026, 12, 4) and held._figures is not figures


def test_the_days_figures_are_ready_before_the_first_visitor(settings, monkeypatch):
    """The app computes them in the background shortly after it starts (and after each
    midnight), so the first visitor of the day does not wait for them."""
    import time

    from app import main

    monkeypatch.setattr(main, "STATS_WARM_DELAY_SECONDS", 0)
    application = create_app(settings.model_copy(update={"stats_warmup": True}))
    daily = application.state.stats_figures
    try:
        with TestClient(application, base_url="http://testserver") as c:
            give_up = time.monotonic() + 20
            while daily.stale(main.local_today()) and time.monotonic() < give_up:
                time.sleep(0.05)
            assert not daily.stale(main.local_today()), "the figures were not computed in the background"
            figures = daily._figures
            assert c.get("/stats").status_code == 200
            assert daily._figures is figures  # the page used them: not computed again
    finally:
        application.state.engine.dispose()


# Static files, gzip, favicon ----------------------------------------------------------------------

@pytest.fixture
def served(settings):
    application = create_app(settings)
    with TestClient(application, base_url="http://testserver") as c:
        yield c
    application.state.engine.dispose()


def test_static_urls_carry_the_contents_version(served):
    url = static_files.static_url("css/site.css")
    assert re.fullmatch(r"/static/css/site\.css\?v=[0-9a-f]{12}", url)
    assert static_files.static_url("nope.css") == "/static/nope.css"
    assert static_files.version("../app/main.py") is None
    html = served.get("/").text
    assert f'href="{url}"' in html


def test_a_versioned_file_is_kept_for_a_year_and_any_other_revalidated(served):
    url = static_files.static_url("css/site.css")
    r = served.get(url)
    assert r.status_code == 200 and r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.get("/static/css/site.css").headers["cache-control"] == "no-cache"
    assert served.get("/static/css/site.css?v=000000000000").headers["cache-control"] == "no-cache"
    assert served.get("/static/css/missing.css?v=1").status_code == 404


def test_html_css_and_js_are_gzipped(served):
    for path in ("/", static_files.static_url("css/site.css"), static_files.static_url("vendor/htmx-2.0.11.min.js")):
        r = served.get(path, headers={"Accept-Encoding": "gzip"})
        assert r.headers.get("content-encoding") == "gzip", path


def test_the_favicon(served):
    r = served.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"] == "image/x-icon"
    assert r.content[:4] == b"\x00\x00\x01\x00" and "max-age" in r.headers["cache-control"]
    assert f'<link rel="icon" href="{static_files.static_url("favicon.svg")}"' in served.get("/").text
    assert served.get(static_files.static_url("favicon.svg")).status_code == 200


# First view ---------------------------------------------------------------------------------------

def wire_bytes(r) -> int:
    """Bytes of a response body on the wire: as compressed when it was compressed."""
    if r.headers.get("content-encoding") == "gzip":
        return int(r.headers.get("content-length") or len(gzip.compress(r.content)))
    return len(r.content)


def first_view(client, path: str) -> tuple[int, list[str]]:
    r = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200, path
    links = re.findall(r'<(?:link rel="stylesheet"|script)[^>]*(?:href|src)="(/static/[^"]+)"', r.text)
    total = wire_bytes(r)
    for link in dict.fromkeys(links):
        s = client.get(link, headers={"Accept-Encoding": "gzip"})
        assert s.status_code == 200, link
        total += wire_bytes(s)
    return total, links


@pytest.mark.today("2026-12-03")
def test_every_public_page_is_at_most_30_kb_on_first_view(served, session):
    publisher = factories.principal(session, "publisher")
    disclosures = [factories.published(session, publisher, title=f"Dự toán ngân sách phường năm {2000 + i}",
                                       summary="Dự toán thu, chi ngân sách " * 8, fiscal_year=2000 + i)
                   for i in range(25)]
    pages = ["/", "/disclosures", "/disclosures?q=ngan+sach", f"/disclosures/{disclosures[0].id}",
             f"/disclosures/{disclosures[0].id}/notice", "/stats", "/dialogues", "/dialogues/commitments",
             "/reception", "/track", "/complaints/new"]
    sizes = {}
    for path in pages:
        sizes[path], links = first_view(served, path)
        uses_htmx = "data-hx-get" in served.get(path).text or "data-hx-post" in served.get(path).text
        assert any("htmx" in link for link in links) == uses_htmx, path  # htmx only where used
    assert {p: s for p, s in sizes.items() if s > FIRST_VIEW_LIMIT} == {}, sizes


def test_the_days_page_is_kept_per_language(client):
    assert "<h1>Số liệu minh bạch</h1>" in client.get("/stats").text
    client.post("/lang", data={"lang": "en", "csrf_token": factories.csrf(client, "/stats")})
    english = client.get("/stats").text
    assert '<html lang="en">' in english and "<h1>Số liệu minh bạch</h1>" not in english


def test_files_that_are_compressed_already_go_as_they_are(served, session, settings):
    """A PDF (or image, or Office file) is not gzipped again; pages are."""
    from app.disclosures import service as disclosure_service

    publisher = factories.principal(session, "publisher")
    d = factories.draft(session, publisher, title="Báo cáo")
    disclosure_service.add_attachments(session, principal=publisher, disclosure_id=d.id, store=settings.file_store,
                        uploads=[disclosure_service.Upload(factories.pdf_bytes("Báo cáo") * 20, "bao-cao.pdf")])
    disclosure_service.publish(session, principal=publisher, disclosure_id=d.id)
    session.commit()
    page = served.get(f"/disclosures/{d.id}", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    link = re.search(r'href="(/disclosures/\d+/files/[^"]+)"', page.text).group(1)
    pdf = served.get(link, headers={"Accept-Encoding": "gzip"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "content-encoding" not in pdf.headers
