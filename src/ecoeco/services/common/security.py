"""JWT issuing and verification shared by every service.

Claims: ``sub`` (user id), ``email``, ``jti``, ``type`` ("access"|"refresh"), ``iat``, ``exp``,
``iss`` "ecoeco-auth". HS256 with ``jwt_secret`` by default; RS256 when ``jwt_algorithm`` is RS256
and a key pair is configured. Revoked token ids live in Redis under ``ecoeco:auth:revoked:{jti}``.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
import redis.exceptions
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ecoeco.services.common.errors import ProblemError, retry_after
from ecoeco.services.common.settings import Settings

ISSUER = "ecoeco-auth"
ACCESS = "access"
REFRESH = "refresh"

log = logging.getLogger("ecoeco.security")

_bearer = HTTPBearer(auto_error=False, description="JWT access token issued by the auth service")


def revoked_key(jti: str) -> str:
    return f"ecoeco:auth:revoked:{jti}"


@dataclass(frozen=True)
class Principal:
    user_id: str
    email: str | None
    jti: str
    token_type: str


class TokenError(Exception):
    """A token that is malformed, expired, wrongly signed or of the wrong type."""


def _signing_key(settings: Settings) -> Any:
    if settings.jwt_algorithm.upper().startswith(("RS", "ES", "PS")):
        if settings.jwt_private_key is None:
            raise RuntimeError(f"{settings.jwt_algorithm} needs ECOECO_JWT_PRIVATE_KEY")
        return settings.jwt_private_key.get_secret_value()
    return settings.jwt_secret.get_secret_value()


def _verifying_key(settings: Settings) -> Any:
    if settings.jwt_algorithm.upper().startswith(("RS", "ES", "PS")):
        if not settings.jwt_public_key:
            raise RuntimeError(f"{settings.jwt_algorithm} needs ECOECO_JWT_PUBLIC_KEY")
        return settings.jwt_public_key
    return settings.jwt_secret.get_secret_value()


def issue_token(
    settings: Settings,
    user_id: str,
    email: str | None,
    token_type: str = ACCESS,
    *,
    ttl_s: int | None = None,
    jti: str | None = None,
    extra: dict[str, Any] | None = None,
) -> tuple[str, dict[str, Any]]:
    """Sign a token; returns it with its claims. Also used by tests of every service to mint tokens."""
    now = int(time.time())
    if ttl_s is None:
        ttl_s = settings.access_token_ttl_s if token_type == ACCESS else settings.refresh_token_ttl_s
    claims: dict[str, Any] = {
        "sub": user_id,
        "email": email,
        "jti": jti or uuid.uuid4().hex,
        "type": token_type,
        "iat": now,
        "exp": now + ttl_s,
        "iss": ISSUER,
    }
    if extra:
        claims.update(extra)
    token = jwt.encode(claims, _signing_key(settings), algorithm=settings.jwt_algorithm)
    return token, claims


def decode_token(settings: Settings, token: str, expected_type: str = ACCESS) -> dict[str, Any]:
    """Verify signature, expiry, issuer and type (no revocation check: that needs Redis)."""
    try:
        claims = jwt.decode(
            token,
            _verifying_key(settings),
            algorithms=[settings.jwt_algorithm],
            issuer=ISSUER,
            options={"require": ["sub", "jti", "exp", "iat", "type"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("token expired") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("invalid token") from exc
    if claims.get("type") != expected_type:
        raise TokenError(f"not an {expected_type} token" if expected_type == ACCESS else "wrong token type")
    if not isinstance(claims.get("sub"), str) or not isinstance(claims.get("jti"), str):
        raise TokenError("invalid token")
    return claims


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


async def principal_from_token(request: Request, token: str) -> Principal:
    settings: Settings = request.app.state.settings
    try:
        claims = decode_token(settings, token, ACCESS)
    except TokenError as exc:
        raise _unauthorized(str(exc)) from exc
    try:
        revoked = await request.app.state.redis.exists(revoked_key(claims["jti"]))
    except (redis.exceptions.RedisError, OSError) as exc:
        # Fail closed: without the denylist a revoked token could pass.
        log.warning("revocation list unavailable: %s", type(exc).__name__)
        raise ProblemError(
            503,
            "Service Unavailable",
            "Token revocation list unavailable; retry later.",
            headers={"Retry-After": retry_after(request, "redis")},
        ) from exc
    if revoked:
        raise _unauthorized("token revoked")
    return Principal(user_id=claims["sub"], email=claims.get("email"), jti=claims["jti"], token_type=ACCESS)


async def require_user(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Principal:
    """FastAPI dependency: the authenticated user, or a 401 problem+json."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise _unauthorized("missing bearer token")
    return await principal_from_token(request, credentials.credentials)


async def optional_user(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Principal | None:
    """Like ``require_user`` but anonymous requests get ``None``; a bad token is still a 401."""
    if credentials is None:
        return None
    return await principal_from_token(request, credentials.credentials)
