"""schemathesis against the live auth, userinfo and waste services: no 5xx for any generated input,
and every 4xx is problem+json."""

from __future__ import annotations

import uuid

import httpx
import pytest
from tests.integration.api.conftest import bearer, mint_access_token
from tests.integration.api.schemathesis_support import fuzz_service

from ecoeco.services.common.settings import Settings

pytestmark = pytest.mark.integration


def report(failures: list) -> str:
    return "\n".join(str(f) for f in failures)


def test_auth_openapi_fuzz(oauth_auth_url: str) -> None:
    auth_url = oauth_auth_url  # OAuth providers configured (a local one), so no operation is 503 by design
    email = f"fuzz{uuid.uuid4().hex[:10]}@example.com"
    tokens = httpx.post(
        f"{auth_url}/api/v1/auth/register", json={"email": email, "password": "fuzzing password"}
    ).json()
    failures, sent = fuzz_service(auth_url, headers=bearer(tokens["access_token"]))
    assert sent > 100
    assert not failures, report(failures)


def test_userinfo_openapi_fuzz(userinfo_url: str, api_settings: Settings) -> None:
    failures, sent = fuzz_service(
        userinfo_url, headers=bearer(mint_access_token(api_settings, email="f@example.com"))
    )
    assert sent > 50
    assert not failures, report(failures)


def test_waste_openapi_fuzz(waste_url: str, waste_settings: Settings) -> None:
    failures, sent = fuzz_service(waste_url, headers=bearer(mint_access_token(waste_settings)))
    assert sent > 100
    assert not failures, report(failures)
