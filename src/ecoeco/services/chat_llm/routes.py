"""``/api/v1/chat``: sessions, messages (answered by the model or by retrieval), suggestions, feedback.
Every route needs a signed-in user; sessions are private to their owner."""

from __future__ import annotations

import logging
import time
from typing import Annotated, Any

import redis.asyncio as aioredis
from fastapi import APIRouter, Depends, Path, Query, Request, Response

from ecoeco.services.chat_llm import history, rate_limit
from ecoeco.services.chat_llm.metrics import ChatMetrics
from ecoeco.services.chat_llm.model_client import ModelError, build_messages, complete
from ecoeco.services.chat_llm.models import (
    Exchange,
    FeedbackIn,
    FeedbackOut,
    MessageCreate,
    MessageList,
    SessionCreate,
    SessionList,
    SessionOut,
    Suggestions,
)
from ecoeco.services.chat_llm.retrieval import guide_text, retrieval_answer, retrieve, sources_of
from ecoeco.services.common.cache import get_redis
from ecoeco.services.common.db import Conn
from ecoeco.services.common.errors import ProblemError
from ecoeco.services.common.security import Principal, require_user
from ecoeco.services.common.settings import Settings
from ecoeco.services.recycle_info.catalog import load_catalog

log = logging.getLogger("ecoeco.chat")

router = APIRouter(
    prefix="/api/v1/chat",
    tags=["chat"],
    responses={
        401: {"description": "Missing or invalid token (problem+json)"},
        404: {"description": "No such session or message for this user (problem+json)"},
    },
)

User = Annotated[Principal, Depends(require_user)]
Redis = Annotated[aioredis.Redis, Depends(get_redis)]
SessionId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
MessageId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
MAX_SUGGESTIONS = 5


async def _own_session(r: aioredis.Redis, user: Principal, session_id: str) -> dict[str, Any]:
    session = await history.get_session(r, user.user_id, session_id)
    if session is None:
        raise ProblemError(404, "Not Found", f"No chat session {session_id!r}.")
    return session


@router.post("/sessions", status_code=201, response_model=SessionOut)
async def create_session(user: User, r: Redis, body: SessionCreate | None = None) -> Any:
    title = body.title.strip() if body and body.title else None
    return await history.create_session(r, user.user_id, title or None)


