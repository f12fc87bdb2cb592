"""Property-based run of schemathesis against recycle-info's own OpenAPI: no input gives a 5xx,
and every documented 2xx body matches its schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.integration.api.live_server import serve
from tests.integration.api.schemathesis_support import fuzz_service
from tests.integration.api.test_recycle_info_api import _clear_cache

from ecoeco.services.common.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def recycle_info_base(api_settings: Settings) -> Iterator[str]:
    from ecoeco.services.recycle_info.app import create_app

    with serve(create_app(api_settings)) as base:
        yield base
    _clear_cache(api_settings.redis_url)  # the cache entries this run wrote


def test_positive_and_negative_inputs_give_no_5xx_and_4xx_are_problem_json(recycle_info_base: str) -> None:
    failures, sent = fuzz_service(recycle_info_base)
    assert sent > 50
    assert not failures, "\n".join(str(f) for f in failures)
