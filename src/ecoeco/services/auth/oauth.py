"""OAuth 2.0 authorization-code login (Kakao, Google, Naver).

``state`` is a random value kept in Redis for ``oauth_state_ttl_s`` (10 min) and consumed once.
The provider's endpoints come from settings, so tests point them at a local provider.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import redis.asyncio as aioredis

from ecoeco.services.common.errors import ProblemError
from ecoeco.services.common.settings import OAuthProvider, Settings

PROVIDERS = ("kakao", "google", "naver")
HTTP_TIMEOUT_S = 5.0


def state_key(state: str) -> str:
    return f"ecoeco:auth:oauth_state:{state}"


@dataclass(frozen=True)
class ExternalAccount:
    provider: str
    subject: str
    email: str | None
    name: str | None


def provider_config(settings: Settings, provider: str) -> OAuthProvider:
    config = settings.oauth_providers.get(provider)
    if config is None or not config.client_id:
        raise ProblemError(503, "Service Unavailable", f"OAuth provider {provider!r} is not configured.")
    return config


async def start(
    settings: Settings, redis: aioredis.Redis, provider: str, redirect_uri: str | None
) -> tuple[str, str]:
    config = provider_config(settings, provider)
    redirect = redirect_uri or config.redirect_uri
    if not redirect:
        raise ProblemError(422, "Unprocessable Content", "redirect_uri is required for this provider.")
    state = secrets.token_urlsafe(32)
    await redis.set(
        state_key(state),
        json.dumps({"provider": provider, "redirect_uri": redirect}),
        ex=settings.oauth_state_ttl_s,
    )
    query = {"response_type": "code", "client_id": config.client_id, "redirect_uri": redirect, "state": state}
    if config.scope:
        query["scope"] = config.scope
    sep = "&" if "?" in config.authorize_url else "?"
    return f"{config.authorize_url}{sep}{urlencode(query)}", state


async def consume_state(redis: aioredis.Redis, provider: str, state: str) -> dict[str, Any]:
    raw = await redis.getdel(state_key(state))
    if raw is None:
        raise ProblemError(400, "Bad Request", "Unknown or expired OAuth state.")
    data = json.loads(raw)
    if data.get("provider") != provider:
        raise ProblemError(400, "Bad Request", "OAuth state was issued for another provider.")
    return data


def _parse_account(provider: str, body: dict[str, Any]) -> ExternalAccount:
    if provider == "kakao":
        account = body.get("kakao_account") or {}
        profile = account.get("profile") or {}
        subject, email, name = body.get("id"), account.get("email"), profile.get("nickname")
    elif provider == "naver":
        resp = body.get("response") or {}
        subject, email, name = resp.get("id"), resp.get("email"), resp.get("nickname") or resp.get("name")
    else:
        subject, email, name = body.get("sub"), body.get("email"), body.get("name")
    if subject in (None, ""):
        raise ProblemError(502, "Bad Gateway", f"{provider} returned no account id.")
    return ExternalAccount(provider, str(subject), email if isinstance(email, str) else None, name)


async def exchange(
    settings: Settings, provider: str, code: str, state: str, redirect_uri: str
) -> ExternalAccount:
    """Trade the code for a provider token, then read the account it belongs to."""
    config = provider_config(settings, provider)
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S) as client:
            token_resp = await client.post(
                config.token_url,
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "client_id": config.client_id,
                    "client_secret": config.client_secret.get_secret_value(),
                    "redirect_uri": redirect_uri,
                    "state": state,  # Naver requires it
                },
                headers={"Accept": "application/json"},
            )
            if token_resp.status_code >= 400:
                raise ProblemError(401, "Unauthorized", f"{provider} rejected the authorization code.")
            access = token_resp.json().get("access_token")
            if not isinstance(access, str) or not access:
                raise ProblemError(502, "Bad Gateway", f"{provider} returned no access token.")
            info = await client.get(config.userinfo_url, headers={"Authorization": f"Bearer {access}"})
            if info.status_code >= 400:
                raise ProblemError(502, "Bad Gateway", f"{provider} user info failed ({info.status_code}).")
            body = info.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ProblemError(
            502, "Bad Gateway", f"{provider} could not be reached or answered garbage."
        ) from exc
    if not isinstance(body, dict):
        raise ProblemError(502, "Bad Gateway", f"{provider} user info is not an object.")
    return _parse_account(provider, body)
