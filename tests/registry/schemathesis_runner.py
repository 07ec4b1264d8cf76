"""One way to run schemathesis over a live registry: every example of every operation
is sent once per token (and without one), must follow the app's own OpenAPI, must not
be a server error, and must never echo a token."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

#: Schemathesis' own server-error check would count a documented 501 (an SDMX
#: resource this registry does not serve) as a failure; the runner checks 5xx itself.
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]


def exercise(
    operations: Iterable,
    base_url: str,
    headers: Mapping[str | None, Mapping[str, str]],
    secrets: Iterable[str],
    *,
    examples: int,
    allow_501: bool,
) -> None:
    """Run ``examples`` derandomised cases of each operation with each of ``headers``."""
    secrets = [secret.encode() for secret in secrets]
    allowed = {501} if allow_501 else set()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def one_case(case) -> None:
            for who_headers in headers.values():
                response = case.call(base_url=base_url, headers=dict(who_headers), timeout=60)
                assert response.status_code < 500 or response.status_code in allowed, (
                    case.as_curl_command(),
                    response.text[:500],
                )
                case.validate_response(response, checks=CHECKS)
                for secret in secrets:
                    assert secret not in response.content

        one_case()
