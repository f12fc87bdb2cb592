"""Settings shared by every service and worker (pydantic-settings, ``ECOECO_`` prefix).

Service packages may subclass ``Settings`` to add their own fields; keep one field per fact.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# Environments where the built-in defaults (a known JWT secret, guest:guest, trust auth, moto's keys)
# are fine. Anything else is treated as production and must configure real secrets.
SANDBOX_ENVIRONMENTS = frozenset({"sandbox", "dev", "test"})
SANDBOX_JWT_SECRET = "sandbox-only-secret-change-me-0123456789"
SANDBOX_AWS_KEY = "testing"
MIN_JWT_SECRET_CHARS = 32


class InsecureSettingsError(RuntimeError):
    """Production settings that still hold a default secret or credential. The message names the
    settings (environment variables), never their values."""


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
    jwt_secret: SecretStr = SecretStr(SANDBOX_JWT_SECRET)
    jwt_algorithm: str = "HS256"
    jwt_private_key: SecretStr | None = None
    jwt_public_key: str | None = None
    access_token_ttl_s: int = 3600
    refresh_token_ttl_s: int = 30 * 24 * 3600

    # object storage (the sandbox's moto server; real S3 in production)
    s3_endpoint_url: str | None = None
    s3_bucket: str = "ecoeco-images"
    aws_region: str = "ap-northeast-2"
    # moto's dummy keys. Empty in production means "use the instance or pod role" (boto3's own chain).
    aws_access_key_id: str = SANDBOX_AWS_KEY
    aws_secret_access_key: SecretStr = SecretStr(SANDBOX_AWS_KEY)

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
    # waste: analyses whose image was never uploaded (or never completed) are expired after this long,
    # their objects deleted, by a bounded batch every interval on each replica.
    abandoned_upload_after_s: float = 6 * 3600
    upload_cleanup_interval_s: float = 600
    upload_cleanup_batch: int = 500
    # Login and sign-up limits (auth). Failures count per account *and* client, so nobody can lock
    # another person out; a per-client cap stops one address guessing across many accounts.
    login_window_s: int = 15 * 60
    login_failures_per_account_client: int = 10
    # Per-address caps. Unset: 50 failed logins and 30 sign-ups an address in production, none in the
    # sandbox environments, where every client is 127.0.0.1 (one cap for everybody, tests included).
    login_failures_per_client: int | None = None
    registration_window_s: int = 3600
    registrations_per_client: int | None = None
    # How many proxies in front of the service append to X-Forwarded-For (1 behind the ALB). 0: the
    # TCP peer is the client. Per-client limits key on this address, so never trust more hops than exist.
    trusted_proxy_hops: int = 0

    @property
    def is_sandbox(self) -> bool:
        return self.environment.strip().lower() in SANDBOX_ENVIRONMENTS

    def s3_static_keys(self) -> tuple[str, str] | None:
        """The keys boto3 is given, or None for its default chain (the instance or pod role).

        Keys are used when set explicitly and not empty, or with a custom endpoint (moto); the
        built-in sandbox keys are never sent to real AWS just because nobody set any.
        """
        key_id, secret = self.aws_access_key_id, self.aws_secret_access_key.get_secret_value()
        configured = {"aws_access_key_id", "aws_secret_access_key"} & self.model_fields_set
        if not (configured or self.s3_endpoint_url) or not (key_id or secret):
            return None
        return key_id, secret


def _url_credentials(url: str) -> tuple[str | None, str | None]:
    try:
        parts = urlsplit(url)
        return parts.username, parts.password
    except ValueError:
        return None, None


def _database_password(url: str) -> str | None:
    import psycopg.conninfo

    try:
        return psycopg.conninfo.conninfo_to_dict(url).get("password") or None  # type: ignore[return-value]
    except psycopg.ProgrammingError:
        return None


def _token_problems(settings: Settings) -> list[str]:
    if not settings.jwt_algorithm.upper().startswith("HS"):
        if not settings.jwt_public_key:
            return [f"ECOECO_JWT_PUBLIC_KEY: {settings.jwt_algorithm} needs a public key"]
        return []
    secret = settings.jwt_secret.get_secret_value()
    if secret == SANDBOX_JWT_SECRET:
        return ["ECOECO_JWT_SECRET: the built-in sandbox secret"]
    if len(secret) < MIN_JWT_SECRET_CHARS:
        return [f"ECOECO_JWT_SECRET: shorter than {MIN_JWT_SECRET_CHARS} characters"]
    return []


# What a process may use that has a secret or credential: "jwt", and dependency names as in
# ``common.health`` ("postgres", "rabbitmq", "s3"; Redis has none by design here).
EVERYTHING = ("jwt", "postgres", "rabbitmq", "s3")


def insecure_settings(settings: Settings, *, uses: Collection[str] = EVERYTHING) -> list[str]:
    """The settings still at a default secret or credential, each as "ECOECO_NAME: why" (no values).
    Only what the process ``uses`` is checked: a service never has to be given, say, a broker
    password it has no use for."""
    problems = _token_problems(settings) if "jwt" in uses else []
    if "rabbitmq" in uses:
        user, password = _url_credentials(settings.broker_url)
        if not password:
            problems.append("ECOECO_BROKER_URL: no password")
        elif (user, password) == ("guest", "guest"):
            problems.append("ECOECO_BROKER_URL: RabbitMQ's default guest account")
    if "postgres" in uses and not _database_password(settings.database_url):
        problems.append("ECOECO_DATABASE_URL: no password")
    if "s3" in uses and (keys := settings.s3_static_keys()) is not None:
        key_id, secret = keys
        if key_id == SANDBOX_AWS_KEY:
            problems.append("ECOECO_AWS_ACCESS_KEY_ID: the sandbox's dummy key")
        if secret == SANDBOX_AWS_KEY:
            problems.append("ECOECO_AWS_SECRET_ACCESS_KEY: the sandbox's dummy key")
        if bool(key_id) != bool(secret):
            problems.append("ECOECO_AWS_ACCESS_KEY_ID/ECOECO_AWS_SECRET_ACCESS_KEY: set both or neither")
    return problems


def require_safe_settings(settings: Settings, *, uses: Collection[str] = EVERYTHING) -> None:
    """Outside the sandbox, refuse to run with a default secret or credential among those the
    process ``uses`` (raises ``InsecureSettingsError`` naming every such setting)."""
    if settings.is_sandbox:
        return
    problems = insecure_settings(settings, uses=uses)
    if problems:
        raise InsecureSettingsError(
            f"refusing to start in environment {settings.environment!r} with default or missing "
            f"credentials: {'; '.join(problems)}"
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
