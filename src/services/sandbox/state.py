"""The sandbox's state directory and state file, and ``read_status()`` (the contract the console reads).

Layout of the state dir: ``state.json`` (what runs where), ``jwt_secret`` (0600), ``logs/NAME.log``,
``wal/<worker>/`` (journals), ``prom/`` (TSDB), ``prometheus.yml`` and ``alerts.yml``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import platformdirs

from services.sandbox.components import EXTERNAL, MANAGED, STATUS_ORDER, component, node_for
from services.sandbox.processes import pid_alive, port_open
from services.sandbox.settings import SandboxSettings
from services.sandbox.urls import host_port, mask_password, with_path

STATE_FILE = "state.json"


def state_dir(settings: SandboxSettings | None = None) -> Path:
    settings = settings or SandboxSettings()
    if settings.dir is not None:
        return Path(settings.dir)
    return platformdirs.user_state_path("ecoeco") / "sandbox"


class StateError(RuntimeError):
    """The state file exists but cannot be read; nothing is changed or deleted."""


def load_state(directory: Path) -> dict[str, Any] | None:
    path = directory / STATE_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StateError(
            f"the sandbox state file {path} is unreadable ({exc}); move it aside and stop any leftover "
            "processes listed in it by hand, then run `ecoeco-sandbox up` again"
        ) from exc
    if not isinstance(state, dict) or not isinstance(state.get("components"), dict):
        raise StateError(
            f"the sandbox state file {path} is not a sandbox state (no components); move it aside"
        )
    return state


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


_DEFAULT_PORTS = {"postgresql": 5432, "rabbitmq": 5672, "redis": 6379}


def managed_alive(entry: dict[str, Any] | None) -> bool:
    """A managed component is alive when its own process still runs and its port accepts connections."""
    if not entry or not entry.get("pid"):
        return False
    return pid_alive(entry["pid"], entry.get("start_time")) and port_open("127.0.0.1", entry.get("port"))


def read_status(settings: SandboxSettings | None = None) -> dict[str, Any]:
    """The sandbox as it is now. Reads the state file, checks pids and TCP ports; changes nothing.

    ``running`` is true when every component the sandbox manages is alive (a component skipped
    because it is not installed, e.g. Prometheus, does not count).
    """
    settings = settings or SandboxSettings()
    directory = state_dir(settings)
    state = load_state(directory) or {}
    entries: dict[str, dict[str, Any]] = state.get("components", {})
    database = state.get("database", settings.database)
    vhost = state.get("vhost", settings.vhost)
    externals = state.get("external_urls") or external_urls(settings, database, vhost)

    components: list[dict[str, Any]] = []
    for name in STATUS_ORDER:
        comp = component(name)
        row: dict[str, Any] = {"name": name, "kind": comp.kind}
        if name in EXTERNAL:
            url = externals[name]
            host, port = host_port(url, _DEFAULT_PORTS[name])
            row |= {"url": mask_password(url), "pid": None, "alive": port_open(host, port)}
        else:
            entry = entries.get(name) or {}
            alive = managed_alive(entry)
            row |= {
                "url": entry.get("url"),
                "pid": entry.get("pid") if alive else None,
                "alive": alive,
            }
            if entry.get("skipped"):
                row["skipped"] = entry["skipped"]
            # Beyond the contract, for the console's process view: where to read its log, since when.
            row["log"] = entry.get("log")
            row["started_at"] = entry.get("started_at") if alive else None
        row["node"] = node_for(name)
        components.append(row)

    required = [c for c in components if c["name"] in MANAGED and not c.get("skipped")]
    status: dict[str, Any] = {
        "running": bool(state) and all(c["alive"] for c in required),
        "state_dir": str(directory),
        "components": components,
        "aws": state.get("aws"),
    }
    if state:
        status["database"] = database
        status["vhost"] = vhost
    return status


def all_alive(status: dict[str, Any]) -> bool:
    return all(c["alive"] for c in status["components"] if not c.get("skipped"))
