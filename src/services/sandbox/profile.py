"""The console profile ``sandbox``: the endpoints ``up`` started, written where the console reads them."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from console.config import config_path, upsert_profile
from services.sandbox.components import API_SERVICES, WORKERS
from services.sandbox.settings import SandboxSettings
from services.sandbox.urls import with_path

PROFILE = "sandbox"


def profile_values(settings: SandboxSettings, state: dict[str, Any]) -> dict[str, Any]:
    comps = state["components"]
    rabbit = urlsplit(settings.rabbitmq_url)
    values: dict[str, Any] = {
        "environment": "sandbox",
        "read_only": False,
        "sandbox": True,
        "cluster": "local",
        "rabbitmq_management_url": settings.rabbitmq_management_url,
        "rabbitmq_user": unquote(rabbit.username or "guest"),
        "rabbitmq_password": unquote(rabbit.password or "guest"),
        "rabbitmq_vhost": state["vhost"],
        "broker_url": with_path(settings.rabbitmq_url, state["vhost"]),
        "queues": ["q.storage", "q.ai", "q.dlq"],
        "services": {n: comps[n]["url"] for n in API_SERVICES if comps.get(n, {}).get("url")},
        "workers": {n: comps[n]["url"] for n in WORKERS if comps.get(n, {}).get("url")},
    }
    prom = comps.get("prometheus", {})
    if prom.get("url") and not prom.get("skipped"):
        values["prometheus_url"] = prom["url"]
    aws = state.get("aws") or {}
    if aws:
        values |= {
            "aws_endpoint_url": aws["endpoint_url"],
            "aws_region": aws["region"],
            "s3_bucket": aws["bucket"],
            "cloudfront_distribution_id": aws["cloudfront_distribution_id"],
        }
    return values


def profile_is_current(values: dict[str, Any], path: Path | None = None) -> bool:
    path = path or config_path()
    try:
        with path.open("rb") as fh:
            current = tomllib.load(fh).get("profiles", {}).get(PROFILE)
    except (FileNotFoundError, tomllib.TOMLDecodeError):
        return False
    return current is not None and all(current.get(k) == v for k, v in values.items())


def write_profile(values: dict[str, Any]) -> Path:
    """Through ``console.config.upsert_profile``: it validates the profile and keeps the others."""
    return upsert_profile(PROFILE, values)
