"""Access + rotating refresh tokens. Refresh tokens are recorded by jti in ``auth.refresh_tokens``;
each use rotates it, and presenting an already-rotated token revokes its whole family (the
standard signal that a refresh token was stolen)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg

from ecoeco.services.auth.schemas import TokenPair
from ecoeco.services.common.errors import ProblemError
from ecoeco.services.common.security import ACCESS, REFRESH, TokenError, decode_token, issue_token
from ecoeco.services.common.settings import Settings


def unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


async def issue_pair(
    conn: psycopg.AsyncConnection,
    settings: Settings,
    user_id: str,
    email: str | None,
    family_id: str | None = None,
) -> TokenPair:
    family_id = family_id or uuid.uuid4().hex
    access, _ = issue_token(settings, user_id, email, ACCESS)
    refresh, claims = issue_token(settings, user_id, email, REFRESH, extra={"fam": family_id})
    await conn.execute(
        "INSERT INTO auth.refresh_tokens (jti, user_id, family_id, expires_at) VALUES (%s, %s, %s, %s)",
        (claims["jti"], user_id, family_id, datetime.fromtimestamp(claims["exp"], UTC)),
    )
    return TokenPair(
        access_token=access, refresh_token=refresh, expires_in=settings.access_token_ttl_s, user_id=user_id
    )


async def revoke_family(conn: psycopg.AsyncConnection, family_id: str) -> None:
    await conn.execute(
        "UPDATE auth.refresh_tokens SET revoked_at = now() WHERE family_id = %s AND revoked_at IS NULL",
        (family_id,),
    )


async def rotate(conn: psycopg.AsyncConnection, settings: Settings, token: str) -> TokenPair:
    try:
        claims = decode_token(settings, token, REFRESH)
    except TokenError as exc:
        raise unauthorized(str(exc)) from exc
    cur = await conn.execute(
        "SELECT t.user_id::text, t.family_id, t.rotated_at, t.revoked_at, u.email, u.deleted_at"
        " FROM auth.refresh_tokens t JOIN auth.users u ON u.id = t.user_id"
        " WHERE t.jti = %s FOR UPDATE OF t",
        (claims["jti"],),
    )
    row = await cur.fetchone()
    if row is None:
        raise unauthorized("unknown refresh token")
    user_id, family_id, rotated_at, revoked_at, email, deleted_at = row
    if revoked_at is not None or deleted_at is not None:
        raise unauthorized("refresh token revoked")
    if rotated_at is not None:
        await revoke_family(conn, family_id)
        await conn.commit()  # the revocation must stick although the request fails
        raise unauthorized("refresh token already used; all sessions of this login were revoked")
    await conn.execute("UPDATE auth.refresh_tokens SET rotated_at = now() WHERE jti = %s", (claims["jti"],))
    return await issue_pair(conn, settings, user_id, email, family_id)


async def family_of(
    conn: psycopg.AsyncConnection, settings: Settings, token: str, user_id: str
) -> str | None:
    """The family of a refresh token that belongs to ``user_id`` (None when it is not theirs or invalid)."""
    try:
        claims = decode_token(settings, token, REFRESH)
    except TokenError:
        return None
    cur = await conn.execute(
        "SELECT family_id FROM auth.refresh_tokens WHERE jti = %s AND user_id::text = %s",
        (claims["jti"], user_id),
    )
    row = await cur.fetchone()
    return row[0] if row else None
