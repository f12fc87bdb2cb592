"""Chat sessions and their messages in Redis (history expires after a week without activity).

Keys: ``ecoeco:chat:session:{id}`` (hash), ``ecoeco:chat:messages:{id}`` (list of JSON),
``ecoeco:chat:user:{user_id}:sessions`` (sorted set by creation time).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, cast

import redis.asyncio as aioredis
from redis.typing import EncodableT, FieldT

HISTORY_TTL_S = 7 * 24 * 3600
MAX_MESSAGES = 200  # per session; older ones are trimmed


def _session_key(session_id: str) -> str:
    return f"ecoeco:chat:session:{session_id}"


def _messages_key(session_id: str) -> str:
    return f"ecoeco:chat:messages:{session_id}"


def _user_key(user_id: str) -> str:
    return f"ecoeco:chat:user:{user_id}:sessions"


def _now() -> float:
    return round(time.time(), 3)


def _session_out(session_id: str, raw: dict[str, str], count: int) -> dict[str, Any]:
    return {
        "id": session_id,
        "title": raw.get("title") or None,
        "created_at": float(raw["created_at"]),
        "updated_at": float(raw["updated_at"]),
        "message_count": count,
    }


async def create_session(r: aioredis.Redis, user_id: str, title: str | None) -> dict[str, Any]:
    session_id = uuid.uuid4().hex
    now = _now()
    fields: dict[FieldT, EncodableT] = {
        "user_id": user_id,
        "title": title or "",
        "created_at": now,
        "updated_at": now,
    }
    async with r.pipeline(transaction=True) as pipe:
        pipe.hset(_session_key(session_id), mapping=fields)
        pipe.expire(_session_key(session_id), HISTORY_TTL_S)
        pipe.zadd(_user_key(user_id), {session_id: now})
        pipe.expire(_user_key(user_id), HISTORY_TTL_S)
        await pipe.execute()
    return _session_out(session_id, {str(k): str(v) for k, v in fields.items()}, 0)


async def get_session(r: aioredis.Redis, user_id: str, session_id: str) -> dict[str, Any] | None:
    """The session if it exists and belongs to ``user_id`` (someone else's looks like a missing one)."""
    raw = cast(dict[str, str], await r.hgetall(_session_key(session_id)))  # common.cache decodes replies
    if not raw or raw.get("user_id") != user_id:
        return None
    return _session_out(session_id, raw, await r.llen(_messages_key(session_id)))


async def list_sessions(r: aioredis.Redis, user_id: str, limit: int) -> list[dict[str, Any]]:
    ids = cast(list[str], await r.zrevrange(_user_key(user_id), 0, -1))  # common.cache decodes replies
    out = []
    stale = []
    for session_id in ids:
        session = await get_session(r, user_id, session_id)
        if session is None:
            stale.append(session_id)  # expired
        else:
            out.append(session)
        if len(out) >= limit:
            break
    if stale:
        await r.zrem(_user_key(user_id), *stale)
    return out


async def messages(r: aioredis.Redis, session_id: str, last: int | None = None) -> list[dict[str, Any]]:
    start = -last if last else 0
    return [json.loads(m) for m in await r.lrange(_messages_key(session_id), start, -1)]


async def find_message(r: aioredis.Redis, session_id: str, message_id: str) -> dict[str, Any] | None:
    for message in await messages(r, session_id):
        if message["id"] == message_id:
            return message
    return None


async def append(r: aioredis.Redis, user_id: str, session_id: str, *new: dict[str, Any]) -> None:
    now = _now()
    async with r.pipeline(transaction=True) as pipe:
        pipe.rpush(_messages_key(session_id), *(json.dumps(m, ensure_ascii=False) for m in new))
        pipe.ltrim(_messages_key(session_id), -MAX_MESSAGES, -1)
        pipe.hset(_session_key(session_id), "updated_at", now)
        for key in (_messages_key(session_id), _session_key(session_id), _user_key(user_id)):
            pipe.expire(key, HISTORY_TTL_S)
        await pipe.execute()


async def delete_session(r: aioredis.Redis, user_id: str, session_id: str) -> None:
    async with r.pipeline(transaction=True) as pipe:
        pipe.delete(_session_key(session_id), _messages_key(session_id))
        pipe.zrem(_user_key(user_id), session_id)
        await pipe.execute()


def new_message(role: str, content: str, **extra: Any) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex, "role": role, "content": content, "created_at": _now(), **extra}
