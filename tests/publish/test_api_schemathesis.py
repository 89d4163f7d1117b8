"""The JSON API against its own OpenAPI description: schemathesis generates inputs for
every operation (a few each, so the suite stays fast); no response may be a 5xx, and each
must conform to the description: a documented status code (400, not FastAPI's undocumented
422, for a bad value), the documented media type (CSV, Parquet, GeoJSON, JSON) and, for
errors, the documented error object."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]  # fmt: skip

pytestmark = pytest.mark.slow


def test_no_server_error_on_generated_input(app):
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    statuses: list[int] = []

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)  # fmt: skip
        def check(case) -> None:
            response = case.call(timeout=300)  # a first map or Gi* is computed on request
            statuses.append(response.status_code)
            case.validate_response(response, checks=CHECKS)

        check()
    assert statuses and max(statuses) < 500
