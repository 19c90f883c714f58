"""A bounded schemathesis run over /api/v1/openapi.json: no 5xx, responses as documented.

One seeded company; every operation gets ``MAX_EXAMPLES`` generated requests as the
owner (the role with most permissions), derandomized so CI replays the same ones.
The figures (operations, requests, server errors) are printed with ``-s``.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from app.extensions import db
from app.tenancy import tenant_context
from tests.store.helpers import make_catalogue

MAX_EXAMPLES = 12


@pytest.fixture
def fuzz_app(app):
    # The fuzzer writes faster than any desk; the write brake is tested elsewhere.
    app.config["API_WRITE_RATE_LIMIT"] = "100000 per minute"
    return app


def _summary(error: BaseException) -> str:
    """The first lines of each failure schemathesis found (a group holds several)."""
    errors = error.exceptions if isinstance(error, BaseExceptionGroup) else (error,)
    return " | ".join(" ".join(str(e).split("\n")[:8])[:400] for e in errors)


def test_no_operation_answers_a_server_error_or_off_schema(fuzz_app, client, company_a,
                                                            api_token):
    with tenant_context(company_a.tenant_id):
        make_catalogue()
        db.session.commit()
    headers = api_token(company_a, "owner")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    figures = {"operations": 0, "requests": 0, "server_errors": 0}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        figures["operations"] += 1

        @settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck),
                  phases=(Phase.explicit, Phase.generate))
        @given(case=st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                              operation.as_strategy(GenerationMode.NEGATIVE)))
        def run(case):
            response = case.call(headers=headers)
            figures["requests"] += 1
            if response.status_code >= 500:
                figures["server_errors"] += 1
            case.validate_response(response, checks=[not_a_server_error,
                                                      response_schema_conformance])

        try:
            run()
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - collect them all
            failures.append(f"{operation.label}: {_summary(error)}")
        db.session.rollback()
    print(f"\nschemathesis: {figures}")
    assert not failures, "\n\n".join(failures)
    assert figures["server_errors"] == 0
