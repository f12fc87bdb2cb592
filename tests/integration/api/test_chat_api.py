"""chat-llm over HTTP: history in real Redis, feedback in real PostgreSQL, and answers either from
a local OpenAI-compatible stand-in (started here) or, without a model, from the guides."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
import psycopg
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from tests.integration.api.conftest import assert_problem, bearer, mint_access_token
from tests.integration.api.live_server import serve, wait_ready

from ecoeco.services.chat_llm.settings import ChatSettings
from ecoeco.services.common.settings import Settings

pytestmark = pytest.mark.integration

BASE = "/api/v1/chat"
MODEL_KEY = "sk-test-model-key-never-printed"


def fake_openai_app() -> FastAPI:
    """Minimal OpenAI-compatible ``/v1/chat/completions``; a question containing FAIL gets a 500."""
    app = FastAPI()
    app.state.requests = []

    @app.get("/health")
    async def health() -> dict:
        return {"ok": True}

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> JSONResponse:
        body = await request.json()
        app.state.requests.append({"body": body, "authorization": request.headers.get("authorization")})
        question = body["messages"][-1]["content"]
        if "FAIL" in question:
            return JSONResponse({"error": {"message": "overloaded"}}, status_code=500)
        return JSONResponse(
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "model": "fake-eco-model",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": f"모델 답변: {question}"},
                        "finish_reason": "stop",
                    }
                ],
            }
        )

    return app


@pytest.fixture(scope="module")
def openai_fake() -> Iterator[tuple[str, FastAPI]]:
    app = fake_openai_app()
    with serve(app) as base:
        yield base, app


def chat_config(api_settings: Settings, **extra: object) -> ChatSettings:
    fields = {name: getattr(api_settings, name) for name in type(api_settings).model_fields}
    return ChatSettings(**{**fields, **extra})


def _start(settings: Settings) -> Iterator[str]:
    from ecoeco.services.chat_llm.app import create_app

    with serve(create_app(settings)) as base:
        wait_ready(base)
        yield base


@pytest.fixture(scope="module")
def retrieval_url(api_settings: Settings) -> Iterator[str]:
    """chat-llm without a model."""
    yield from _start(chat_config(api_settings, openai_base_url=None))


@pytest.fixture(scope="module")
def model_url(api_settings: Settings, openai_fake: tuple[str, FastAPI]) -> Iterator[str]:
    from pydantic import SecretStr

    update = {"openai_base_url": f"{openai_fake[0]}/v1", "openai_api_key": SecretStr(MODEL_KEY)}
    yield from _start(chat_config(api_settings, **update))


@pytest.fixture
def user(api_settings: Settings) -> Iterator[tuple[str, dict[str, str]]]:
    """A fresh user's id and auth headers; their Redis history is removed afterwards."""
    import uuid

    import redis

    user_id = str(uuid.uuid4())
    yield user_id, bearer(mint_access_token(api_settings, user_id))
    client = redis.Redis.from_url(api_settings.redis_url, decode_responses=True)
    try:
        for sid in client.zrange(f"ecoeco:chat:user:{user_id}:sessions", 0, -1):
            client.delete(f"ecoeco:chat:session:{sid}", f"ecoeco:chat:messages:{sid}")
        client.delete(f"ecoeco:chat:user:{user_id}:sessions", f"ecoeco:chat:rate:{user_id}")
    finally:
        client.close()


def _new_session(base: str, headers: dict[str, str], title: str | None = "분리배출 질문") -> str:
    resp = httpx.post(f"{base}{BASE}/sessions", json={"title": title}, headers=headers, timeout=10)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def test_without_a_model_answers_from_the_guides_labelled_retrieval(
    retrieval_url: str, user: tuple[str, dict[str, str]]
) -> None:
    _, headers = user
    sid = _new_session(retrieval_url, headers)
    resp = httpx.post(
        f"{retrieval_url}{BASE}/sessions/{sid}/messages",
        json={"content": "치킨 뼈는 음식물쓰레기인가요?"},
        headers=headers,
        timeout=10,
    )
    assert resp.status_code == 201, resp.text
    answer = resp.json()["answer"]
    assert answer["mode"] == "retrieval" and answer["degraded"] is False
    assert "[닭뼈] → 일반쓰레기" in answer["content"]
    assert answer["sources"][0]["id"] == "chicken-bone"


