"""Fixtures for the API services: real PostgreSQL (per-session database), Redis db 1, RabbitMQ vhost,
and each service served by a real uvicorn on a free loopback port."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr
from tests.conftest import create_vhost, delete_vhost, moto_server
from tests.integration.api.live_server import serve, wait_ready
from tests.integration.api.oauth_provider import CLIENT_ID, CLIENT_SECRET, LocalProvider

from ecoeco.services.common.security import issue_token
from ecoeco.services.common.settings import OAuthProvider, Settings


@pytest.fixture(scope="session")
def api_settings(pg_url: str, redis_url: str, broker_url: str) -> Settings:
    return Settings(database_url=pg_url, redis_url=redis_url, broker_url=broker_url, log_level="WARNING")


@pytest.fixture(scope="session")
def auth_url(api_settings: Settings) -> Iterator[str]:
    from ecoeco.services.auth.app import create_app

    with serve(create_app(api_settings)) as base:
        wait_ready(base)
        yield base


def mint_access_token(settings: Settings, user_id: str | None = None, email: str | None = None) -> str:
    """A valid access token for a user that need not exist in the auth service."""
    token, _ = issue_token(settings, user_id or str(uuid.uuid4()), email)
    return token


@pytest.fixture
def user_token(api_settings: Settings) -> tuple[str, str]:
    """(user_id, access token) for a fresh random user."""
    user_id = str(uuid.uuid4())
    return user_id, mint_access_token(api_settings, user_id, f"{user_id[:8]}@example.com")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(resp: httpx.Response, status: int) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json"), resp.headers["content-type"]
    body = resp.json()
    assert body["status"] == status
    assert body["title"]
    return body


@pytest.fixture(scope="session")
def userinfo_url(api_settings: Settings) -> Iterator[str]:
    from ecoeco.services.userinfo.app import create_app

    with serve(create_app(api_settings)) as base:
        wait_ready(base)
        yield base


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A local S3 endpoint (moto server mode) on a free loopback port."""
    with moto_server() as url:
        yield url


@pytest.fixture(scope="session")
def waste_vhost() -> Iterator[str]:
    """The waste tests read q.storage directly, so they get a vhost no worker consumes from."""
    vhost = create_vhost("ecoeco-test-waste")
    try:
        yield vhost
    finally:
        delete_vhost(vhost)


@pytest.fixture(scope="session")
def waste_settings(api_settings: Settings, moto_endpoint: str, waste_vhost: str) -> Settings:
    import boto3

    settings = api_settings.model_copy(
        update={
            "s3_endpoint_url": moto_endpoint,
            "s3_bucket": f"ecoeco-test-{uuid.uuid4().hex[:8]}",
            "broker_url": f"amqp://guest:guest@127.0.0.1:5672/{waste_vhost}",
            "max_upload_bytes": 200_000,  # small, so the oversize cases stay cheap
        }
    )
    s3 = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name=settings.aws_region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(
        Bucket=settings.s3_bucket, CreateBucketConfiguration={"LocationConstraint": settings.aws_region}
    )
    return settings


@pytest.fixture(scope="session")
def waste_url(waste_settings: Settings) -> Iterator[str]:
    from ecoeco.services.waste.app import create_app

    with serve(create_app(waste_settings)) as base:
        wait_ready(base)
        yield base


@pytest.fixture(scope="session")
def provider() -> LocalProvider:
    return LocalProvider()


@pytest.fixture(scope="session")
def oauth_auth_url(api_settings: Settings, provider: LocalProvider) -> Iterator[str]:
    from ecoeco.services.auth.app import create_app

    with (
        serve(provider.app("kakao")) as kakao,
        serve(provider.app("naver")) as naver,
        serve(provider.app("google")) as google,
    ):
        providers = {
            name: OAuthProvider(
                authorize_url=f"{base}/authorize",
                token_url=f"{base}/token",
                userinfo_url=f"{base}/userinfo",
                client_id=CLIENT_ID,
                client_secret=SecretStr(CLIENT_SECRET),
                redirect_uri="http://127.0.0.1/app/callback",
            )
            for name, base in (("kakao", kakao), ("naver", naver), ("google", google))
        }
        settings = api_settings.model_copy(update={"oauth_providers": providers})
        with serve(create_app(settings)) as base:
            wait_ready(base)
            yield base
