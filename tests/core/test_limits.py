"""Field limits written once (app/core/validation.py): the table model stores a field's limit,
the input schema takes it from there (`limit`), and the form's `maxlength` is read from the
schema (`limits.<name>.<field>` in the templates), so the three can never disagree."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from app.core.templating import TEMPLATES_DIR, env
from app.core.validation import (
    UnknownLimit,
    field_limit,
    limit,
    max_lengths,
    register_limits,
    registered_limits,
)
from app.disclosures.service import DisclosureInput
from app.models.disclosure import Disclosure, DisclosureVersion
from app.reception.visits import VisitCorrection, VisitInput
from app.routers import DOORS
from tests import factories
from tests.reception.test_web import make_session


class _Sample(BaseModel):
    name: str = Field(max_length=12)
    note: str | None = Field(default=None, max_length=30)
    tags: list[str] = Field(default_factory=list, max_length=5)  # items, not characters
    free: str = ""


class _Fields(HTMLParser):
    """{id: maxlength or None} of every input and textarea of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlength: dict[str, int | None] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("input", "textarea") and a.get("id"):
            self.maxlength[a["id"]] = int(a["maxlength"]) if a.get("maxlength") else None


def _fields(html: str) -> dict[str, int | None]:
    parser = _Fields()
    parser.feed(html)
    return parser.maxlength


# Reading the limits -----------------------------------------------------------------------------

def test_max_lengths_reads_the_text_limits_of_a_schema():
    assert max_lengths(_Sample) == {"name": 12, "note": 30}


def test_max_lengths_reads_a_table_model_and_the_schemas_take_its_numbers():
    table = max_lengths(Disclosure)
    assert table["title"] == 300 and table["document_number"] == 100 and "summary" not in table  # a text column
    schema = max_lengths(DisclosureInput)
    assert {k: schema[k] for k in ("title", "document_number", "issuing_body")} == \
        {k: table[k] for k in ("title", "document_number", "issuing_body")}
    assert "tags" not in schema  # a list of at most 20 tags, not 20 characters
    assert limit(Disclosure, "title") == 300
    # A correction takes the visit's limits; a schema built on another keeps them.
    visit = max_lengths(VisitInput)
    assert {k: v for k, v in max_lengths(VisitCorrection).items() if k != "reason"} == visit


def test_an_unknown_field_or_a_field_without_a_limit_is_refused():
    with pytest.raises(UnknownLimit):
        limit(Disclosure, "no_such_field")
    with pytest.raises(UnknownLimit):
        limit(_Sample, "free")  # no limit written
    with pytest.raises(UnknownLimit):
        limit(_Sample, "tags")  # not text
    with pytest.raises(UnknownLimit):
        field_limit("no_such_schema", "title")
    with pytest.raises(UnknownLimit):
        field_limit("disclosure", "no_such_field")


def test_a_name_is_registered_for_one_schema_only():
    assert registered_limits()["disclosure"] is DisclosureInput
    register_limits("disclosure", DisclosureInput)  # the same again (a module imported twice): harmless
    with pytest.raises(ValueError):
        register_limits("disclosure", _Sample)
    assert registered_limits()["disclosure"] is DisclosureInput


# The templates ----------------------------------------------------------------------------------

def test_the_templates_name_only_registered_schemas_and_fields():
    """Every `limits.<name>.<field>` in every template resolves (pages not rendered here too):
    every door is imported (DOORS), so every domain has registered its schemas."""
    assert DOORS
    used = set()
    for path in TEMPLATES_DIR.rglob("*.html"):
        used |= set(re.findall(r"\blimits\.(\w+)\.(\w+)", path.read_text(encoding="utf-8")))
    assert used, "no template reads limits"
    registered = registered_limits()
    for name, fieldname in sorted(used):
        assert name in registered, f"limits.{name}: no schema registered under that name"
        assert field_limit(name, fieldname) == max_lengths(registered[name])[fieldname]
    for name, model in registered.items():
        assert max_lengths(model), f"{name} ({model.__name__}) has no limits to give"


def test_an_unknown_schema_or_field_fails_loudly_instead_of_rendering_nothing():
    for source in ("{{ limits.no_such_schema.title }}", "{{ limits.disclosure.no_such_field }}",
                   "{{ limits['disclosure']['no_such_field'] }}",
                   '{% from "_macros.html" import field %}{{ field("title", "T", {}, {}, '
                   'maxlength=limits.disclosure.titel) }}'):
        with pytest.raises(UnknownLimit):
            env.from_string(source).render()
    assert env.from_string("{{ limits.disclosure.title }}").render() == "300"
    html = env.from_string('{% from "_macros.html" import field %}'
                           '{{ field("title", "T", {}, {}, maxlength=limits.disclosure.title) }}').render()
    assert _fields(html) == {"f-title": 300}


def test_the_disclosure_form_shows_the_schemas_limits(client, session, login):
    login("publisher")
    page = client.get("/staff/disclosures/new")
    assert page.status_code == 200
    shown = _fields(page.text)
    for name in ("title", "document_number", "issuing_body"):
        assert shown[f"f-{name}"] == field_limit("disclosure", name) == max_lengths(DisclosureInput)[name]
    d = factories.published(session, factories.principal(session, "publisher"))
    shown = _fields(client.get(f"/staff/disclosures/{d.id}/edit").text)
    assert shown["f-change_note"] == max_lengths(DisclosureVersion)["change_note"] == 500


def test_the_reception_register_form_shows_the_schemas_limits(client, session, login):
    login("leader")  # keeps the register and the schedule: every form of the page is shown
    s = make_session(session)
    page = client.get(f"/staff/reception/sessions/{s.id}")
    assert page.status_code == 200
    shown = _fields(page.text)
    wanted = max_lengths(VisitInput)
    assert wanted and {name: shown.get(f"f-{name}") for name in wanted} == wanted
    # The session's own forms on the same page: its details, moving and cancelling it.
    assert shown["f-details-assisting_staff"] == field_limit("session_details", "assisting_staff")
    assert shown["f-details-notes"] == field_limit("session_details", "notes")
    assert shown["f-move-place"] == field_limit("reception_session", "place")
    assert shown["f-move-reason"] == field_limit("reception_session", "move_reason")
    assert shown["f-cancel-reason"] == field_limit("reception_session", "cancel_reason")


def test_no_template_writes_a_maxlength_number_of_its_own():
    """A number in a template would be a third copy of a limit. Left: the password fields of
    one's own account (1000: what a login takes, not a field's limit)."""
    waiting = ("staff/accounts/account.html",)
    written = []
    for path in sorted(Path(TEMPLATES_DIR).rglob("*.html")):
        rel = path.relative_to(TEMPLATES_DIR).as_posix()
        if rel.startswith(waiting):
            continue
        written += [f"{rel}: {m}" for m in re.findall(r"""maxlength=['"]?\d""", path.read_text(encoding="utf-8"))]
    assert written == []