def test_history_lists_both_turns_in_order_and_sessions_are_listed(
    retrieval_url: str, user: tuple[str, dict[str, str]]
) -> None:
    _, headers = user
    sid = _new_session(retrieval_url, headers, title="페트병")
    for text in ("페트병 라벨은요?", "우유팩은요?"):
        httpx.post(f"{retrieval_url}{BASE}/sessions/{sid}/messages", json={"content": text}, headers=headers)
    msgs = httpx.get(f"{retrieval_url}{BASE}/sessions/{sid}/messages", headers=headers).json()["messages"]
    assert [m["role"] for m in msgs] == ["user", "assistant", "user", "assistant"]
    assert msgs[2]["content"] == "우유팩은요?"
    sessions = httpx.get(f"{retrieval_url}{BASE}/sessions", headers=headers).json()["sessions"]
    assert [(s["id"], s["title"], s["message_count"]) for s in sessions] == [(sid, "페트병", 4)]


def test_sessions_are_private_and_delete_removes_them(
    retrieval_url: str, user: tuple[str, dict[str, str]], api_settings: Settings
) -> None:
    _, headers = user
    sid = _new_session(retrieval_url, headers)
    stranger = bearer(mint_access_token(api_settings))
    assert_problem(httpx.get(f"{retrieval_url}{BASE}/sessions/{sid}/messages", headers=stranger), 404)
    assert_problem(httpx.delete(f"{retrieval_url}{BASE}/sessions/{sid}", headers=stranger), 404)
    assert httpx.delete(f"{retrieval_url}{BASE}/sessions/{sid}", headers=headers).status_code == 204
    assert_problem(httpx.get(f"{retrieval_url}{BASE}/sessions/{sid}", headers=headers), 404)
    assert httpx.get(f"{retrieval_url}{BASE}/sessions", headers=headers).json()["sessions"] == []


def test_every_route_needs_a_token(retrieval_url: str) -> None:
    assert_problem(httpx.post(f"{retrieval_url}{BASE}/sessions", json={}), 401)
    assert_problem(httpx.get(f"{retrieval_url}{BASE}/suggestions"), 401)
    bad = {"Authorization": "Bearer not-a-jwt"}
    assert_problem(httpx.get(f"{retrieval_url}{BASE}/sessions", headers=bad), 401)


@pytest.mark.parametrize(
    "payload", [{}, {"content": ""}, {"content": "   "}, {"content": "가" * 2001}, {"content": 5}]
)
def test_bad_message_is_a_422_and_nothing_is_stored(
    retrieval_url: str, user: tuple[str, dict[str, str]], payload: dict
) -> None:
    _, headers = user
    sid = _new_session(retrieval_url, headers)
    assert_problem(
        httpx.post(f"{retrieval_url}{BASE}/sessions/{sid}/messages", json=payload, headers=headers), 422
    )
    assert httpx.get(f"{retrieval_url}{BASE}/sessions/{sid}", headers=headers).json()["message_count"] == 0


def test_feedback_is_stored_in_postgres_and_rerating_replaces_it(
    retrieval_url: str, user: tuple[str, dict[str, str]], api_settings: Settings
) -> None:
    user_id, headers = user
    sid = _new_session(retrieval_url, headers)
    exchange = httpx.post(
        f"{retrieval_url}{BASE}/sessions/{sid}/messages", json={"content": "소주병 반환"}, headers=headers
    ).json()
    answer_id, question_id = exchange["answer"]["id"], exchange["question"]["id"]
    url = f"{retrieval_url}{BASE}/sessions/{sid}/messages/{answer_id}/feedback"
    assert httpx.put(url, json={"rating": 2}, headers=headers).status_code == 200
    resp = httpx.put(url, json={"rating": 5, "comment": " 정확해요 "}, headers=headers)
    assert resp.json() == {"session_id": sid, "message_id": answer_id, "rating": 5, "comment": "정확해요"}
    with psycopg.connect(api_settings.database_url) as conn:
        rows = conn.execute(
            "SELECT rating, comment, answer_mode FROM chat.feedback WHERE user_id = %s", (user_id,)
        ).fetchall()
    assert rows == [(5, "정확해요", "retrieval")]
    for bad in ({"rating": 0}, {"rating": 6}, {"rating": "five"}, {}):
        assert_problem(httpx.put(url, json=bad, headers=headers), 422)
    question_url = f"{retrieval_url}{BASE}/sessions/{sid}/messages/{question_id}/feedback"
    assert_problem(httpx.put(question_url, json={"rating": 3}, headers=headers), 422)
    missing_url = f"{retrieval_url}{BASE}/sessions/{sid}/messages/{'0' * 32}/feedback"
    assert_problem(httpx.put(missing_url, json={"rating": 3}, headers=headers), 404)


def test_suggestions_follow_the_last_answer(retrieval_url: str, user: tuple[str, dict[str, str]]) -> None:
    _, headers = user
    general = httpx.get(f"{retrieval_url}{BASE}/suggestions", headers=headers).json()["suggestions"]
    assert len(general) == 5
    sid = _new_session(retrieval_url, headers)
    httpx.post(f"{retrieval_url}{BASE}/sessions/{sid}/messages", json={"content": "맥주캔"}, headers=headers)
    tailored = httpx.get(
        f"{retrieval_url}{BASE}/suggestions", params={"session_id": sid}, headers=headers
    ).json()
    # the answer was about a metal item: the first suggestion is another metal item
    assert tailored["suggestions"][0] != general[0]
    assert "통조림 캔" in tailored["suggestions"][0]


