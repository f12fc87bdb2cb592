"""``ecoeco-sandbox load`` counts the chat's own rate-limit 429s apart from errors (issue 13,
defect 11), driven against the real auth and chat-llm services."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from tests.integration.api.live_server import serve, wait_ready

from ecoeco.services.common.settings import Settings
from ecoeco.services.sandbox.load import drive

pytestmark = pytest.mark.integration

MESSAGES = "POST /api/v1/chat/sessions/{id}/messages"


@pytest.fixture(scope="module")
def tight_chat(api_settings: Settings) -> Iterator[str]:
    from ecoeco.services.chat_llm.app import create_app
    from ecoeco.services.chat_llm.settings import ChatSettings

    fields = {name: getattr(api_settings, name) for name in type(api_settings).model_fields}
    settings = ChatSettings(**{**fields, "openai_base_url": None, "chat_messages_per_minute": 2})
    with serve(create_app(settings)) as base:
        wait_ready(base)
        yield base


def test_chat_rate_limit_429s_are_counted_apart_from_errors(auth_url: str, tight_chat: str) -> None:
    services = {"auth": auth_url, "chat-llm": tight_chat}
    summary = asyncio.run(drive(services, rate=8, duration_s=1.0, kinds=["chat"], seed=1))
    assert summary.rate_limited[MESSAGES] >= 3  # 8 questions against a budget of 2 a minute
    assert not summary.errors, summary.errors
    assert "429" not in summary.errors_by_status
    report = summary.render()
    assert "errors: none" in report
    assert "rate-limited (429 by the services' own limits, not errors)" in report