@router.get("/sessions", response_model=SessionList)
async def list_sessions(user: User, r: Redis, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> Any:
    return {"sessions": await history.list_sessions(r, user.user_id, limit)}


@router.get("/sessions/{session_id}", response_model=SessionOut)
async def get_session(session_id: SessionId, user: User, r: Redis) -> Any:
    return await _own_session(r, user, session_id)


@router.delete("/sessions/{session_id}", status_code=204)
async def delete_session(session_id: SessionId, user: User, r: Redis) -> Response:
    await _own_session(r, user, session_id)
    await history.delete_session(r, user.user_id, session_id)
    return Response(status_code=204)


@router.get("/sessions/{session_id}/messages", response_model=MessageList)
async def list_messages(session_id: SessionId, user: User, r: Redis) -> Any:
    await _own_session(r, user, session_id)
    return {"session_id": session_id, "messages": await history.messages(r, session_id)}


async def _answer(
    settings: Settings, metrics: ChatMetrics, past: list[dict[str, Any]], question: str
) -> dict[str, Any]:
    found = retrieve(question)
    sources = sources_of(found)
    if settings.openai_base_url:
        start = time.perf_counter()
        try:
            text, model = await complete(settings, build_messages(guide_text(found), past, question))
        except ModelError as exc:
            metrics.model_seconds.labels("error").observe(time.perf_counter() - start)
            metrics.answers.labels("retrieval", "true").inc()
            # Answer anyway, from the guides, and say so: a chat that errors helps nobody.
            log.warning("model failed, answering from retrieval: %s", exc)
            return history.new_message(
                "assistant", retrieval_answer(found), mode="retrieval", sources=sources, degraded=True
            )
        metrics.model_seconds.labels("ok").observe(time.perf_counter() - start)
        metrics.answers.labels("model", "false").inc()
        return history.new_message("assistant", text, mode="model", sources=sources, model=model)
    metrics.answers.labels("retrieval", "false").inc()
    return history.new_message("assistant", retrieval_answer(found), mode="retrieval", sources=sources)


@router.post(
    "/sessions/{session_id}/messages",
    status_code=201,
    response_model=Exchange,
    responses={429: {"description": "Per-user message budget spent; see Retry-After (problem+json)"}},
)
async def post_message(
    session_id: SessionId, body: MessageCreate, request: Request, user: User, r: Redis
) -> Any:
    await _own_session(r, user, session_id)
    content = body.content.strip()
    if not content:
        raise ProblemError(422, "Unprocessable Content", "The message is blank.")
    settings = request.app.state.settings
    metrics: ChatMetrics = request.app.state.chat_metrics
    retry_after = await rate_limit.take(r, user.user_id, settings.chat_messages_per_minute)
    if retry_after is not None:
        metrics.rate_limited.inc()
        raise ProblemError(
            429,
            "Too Many Requests",
            f"At most {settings.chat_messages_per_minute} messages a minute; retry in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )
    past = await history.messages(r, session_id, last=20)
    question = history.new_message("user", content)
    answer = await _answer(settings, metrics, past, content)
    await history.append(r, user.user_id, session_id, question, answer)
    return {"question": question, "answer": answer}


@router.get("/suggestions", response_model=Suggestions)
async def suggestions(
    user: User,
    r: Redis,
    session_id: Annotated[str | None, Query(pattern=r"^[0-9a-f]{32}$")] = None,
) -> Any:
    """Follow-up questions: other items of the categories the last answer was about, then FAQ."""
    catalog = load_catalog()
    out: list[str] = []
    if session_id is not None:
        await _own_session(r, user, session_id)
        last = next(
            (m for m in reversed(await history.messages(r, session_id)) if m["role"] == "assistant"), None
        )
        if last:
            mentioned = {s["id"] for s in last.get("sources", []) if s["type"] == "item"}
            categories = [s["category"] for s in last.get("sources", []) if s["type"] == "item"]
            for category in dict.fromkeys(categories):
                for item in catalog.items.values():
                    if item.category == category and item.id not in mentioned:
                        out.append(f"{item.name}은(는) 어떻게 버리나요?")
                        break
    for entry in catalog.faq:
        if len(out) >= MAX_SUGGESTIONS:
            break
        out.append(entry["question"])
    return {"suggestions": out[:MAX_SUGGESTIONS]}


@router.put(
    "/sessions/{session_id}/messages/{message_id}/feedback",
    response_model=FeedbackOut,
    summary="Rate an answer 1–5 (rating again replaces the earlier rating)",
)
async def feedback(
    session_id: SessionId, message_id: MessageId, body: FeedbackIn, user: User, r: Redis, conn: Conn
) -> Any:
    await _own_session(r, user, session_id)
    message = await history.find_message(r, session_id, message_id)
    if message is None:
        raise ProblemError(404, "Not Found", f"No message {message_id!r} in this session.")
    if message["role"] != "assistant":
        raise ProblemError(422, "Unprocessable Content", "Only answers can be rated, not questions.")
    comment = body.comment.strip() if body.comment else None
    await conn.execute(
        """
        INSERT INTO chat.feedback (session_id, message_id, user_id, rating, comment, answer_mode)
        VALUES (%s, %s, %s, %s, %s, %s)
        ON CONFLICT (message_id, user_id)
        DO UPDATE SET rating = EXCLUDED.rating, comment = EXCLUDED.comment, updated_at = now()
        """,
        (
            session_id,
            message_id,
            user.user_id,
            body.rating,
            comment or None,
            message.get("mode") or "retrieval",
        ),
    )
    return {
        "session_id": session_id,
        "message_id": message_id,
        "rating": body.rating,
        "comment": comment or None,
    }
