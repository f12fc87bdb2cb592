"""``/api/v1/auth``: register, login, refresh, logout, me, and OAuth login."""

from __future__ import annotations

from typing import Annotated, Any

import redis.asyncio as aioredis
from fastapi import APIRouter, Depends, Path, Query, Request, Response

from ecoeco.services.auth import oauth, throttle, tokens, users
from ecoeco.services.auth.passwords import hash_password, verify_password
from ecoeco.services.auth.schemas import (
    AuthorizeResponse,
    Credentials,
    LogoutRequest,
    Provider,
    RefreshRequest,
    Registration,
    TokenPair,
    User,
)
from ecoeco.services.common.cache import get_redis
from ecoeco.services.common.clients import client_address
from ecoeco.services.common.db import Conn, request_connection
from ecoeco.services.common.errors import ProblemError
from ecoeco.services.common.security import Principal, require_user, revoked_key

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

Redis = Annotated[aioredis.Redis, Depends(get_redis)]
CurrentUser = Annotated[Principal, Depends(require_user)]

PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid, expired or revoked credentials"},
    422: {"description": "Malformed request"},
}


def _normalise(email: str) -> str:
    return email.strip().lower()


def _client(request: Request) -> str:
    return client_address(request, request.app.state.settings.trusted_proxy_hops)


@router.post(
    "/register",
    status_code=201,
    response_model=TokenPair,
    responses={
        409: {"description": "Email taken"},
        429: {"description": "Too many sign-ups from this address; see Retry-After"},
    },
)
async def register(body: Registration, request: Request, redis: Redis) -> TokenPair:
    await throttle.begin_registration(redis, request.app.state.settings, _client(request))
    email = _normalise(body.email)
    password_hash = await hash_password(body.password)  # before taking a database connection
    async with request_connection(request) as conn:
        user_id = await users.create_user(conn, email, password_hash, body.display_name)
        if user_id is None:
            raise ProblemError(409, "Conflict", "An account with this email already exists.")
        return await tokens.issue_pair(conn, request.app.state.settings, user_id, email)


@router.post(
    "/login",
    response_model=TokenPair,
    responses={
        **PROBLEMS,
        429: {"description": "Too many failed logins (this account from this address, or this address)"},
    },
)
async def login(body: Credentials, request: Request, redis: Redis) -> TokenPair:
    email = _normalise(body.email)
    client = _client(request)
    # The attempt is counted before the password is looked at: parallel guesses cannot overtake it.
    # No database connection is held until then, nor while the password hash is checked: a burst of
    # guesses must not take every pooled connection from everyone else.
    await throttle.begin_login(redis, request.app.state.settings, email, client)
    async with request_connection(request) as conn:
        found = await users.find_by_email(conn, email)
    if not await verify_password(found[1] if found else None, body.password) or found is None:
        raise tokens.unauthorized("wrong email or password")
    await throttle.login_succeeded(redis, email, client)
    async with request_connection(request) as conn:
        await users.touch_login(conn, found[0])
        return await tokens.issue_pair(conn, request.app.state.settings, found[0], email)


@router.post("/refresh", response_model=TokenPair, responses=PROBLEMS)
async def refresh(body: RefreshRequest, request: Request, conn: Conn) -> TokenPair:
    return await tokens.rotate(conn, request.app.state.settings, body.refresh_token)


@router.post("/logout", status_code=204, responses=PROBLEMS)
async def logout(
    principal: CurrentUser, request: Request, conn: Conn, redis: Redis, body: LogoutRequest | None = None
) -> Response:
    """Revoke this access token (by jti) and, when given, the refresh token's whole login."""
    settings = request.app.state.settings
    # The access token can live at most access_token_ttl_s; the denylist entry need not outlive it.
    await redis.set(revoked_key(principal.jti), "1", ex=settings.access_token_ttl_s)
    if body is not None and body.refresh_token:
        family = await tokens.family_of(conn, settings, body.refresh_token, principal.user_id)
        if family is not None:
            await tokens.revoke_family(conn, family)
    return Response(status_code=204)


@router.get("/me", response_model=User, responses=PROBLEMS)
async def me(principal: CurrentUser, conn: Conn) -> User:
    user = await users.get_user(conn, principal.user_id)
    if user is None:
        raise tokens.unauthorized("the account of this token no longer exists")
    return user


@router.get(
    "/oauth/{provider}/authorize",
    response_model=AuthorizeResponse,
    responses={503: {"description": "Provider not configured"}},
)
async def oauth_authorize(
    provider: Annotated[Provider, Path()],
    request: Request,
    redis: Redis,
    redirect_uri: Annotated[str | None, Query(max_length=2048, pattern=r"^https?://")] = None,
) -> AuthorizeResponse:
    """Start a login: returns the provider URL to send the user to (``state`` kept 10 minutes)."""
    settings = request.app.state.settings
    url, state = await oauth.start(settings, redis, provider, redirect_uri)
    return AuthorizeResponse(authorization_url=url, state=state, expires_in=settings.oauth_state_ttl_s)


@router.get(
    "/oauth/{provider}/callback",
    response_model=TokenPair,
    responses={400: {"description": "Unknown or expired state"}, 502: {"description": "Provider failure"}},
)
async def oauth_callback(
    provider: Annotated[Provider, Path()],
    request: Request,
    conn: Conn,
    redis: Redis,
    code: Annotated[str, Query(min_length=1, max_length=2048)],
    state: Annotated[str, Query(min_length=1, max_length=256)],
) -> TokenPair:
    settings = request.app.state.settings
    saved = await oauth.consume_state(redis, provider, state)
    account = await oauth.exchange(settings, provider, code, state, saved["redirect_uri"])
    user_id, email = await users.user_for_account(conn, account)
    await users.touch_login(conn, user_id)
    return await tokens.issue_pair(conn, settings, user_id, email)
