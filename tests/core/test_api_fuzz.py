"""Property-based fuzzing of the whole JSON API from its OpenAPI description (schemathesis): every
answer is one the description promises (status, content type, headers, body schema), never a
5xx; schema-valid parameters are accepted and schema-violating ones refused; and every GET
answered with JSON honours `If-None-Match` with a documented 304."""

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.specs.openapi.checks import (
    RejectedPositiveData,
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.accounts import tokens
from app.accounts.audit import Actor
from app.core.ratelimit import limiter_for
from tests import factories
from tests.dialogues.test_web_public import announced

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))  # per operation and mode (positive, negative)

CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
               response_schema_conformance]

# Refusals of schema-valid input that a schema cannot state, as (field, code) in the problem's
# `errors`; a 422 is excused only when every error is one of these (and, for a body, see below).
# - `cursor invalid`: a cursor is opaque (app/core/pagination.py); only one the server issued
#   decodes, and no schema can say "one we issued".
# - from/to and period: rules between parameters (from after to, a range over 5 years, a period
#   together with a range); OpenAPI describes each parameter on its own.
UNSTATABLE = {("cursor", "invalid")}
RANGE_RULES = {("from", "after_to"), ("to", "too_long")}
PER_OPERATION = {
    "GET /api/v1/reception-sessions": RANGE_RULES,
    "GET /api/v1/reception/register.xlsx": RANGE_RULES,
    "GET /api/v1/reports/periodic": RANGE_RULES | {("period", "conflict"), ("period", "unknown"),
                                                   ("from", "required"), ("to", "required")},
}
# A suspension's days in order and real (31/2 fits the pattern); extensions only as the law gives them.
PER_OPERATION["GET /api/v1/deadlines/preview"] = {("paused", "invalid"), ("extensions", "not_extended"),
                                                  ("extensions", "second_extension")}
PER_OPERATION["GET /api/v1/reports/periodic.xlsx"] = PER_OPERATION["GET /api/v1/reports/periodic"]


def _parameter_names(case) -> set[str]:
    return {p["name"] for p in case.operation.definition.raw.get("parameters", [])}


def _has_body(case) -> bool:
    return "requestBody" in case.operation.definition.raw


def _excused_refusal(case, response) -> bool:
    """A schema-valid request refused for a reason the description cannot express."""
    if case.operation.label == "POST /api/v1/disclosures/{disclosure_id}/attachments" and response.status_code == 415:
        return True  # the file's type is judged from its content (PDF, DOCX, XLSX, JPEG, PNG): not a schema matter
    if response.status_code != 422:
        return False
    errors = response.json().get("errors") or [{"field": "", "code": ""}]
    allowed = UNSTATABLE | PER_OPERATION.get(case.operation.label, set())
    params = _parameter_names(case)
    for error in errors:
        if (error["field"], error["code"]) in allowed:
            continue
        # Request bodies are the services' input models (the domains' service modules): they trim text before
        # its length is checked, refuse control characters in any text (app/core/validation.py
        # InputModel), and check rules between fields (a complaint needs a sender's name and
        # address, a transition the fields of its action, a session ends after it starts, …),
        # none of which the generated schema states. A refusal that names no query or path
        # parameter is excused there; parameters are always held to their schema.
        if _has_body(case) and error["field"] not in params:
            continue
        return False
    return True


def positive_data_acceptance_unless_unstatable(ctx, response, case):
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if _excused_refusal(case, response):
            return None
        raise


def negative_data_rejection_unless_lax_body(ctx, response, case):
    try:
        return negative_data_rejection(ctx, response, case)
    except AcceptedNegativeData:
        # Request bodies are validated by pydantic models in its lax mode (the domains' service modules, and
        # app/core/validation.py InputModel): a numeric string is read as a number ("2026" for an
        # integer), a number as a date, and disclosure_service.DisclosureInput turns a null tag into "None". A
        # body made invalid (and only the body) may therefore be accepted; every parameter is
        # held to its schema.
        meta = case.meta
        if meta is not None and _has_body(case) and {
                location.name for location, component in meta.components.items()
                if component.mode.is_negative} == {"BODY"}:
            return None
        raise


