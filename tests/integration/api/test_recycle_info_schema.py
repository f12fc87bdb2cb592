"""Property-based run of schemathesis against recycle-info's own OpenAPI: no input gives a 5xx,
and every documented 2xx body matches its schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from tests.integration.api.live_server import serve
from tests.integration.api.test_recycle_info_api import _clear_cache

from services.common.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def recycle_info_schema(api_settings: Settings) -> Iterator[schemathesis.BaseSchema]:
    from services.recycle_info.app import create_app

    with serve(create_app(api_settings)) as base:
        yield schemathesis.openapi.from_url(f"{base}/openapi.json")
    _clear_cache(api_settings.redis_url)  # the cache entries this run wrote


schema = schemathesis.pytest.from_fixture("recycle_info_schema")


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_bodies_match_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
