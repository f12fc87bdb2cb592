"""``/api/v1/users``: the caller's profile, points, activity history, and account soft delete."""

from __future__ import annotations

from typing import Annotated, Any

import psycopg
import redis.asyncio as aioredis
from fastapi import APIRouter, Depends, Query, Request, Response
from psycopg.rows import dict_row

from ecoeco.services.common.cache import get_redis
from ecoeco.services.common.db import Conn
from ecoeco.services.common.errors import ProblemError
from ecoeco.services.common.security import Principal, require_user, revoked_key
from ecoeco.services.userinfo import activity
from ecoeco.services.userinfo.levels import level_for
from ecoeco.services.userinfo.schemas import ActivityPage, Notifications, Points, Profile, ProfilePatch

router = APIRouter(prefix="/api/v1/users", tags=["users"])

CurrentUser = Annotated[Principal, Depends(require_user)]
Redis = Annotated[aioredis.Redis, Depends(get_redis)]

PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid token"},
    410: {"description": "The account was deleted"},
}
_COLUMNS = (
    "user_id, nickname, avatar_url, language, theme, notify_push, notify_email, notify_marketing,"
    " created_at, updated_at, deleted_at"
)


def _profile(row: dict[str, Any]) -> Profile:
    return Profile(
        user_id=row["user_id"],
        nickname=row["nickname"],
        avatar_url=row["avatar_url"],
        language=row["language"],
        theme=row["theme"],
        notifications=Notifications(
            push=row["notify_push"], email=row["notify_email"], marketing=row["notify_marketing"]
        ),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def _load(conn: psycopg.AsyncConnection, principal: Principal) -> dict[str, Any]:
    """The caller's profile row, created with defaults on first use; 410 once deleted."""
    nickname = (principal.email or "").split("@")[0][:30] or f"user-{principal.user_id[:8]}"
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "INSERT INTO userinfo.profiles (user_id, nickname) VALUES (%s, %s) ON CONFLICT (user_id) DO NOTHING",
            (principal.user_id, nickname),
        )
        await cur.execute(
            f"SELECT {_COLUMNS} FROM userinfo.profiles WHERE user_id = %s", (principal.user_id,)
        )
        row = await cur.fetchone()
    assert row is not None
    if row["deleted_at"] is not None:
        raise ProblemError(410, "Gone", "This account was deleted.")
    return row


@router.get("/me", response_model=Profile, responses=PROBLEMS)
async def get_profile(principal: CurrentUser, conn: Conn) -> Profile:
    return _profile(await _load(conn, principal))


@router.patch("/me", response_model=Profile, responses={**PROBLEMS, 422: {"description": "Invalid field"}})
async def update_profile(body: ProfilePatch, principal: CurrentUser, conn: Conn) -> Profile:
    await _load(conn, principal)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True, exclude={"notifications"})
    if body.nickname is None:
        changes.pop("nickname", None)  # nickname is required; null means "leave it"
    if body.notifications is not None:
        for key, value in body.notifications.model_dump(exclude_unset=True).items():
            if value is not None:
                changes[f"notify_{key}"] = value
    for key in ("language", "theme"):
        if key in changes and changes[key] is None:
            changes.pop(key)
    if changes:
        # Column names come from the pydantic model above, never from the client.
        assignments = ", ".join(f"{col} = %({col})s" for col in changes)
        await conn.execute(
            f"UPDATE userinfo.profiles SET {assignments}, updated_at = now() WHERE user_id = %(uid)s",
            {**changes, "uid": principal.user_id},
        )
    return _profile(await _load(conn, principal))


@router.delete("/me", status_code=204, responses=PROBLEMS)
async def delete_account(principal: CurrentUser, request: Request, conn: Conn, redis: Redis) -> Response:
    """Soft delete: the profile is kept (for audit) but hidden, every later call answers 410, and
    the token used here is revoked (the client is logged out)."""
    await _load(conn, principal)
    await conn.execute(
        "UPDATE userinfo.profiles SET deleted_at = now(), nickname = 'deleted', avatar_url = NULL"
        " WHERE user_id = %s",
        (principal.user_id,),
    )
    await conn.commit()  # the deletion stands even if Redis fails below
    ttl = request.app.state.settings.access_token_ttl_s
    await redis.set(revoked_key(principal.jti), "1", ex=ttl)
    return Response(status_code=204)


@router.get("/me/points", response_model=Points, responses=PROBLEMS)
async def get_points(principal: CurrentUser, conn: Conn) -> Points:
    await _load(conn, principal)
    points, analyses = await activity.totals(conn, principal.user_id)
    level, name, next_at = level_for(points)
    return Points(points=points, level=level, level_name=name, next_level_at=next_at, analyses=analyses)


@router.get("/me/activities", response_model=ActivityPage, responses=PROBLEMS)
async def get_activities(
    principal: CurrentUser,
    conn: Conn,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> ActivityPage:
    await _load(conn, principal)
    items, total = await activity.history(conn, principal.user_id, limit, offset)
    return ActivityPage(items=items, total=total, limit=limit, offset=offset)
