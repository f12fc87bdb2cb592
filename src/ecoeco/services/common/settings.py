"""Settings shared by every service and worker (pydantic-settings, ``ECOECO_`` prefix).

Service packages may subclass ``Settings`` to add their own fields; keep one field per fact.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class OAuthProvider(BaseModel):
    """One OAuth 2.0 authorization-code provider. Endpoints are settings so tests run a local provider."""

    authorize_url: str
    token_url: str
    userinfo_url: str
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    scope: str = ""
    redirect_uri: str = ""  # our callback URL as registered with the provider


def _default_oauth_providers() -> dict[str, OAuthProvider]:
    return {
        "kakao": OAuthProvider(
            authorize_url="https://kauth.kakao.com/oauth/authorize",
            token_url="https://kauth.kakao.com/oauth/token",
            userinfo_url="https://kapi.kakao.com/v2/user/me",
            scope="account_email",
        ),
        "google": OAuthProvider(
            authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
            token_url="https://oauth2.googleapis.com/token",
            userinfo_url="https://openidconnect.googleapis.com/v1/userinfo",
            scope="openid email profile",
        ),
        "naver": OAuthProvider(
            authorize_url="https://nid.naver.com/oauth2.0/authorize",
            token_url="https://nid.naver.com/oauth2.0/token",
            userinfo_url="https://openapi.naver.com/v1/nid/me",
        ),
    }


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ECOECO_", extra="ignore")

    environment: str = "sandbox"
    log_level: str = "INFO"

    # infrastructure (already running on development machines)
    database_url: str = "postgresql://postgres@127.0.0.1:5432/ecoeco"
    redis_url: str = "redis://127.0.0.1:6379/0"
    broker_url: str = "amqp://guest:guest@127.0.0.1:5672/ecoeco"
    rabbitmq_management_url: str = "http://127.0.0.1:15672"

    # tokens (HS256 by default; RS256 when a key pair is configured)
    jwt_secret: SecretStr = SecretStr("sandbox-only-secret-change-me-0123456789")
    jwt_algorithm: str = "HS256"
    jwt_private_key: SecretStr | None = None
    jwt_public_key: str | None = None
    access_token_ttl_s: int = 3600
    refresh_token_ttl_s: int = 30 * 24 * 3600

    # object storage (the sandbox's moto server; real S3 in production)
    s3_endpoint_url: str | None = None
    s3_bucket: str = "ecoeco-images"
    aws_region: str = "ap-northeast-2"
    aws_access_key_id: str = "testing"
    aws_secret_access_key: SecretStr = SecretStr("testing")

    # optional model endpoints (OpenAI-compatible)
    openai_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    chat_model: str = "gpt-4o-mini"
    vision_model: str = "gpt-4o-mini"

    # workers
    wal_dir: Path = Path("/tmp/ecoeco-wal")
    wal_sync_interval_s: float = 300.0
    wal_retention_s: float = 7 * 24 * 3600.0  # synced finished rows older than this leave the journal
    max_attempts: int = 3
    max_upload_bytes: int = 10 * 1024 * 1024

    # API limits (added by the API core)
    max_json_body_bytes: int = 1024 * 1024
    # OAuth providers (kakao, google, naver); JSON in ECOECO_OAUTH_PROVIDERS. Empty client_id = disabled.
    oauth_providers: dict[str, OAuthProvider] = Field(default_factory=_default_oauth_providers)
    oauth_state_ttl_s: int = 600
    presigned_url_ttl_s: int = 300


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
