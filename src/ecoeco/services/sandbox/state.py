"""The sandbox's side of its state file: where it is for these settings, writing it atomically, and
``current_status`` (``ecoeco.shared.sandbox_state.read_status`` with this sandbox's defaults)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ecoeco.services.sandbox.settings import SandboxSettings
from ecoeco.services.sandbox.urls import with_path
from ecoeco.shared import sandbox_state
from ecoeco.shared.sandbox_state import STATE_FILE, SandboxStatus


def state_dir(settings: SandboxSettings | None = None) -> Path:
    return sandbox_state.state_dir((settings or SandboxSettings()).dir)


def save_state(directory: Path, state: dict[str, Any]) -> None:
    """Write atomically (rename), readable only by the owner: it names every endpoint."""
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{STATE_FILE}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(state, fh, indent=2, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, directory / STATE_FILE)


def external_urls(settings: SandboxSettings, database: str, vhost: str) -> dict[str, str]:
    return {
        "postgresql": with_path(settings.postgres_url, database),
        "rabbitmq": with_path(settings.rabbitmq_url, vhost),
        "redis": settings.redis_url,
    }


def current_status(settings: SandboxSettings | None = None) -> SandboxStatus:
    """The sandbox as it is now (see ``read_status``); changes nothing."""
    settings = settings or SandboxSettings()
    defaults = external_urls(settings, settings.database, settings.vhost)
    return sandbox_state.read_status(state_dir(settings), defaults)