CHECKS = [*CONFORMANCE, positive_data_acceptance_unless_unstatable, negative_data_rejection_unless_lax_body]


def _seed(client, session, headers):
    """A disclosure, a case, a reception session and a dialogue, so that the small ids the fuzzer
    tries hit real rows."""
    factories.published(session, factories.principal(session))
    announced(session, factories.principal(session, "leader"))
    case = client.post("/api/v1/complaints", json={
        "kind": "petition", "subject": "Đèn đường hỏng", "content": "Đèn đường ngõ 5 hỏng đã một tuần.",
        "sender_name": "Nguyễn Văn A", "sender_address": "Số 1 ngõ 5"})
    assert case.status_code == 201, case.text
    reception = client.post("/api/v1/reception-sessions", headers=headers, json={
        "starts_at": "2026-01-08T08:00:00", "ends_at": "2026-01-08T11:00:00", "host_name": "Trần Văn B",
        "host_role": "chairman", "place": "Trụ sở UBND phường"})
    assert reception.status_code == 201, reception.text


def test_api_conforms_to_its_description(app, client, session):
    # A leader's personal token: every write the API offers is allowed, so the fuzzer reaches
    # past the permission checks into validation and the services.
    leader = factories.user(session, role="leader")
    token = tokens.create_token(session, actor=Actor.system("test"), name="fuzz", scopes=[], user=leader)
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    _seed(client, session, headers)
    limiter = limiter_for(app)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 27
    failures: dict[tuple, str] = {}
    revalidated = set()

    def record(case, exc):
        for failure in getattr(exc, "exceptions", [exc]):
            key = (case.operation.label, type(failure).__name__, str(getattr(failure, "title", "")))
            failures.setdefault(key, f"{case.operation.label}: {exc}"[:1500])

    def conditional_get(case, response):
        """The first 200 with an ETag per GET: sent back, it must give the documented 304."""
        label = case.operation.label
        if label in revalidated or case.method != "GET" or response.status_code != 200 \
                or "etag" not in response.headers:
            return
        revalidated.add(label)
        again = case.call(headers={**headers, "If-None-Match": response.headers["etag"][0]})
        assert again.status_code == 304 and again.content == b"", label
        case.validate_response(again, checks=CONFORMANCE)

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                      derandomize=True)
            def check(case):
                limiter.reset()  # the token's and the client's rate limits would soon answer only 429
                try:
                    response = case.call_and_validate(headers=headers, checks=CHECKS)
                    conditional_get(case, response)
                except (AssertionError, BaseExceptionGroup) as exc:
                    record(case, exc)

            try:
                check()
            except Unsatisfiable:
                # Nothing in the description can be made invalid: /track/{code} takes any text
                # (an unknown code is the same 404 whatever its shape) and If-None-Match any tag.
                assert mode == GenerationMode.NEGATIVE and operation.label == "GET /api/v1/complaints/track/{code}"
    assert {label for label, *_rest in failures} == set(), "\n\n".join(failures.values())
    # Rarely met while fuzzing: a refused token and one over its rate limit, as documented.
    cases = schema["/api/v1/complaints"]["GET"]
    refused = cases.Case(query={}).call(headers={"Authorization": "Bearer mb_unknown"})
    assert refused.status_code == 401
    cases.Case(query={}).validate_response(refused, checks=CONFORMANCE)
    slow = tokens.create_token(session, actor=Actor.system("test"), name="slow", scopes=[], user=leader, rate_limit=1)
    session.commit()
    answers = [cases.Case(query={}).call(headers={"Authorization": f"Bearer {slow}"}) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 429] and int(answers[1].headers["retry-after"][0]) >= 1
    cases.Case(query={}).validate_response(answers[1], checks=CONFORMANCE)

    json_gets = {op.label for op in operations if op.method.upper() == "GET" and not op.path.endswith(".xlsx")}
    assert json_gets - revalidated <= {"GET /api/v1/complaints/track/{code}"}, json_gets - revalidated