def test_with_a_model_the_answer_comes_from_it_grounded_in_the_guides(
    model_url: str, openai_fake: tuple[str, FastAPI], user: tuple[str, dict[str, str]]
) -> None:
    _, headers = user
    sid = _new_session(model_url, headers)
    resp = httpx.post(
        f"{model_url}{BASE}/sessions/{sid}/messages",
        json={"content": "우유팩 어떻게 버려요?"},
        headers=headers,
    )
    answer = resp.json()["answer"]
    assert answer["mode"] == "model" and answer["model"] == "fake-eco-model"
    assert answer["content"] == "모델 답변: 우유팩 어떻게 버려요?"
    assert (
        'ecoeco_chat_answers_total{degraded="false",mode="model"}' in httpx.get(f"{model_url}/metrics").text
    )
    assert answer["sources"][0]["id"] == "milk-carton"
    sent = openai_fake[1].state.requests[-1]
    assert sent["authorization"] == f"Bearer {MODEL_KEY}"
    assert sent["body"]["messages"][0]["role"] == "system"
    assert "[우유팩]" in sent["body"]["messages"][0]["content"]  # grounded with the retrieved guide
    # a second turn carries the history
    httpx.post(f"{model_url}{BASE}/sessions/{sid}/messages", json={"content": "뚜껑은요?"}, headers=headers)
    roles = [m["role"] for m in openai_fake[1].state.requests[-1]["body"]["messages"]]
    assert roles == ["system", "user", "assistant", "user"]


def test_a_failing_model_degrades_to_retrieval_without_leaking_the_key(
    model_url: str, user: tuple[str, dict[str, str]]
) -> None:
    _, headers = user
    sid = _new_session(model_url, headers)
    resp = httpx.post(
        f"{model_url}{BASE}/sessions/{sid}/messages", json={"content": "FAIL 소주병"}, headers=headers
    )
    assert resp.status_code == 201
    answer = resp.json()["answer"]
    assert answer["mode"] == "retrieval" and answer["degraded"] is True
    assert "[소주병]" in answer["content"]
    assert MODEL_KEY not in resp.text
    metrics = httpx.get(f"{model_url}/metrics").text
    assert 'ecoeco_chat_answers_total{degraded="true",mode="retrieval"}' in metrics
    assert 'ecoeco_chat_model_request_duration_seconds_count{outcome="error"}' in metrics


def test_messages_beyond_the_per_minute_budget_are_refused_and_not_stored(
    api_settings: Settings, user: tuple[str, dict[str, str]]
) -> None:
    _, headers = user
    settings = chat_config(api_settings, openai_base_url=None, chat_messages_per_minute=2)
    with contextlib.contextmanager(_start)(settings) as base:
        sid = _new_session(base, headers)
        url = f"{base}{BASE}/sessions/{sid}/messages"
        assert [httpx.post(url, json={"content": "캔"}, headers=headers).status_code for _ in range(2)] == [
            201,
            201,
        ]
        refused = httpx.post(url, json={"content": "캔"}, headers=headers)
        body = assert_problem(refused, 429)
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "2 messages a minute" in body["detail"]
        assert httpx.get(f"{base}{BASE}/sessions/{sid}", headers=headers).json()["message_count"] == 4
        assert "ecoeco_chat_rate_limited_total 1.0" in httpx.get(f"{base}/metrics").text


def test_with_postgres_down_chat_still_answers_and_only_feedback_is_a_503(
    api_settings: Settings, user: tuple[str, dict[str, str]]
) -> None:
    from tests.conftest import free_port

    from ecoeco.services.chat_llm.app import create_app

    _, headers = user
    dead_pg = f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"
    with serve(create_app(chat_config(api_settings, openai_base_url=None, database_url=dead_pg))) as base:
        ready = httpx.get(f"{base}/ready", timeout=10)
        assert ready.status_code == 503 and ready.json()["dependencies"]["postgres"]["ok"] is False
        sid = _new_session(base, headers)
        exchange = httpx.post(
            f"{base}{BASE}/sessions/{sid}/messages", json={"content": "우유팩"}, headers=headers, timeout=10
        )
        assert exchange.status_code == 201
        answer_id = exchange.json()["answer"]["id"]
        rated = httpx.put(
            f"{base}{BASE}/sessions/{sid}/messages/{answer_id}/feedback",
            json={"rating": 4},
            headers=headers,
            timeout=20,
        )
        assert_problem(rated, 503)
