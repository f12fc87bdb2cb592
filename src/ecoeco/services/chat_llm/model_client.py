"""The OpenAI-compatible chat model: one ``POST {openai_base_url}/chat/completions`` per answer,
grounded with the retrieved guides. The API key is sent only as the Authorization header."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from ecoeco.services.common.settings import Settings

log = logging.getLogger("ecoeco.chat.model")

TIMEOUT_S = 30.0
HISTORY_TURNS = 10

SYSTEM_PROMPT = (
    "당신은 한국의 분리배출 도우미입니다. 아래 '가이드'에 있는 내용만 근거로 짧고 정확하게 한국어로 "
    "답하세요. 가이드에 없는 내용은 모른다고 말하고 거주지 지자체 안내를 확인하라고 하세요.\n\n가이드:\n"
)


class ModelError(Exception):
    """The model endpoint failed or answered in an unexpected shape (never carries the key)."""


def build_messages(guides: str, history: list[dict[str, Any]], question: str) -> list[dict[str, str]]:
    out = [{"role": "system", "content": SYSTEM_PROMPT + (guides or "(해당 품목 가이드 없음)")}]
    for message in history[-HISTORY_TURNS:]:
        if message["role"] in ("user", "assistant"):
            out.append({"role": message["role"], "content": message["content"]})
    out.append({"role": "user", "content": question})
    return out


async def complete(settings: Settings, messages: list[dict[str, str]]) -> tuple[str, str]:
    """(answer text, model name reported by the endpoint)."""
    assert settings.openai_base_url  # callers check
    headers = {}
    if settings.openai_api_key is not None:
        headers["Authorization"] = f"Bearer {settings.openai_api_key.get_secret_value()}"
    payload = {"model": settings.chat_model, "messages": messages, "temperature": 0.2}
    url = settings.openai_base_url.rstrip("/") + "/chat/completions"
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_S) as client:
            resp = await client.post(url, json=payload, headers=headers)
    except httpx.HTTPError as exc:
        raise ModelError(f"model endpoint unreachable ({type(exc).__name__})") from exc
    if resp.status_code != 200:
        raise ModelError(f"model endpoint answered HTTP {resp.status_code}")
    try:
        body = resp.json()
        text = body["choices"][0]["message"]["content"]
        if not isinstance(text, str) or not text.strip():
            raise TypeError("empty content")
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ModelError("model endpoint answered in an unexpected shape") from exc
    return text.strip(), str(body.get("model") or settings.chat_model)
