"""PostgreSQL, RabbitMQ and Redis: check they are reachable (say how to start them when not),
and create / remove the sandbox's database and vhost."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import httpx
import pika
import psycopg
import redis
from psycopg import sql

from ecoeco.services.sandbox.settings import SandboxSettings
from ecoeco.services.sandbox.urls import with_path
from ecoeco.shared.redact import mask_url


class PrereqError(RuntimeError):
    """A piece of infrastructure the sandbox needs is missing; the message says how to get it."""

    def __init__(self, component: str, message: str) -> None:
        super().__init__(message)
        self.component = component


def _postgres_hint() -> str:
    versions = (
        sorted(p.name for p in Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").is_dir() else []
    )
    if versions:
        return f"start it with: pg_ctlcluster --skip-systemctl-redirect {versions[-1]} main start"
    return "install it with: apt-get install postgresql (then: pg_ctlcluster --skip-systemctl-redirect <version> main start)"


def _rabbitmq_hint() -> str:
    if shutil.which("rabbitmq-server"):
        return "start it with: rabbitmq-server -detached"
    return "install it with: apt-get install rabbitmq-server (then: rabbitmq-server -detached)"


def _redis_hint() -> str:
    start = "redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' --appendonly no"
    if shutil.which("redis-server"):
        return f"start it with: {start}"
    return f"install it with: apt-get install redis-server (then: {start})"


PLUGINS_HINT = "enable it with: rabbitmq-plugins enable rabbitmq_management rabbitmq_prometheus"


def rabbit_credentials(settings: SandboxSettings) -> tuple[str, str]:
    parts = urlsplit(settings.rabbitmq_url)
    return unquote(parts.username or "guest"), unquote(parts.password or "guest")


def check_postgres(settings: SandboxSettings) -> None:
    url = with_path(settings.postgres_url, "postgres")
    try:
        with psycopg.connect(url, connect_timeout=max(1, int(settings.check_timeout_s))) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        raise PrereqError(
            "postgresql",
            f"PostgreSQL is not reachable at {mask_url(url)} ({_first_line(exc)}); {_postgres_hint()}",
        ) from exc


def check_redis(settings: SandboxSettings) -> None:
    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=settings.check_timeout_s)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise PrereqError(
            "redis",
            f"Redis is not reachable at {mask_url(settings.redis_url)} ({_first_line(exc)}); {_redis_hint()}",
        ) from exc
    finally:
        client.close()


def check_rabbitmq_management(settings: SandboxSettings) -> None:
    try:
        r = httpx.get(
            f"{settings.rabbitmq_management_url}/api/overview",
            auth=rabbit_credentials(settings),
            timeout=settings.check_timeout_s,
        )
    except httpx.HTTPError as exc:
        raise PrereqError(
            "rabbitmq",
            f"The RabbitMQ management API is not reachable at {settings.rabbitmq_management_url} "
            f"({_first_line(exc)}); {_rabbitmq_hint()}; if RabbitMQ runs, {PLUGINS_HINT}",
        ) from exc
    if r.status_code != 200:
        raise PrereqError(
            "rabbitmq",
            f"The RabbitMQ management API at {settings.rabbitmq_management_url} answered {r.status_code} "
            "(are the credentials in ECOECO_SANDBOX_RABBITMQ_URL right?)",
        )


def check_rabbitmq_amqp(settings: SandboxSettings, vhost: str) -> None:
    url = with_path(settings.rabbitmq_url, vhost)
    params = pika.URLParameters(url)
    params.socket_timeout = settings.check_timeout_s
    params.blocked_connection_timeout = settings.check_timeout_s
    params.connection_attempts = 1
    try:
        pika.BlockingConnection(params).close()
    except Exception as exc:  # pika raises several unrelated exception types for one cause
        raise PrereqError(
            "rabbitmq",
            f"RabbitMQ (AMQP) is not reachable at {mask_url(url)} ({type(exc).__name__}); {_rabbitmq_hint()}",
        ) from exc


def rabbitmq_prometheus_warning(settings: SandboxSettings) -> str | None:
    """The prometheus plugin is nice to have (queue metrics in Prometheus), not required."""
    try:
        httpx.get(
            f"{settings.rabbitmq_prometheus_url}/metrics", timeout=settings.check_timeout_s
        ).raise_for_status()
    except httpx.HTTPError:
        return (
            f"RabbitMQ's prometheus plugin does not answer at {settings.rabbitmq_prometheus_url}: "
            f"queue metrics will be missing in Prometheus; {PLUGINS_HINT}"
        )
    return None


def ensure_database(settings: SandboxSettings, name: str) -> bool:
    """Create database ``name`` if missing. Returns True if it was created."""
    with psycopg.connect(with_path(settings.postgres_url, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def drop_database(settings: SandboxSettings, name: str) -> None:
    with psycopg.connect(with_path(settings.postgres_url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def ensure_vhost(settings: SandboxSettings, vhost: str) -> None:
    """Create ``vhost`` (idempotent PUT) and give the sandbox's user full permissions on it."""
    user, password = rabbit_credentials(settings)
    base = settings.rabbitmq_management_url
    q = quote(vhost, safe="")
    httpx.put(f"{base}/api/vhosts/{q}", auth=(user, password), timeout=10).raise_for_status()
    httpx.put(
        f"{base}/api/permissions/{q}/{quote(user, safe='')}",
        auth=(user, password),
        json={"configure": ".*", "write": ".*", "read": ".*"},
        timeout=10,
    ).raise_for_status()


def delete_vhost(settings: SandboxSettings, vhost: str) -> None:
    base = settings.rabbitmq_management_url
    r = httpx.delete(
        f"{base}/api/vhosts/{quote(vhost, safe='')}", auth=rabbit_credentials(settings), timeout=10
    )
    if r.status_code not in (204, 404):  # 404: already gone
        r.raise_for_status()


def check_all(settings: SandboxSettings) -> list[str]:
    """Raise PrereqError naming the first missing piece; return warnings for optional ones."""
    check_postgres(settings)
    check_rabbitmq_management(settings)
    check_redis(settings)
    warning = rabbitmq_prometheus_warning(settings)
    return [warning] if warning else []


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
