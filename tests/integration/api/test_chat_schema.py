"""schemathesis against chat-llm's OpenAPI, signed in as one throw-away user (retrieval mode):
no input gives a 5xx, and 2xx bodies match the schema."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from tests.integration.api.conftest import bearer, mint_access_token
from tests.integration.api.live_server import serve, wait_ready
from tests.integration.api.schemathesis_support import fuzz_service
from tests.integration.api.test_chat_api import chat_config

from ecoeco.services.common.settings import Settings

pytestmark = pytest.mark.integration

USER_ID = f"schemathesis-{uuid.uuid4()}"


@pytest.fixture(scope="module")
def chat_base(api_settings: Settings) -> Iterator[str]:
    from ecoeco.services.chat_llm.app import create_app

    # a generous message budget: the fuzzer posts far more than a person would
    settings = chat_config(api_settings, openai_base_url=None, chat_messages_per_minute=100_000)
    with serve(create_app(settings)) as base:
        wait_ready(base)
        yield base
    client = redis.Redis.from_url(api_settings.redis_url, decode_responses=True)
    try:
        for sid in client.zrange(f"ecoeco:chat:user:{USER_ID}:sessions", 0, -1):
            client.delete(f"ecoeco:chat:session:{sid}", f"ecoeco:chat:messages:{sid}")
        client.delete(f"ecoeco:chat:user:{USER_ID}:sessions", f"ecoeco:chat:rate:{USER_ID}")
    finally:
        client.close()


@pytest.fixture(scope="module")
def auth_headers(api_settings: Settings) -> dict[str, str]:
    return bearer(mint_access_token(api_settings, USER_ID))


def test_positive_and_negative_inputs_give_no_5xx_and_4xx_are_problem_json(
    chat_base: str, auth_headers: dict[str, str]
) -> None:
    failures, sent = fuzz_service(chat_base, headers=auth_headers)
    assert sent > 50
    assert not failures, "\n".join(str(f) for f in failures)
