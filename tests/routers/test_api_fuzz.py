"""Property-based fuzzing of the whole JSON API from its OpenAPI description (schemathesis):
whatever the input, the answer is never a 5xx."""

import schemathesis
from hypothesis import HealthCheck, given, settings

from app.services import auth
from app.services.audit import Actor
from tests import factories


def test_api_never_fails(app, session):
    p = factories.principal(session)
    factories.published(session, p)
    # A leader's personal token: every write the API offers is allowed, so the fuzzer reaches
    # past the permission checks into validation and the services.
    leader = factories.user(session, role="leader")
    token = auth.create_token(session, actor=Actor.system("test"), name="fuzz", scopes=[], user=leader)
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                  derandomize=True)
        def check(case):
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}")

        check()
    assert failures == []
