"""Sandbox settings: where the infrastructure is and where the sandbox keeps its state.

Every field can be overridden with ``ECOECO_SANDBOX_<FIELD>`` (e.g. ``ECOECO_SANDBOX_DIR``,
``ECOECO_SANDBOX_DATABASE``, ``ECOECO_SANDBOX_VHOST``), which is how tests run a sandbox of their
own next to the developer's.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class SandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ECOECO_SANDBOX_", extra="ignore")

    dir: Path | None = None
    # Server URLs without a database / vhost: the sandbox adds its own.
    postgres_url: str = "postgresql://postgres@127.0.0.1:5432"
    database: str = "ecoeco"
    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672"
    rabbitmq_management_url: str = "http://127.0.0.1:15672"
    rabbitmq_prometheus_url: str = "http://127.0.0.1:15692"
    vhost: str = "ecoeco"
    redis_url: str = "redis://127.0.0.1:6379/0"

    # Short, so the console shows the journals filling and draining within a minute.
    wal_sync_interval_s: float = 30.0
    prometheus_bin: str = "/usr/bin/prometheus"
    aws_region: str = "ap-northeast-2"
    s3_bucket: str = "ecoeco-images"

    start_timeout_s: float = 120.0
    stop_grace_s: float = 10.0
    check_timeout_s: float = 5.0
    # The watchdog's liveness probe (the kubelet's, sandbox-sized): a process alive but not answering
    # its health URL ``liveness_failures`` times in a row, ``liveness_period_s`` apart, is stopped and
    # restarted; not before ``liveness_grace_s`` after its start. A period of 0 turns it off.
    liveness_period_s: float = 5.0
    liveness_failures: int = 3
    liveness_timeout_s: float = 2.0
    liveness_grace_s: float = 60.0
