"""schemathesis against location's OpenAPI, signed in, with geocoding pointed at the local
Kakao stand-in: no input gives a 5xx, and 2xx bodies match the schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.integration.api.conftest import bearer, mint_access_token
from tests.integration.api.live_server import serve
from tests.integration.api.schemathesis_support import fuzz_service
from tests.integration.api.test_location_api import FAKE_KEY, _location, clear_geocode_cache, fake_kakao_app

from ecoeco.services.common.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def location_base(api_settings: Settings) -> Iterator[str]:
    from ecoeco.services.location.app import create_app

    with serve(fake_kakao_app(FAKE_KEY)) as kakao_base:
        app_settings = _location(api_settings, kakao_rest_api_key=FAKE_KEY, kakao_base_url=kakao_base)
        with serve(create_app(app_settings)) as base:
            yield base
    clear_geocode_cache(api_settings.redis_url)


@pytest.fixture(scope="module")
def auth_headers(api_settings: Settings) -> dict[str, str]:
    return bearer(mint_access_token(api_settings))


def test_positive_and_negative_inputs_give_no_5xx_and_4xx_are_problem_json(
    location_base: str, auth_headers: dict[str, str]
) -> None:
    failures, sent = fuzz_service(location_base, headers=auth_headers)
    assert sent > 50
    assert not failures, "\n".join(str(f) for f in failures)
