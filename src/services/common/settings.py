"""Settings shared by every service and worker (pydantic-settings, ``ECOECO_`` prefix).

Service packages may subclass ``Settings`` to add their own fields; keep one field per fact.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    max_attempts: int = 3
    max_upload_bytes: int = 10 * 1024 * 1024

    # API limits (added by the API core)
    max_json_body_bytes: int = 1024 * 1024


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
