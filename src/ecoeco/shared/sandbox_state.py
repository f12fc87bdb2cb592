"""The sandbox's state file and ``read_status()``: the contract between ``ecoeco-sandbox`` (which
writes the state) and the console (which reads it, and derives its ``sandbox`` profile from it).

Layout of the state dir: ``state.json`` (what runs where; 0600, it names every endpoint),
``jwt_secret`` (0600), ``logs/NAME.log``, ``wal/<worker>/`` (journals), ``prom/`` (TSDB),
``prometheus.yml`` and ``alerts.yml``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypedDict
from urllib.parse import urlsplit

import platformdirs

from ecoeco.shared.names import API_SERVICES, WORKERS
from ecoeco.shared.procs import pid_alive, port_open
from ecoeco.shared.redact import mask_url
from ecoeco.shared.topology import load_topology

STATE_FILE = "state.json"
DIR_ENV = "ECOECO_SANDBOX_DIR"

Kind = Literal["api", "worker", "infra", "external"]
EXTERNAL = ("postgresql", "rabbitmq", "redis")
# The order of `status`; `up` starts aws first (the services need its endpoint) and prometheus last.
MANAGED = (*API_SERVICES, *WORKERS, "prometheus", "aws")
STATUS_ORDER = (*MANAGED, *EXTERNAL)
DEFAULT_PORTS = {"postgresql": 5432, "rabbitmq": 5672, "redis": 6379}


class ComponentStatus(TypedDict, total=False):
    name: str
    kind: Kind
    url: str | None  # passwords masked
    pid: int | None  # only while alive
    alive: bool
    skipped: str  # why a managed component does not run (e.g. Prometheus not installed)
    log: str | None
    started_at: float | None
    node: str | None  # the topology node that runs it in the real cluster
    # Kept by the watchdog (and `up`) when a dead process is started again; 0 for a new process.
    restarts: int
    last_restart_at: float | None
    last_exit: str | None  # how the previous run ended, e.g. "killed by SIGKILL"
    backoff_until: float | None  # dead, and the watchdog waits until then (CrashLoopBackOff)


class SandboxStatus(TypedDict, total=False):
    running: bool  # every managed component that is not skipped is alive
    state_dir: str
    components: list[ComponentStatus]
    aws: dict[str, Any] | None
    database: str
    vhost: str
    watchdog: WatchdogStatus


class WatchdogStatus(TypedDict):
    """The process that restarts dead components (``ecoeco-sandbox watch``, started by ``up``)."""

    pid: int | None  # only while alive
    alive: bool


class StateError(RuntimeError):
    """The state file exists but cannot be read; nothing is changed or deleted."""


def component_kind(name: str) -> Kind:
    if name in API_SERVICES:
        return "api"
    if name in WORKERS:
        return "worker"
    if name in ("prometheus", "aws"):
        return "infra"
    if name in EXTERNAL:
        return "external"
    raise KeyError(name)


@lru_cache(maxsize=32)
def node_for(name: str) -> str | None:
    """The topology node that runs ``name`` in the real cluster (by domain, else by what it runs)."""
    topology = load_topology()
    node = topology.node_for_domain(name) or next((n for n in topology.nodes if name in n.runs), None)
    return node.name if node else None


def state_dir(override: Path | None = None) -> Path:
    """``override``, else ``$ECOECO_SANDBOX_DIR``, else the user's state dir."""
    if override is not None:
        return Path(override)
    if os.environ.get(DIR_ENV):
        return Path(os.environ[DIR_ENV])
    return platformdirs.user_state_path("ecoeco") / "sandbox"


def load_state(directory: Path) -> dict[str, Any] | None:
    """The state file as written (passwords included), or None when there is none."""
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


def managed_alive(entry: Mapping[str, Any] | None) -> bool:
    """A managed component is alive when its own process still runs and its port accepts connections."""
    if not entry or not entry.get("pid"):
        return False
    return pid_alive(entry["pid"], entry.get("start_time")) and port_open("127.0.0.1", entry.get("port"))


def read_status(
    directory: Path | None = None, default_externals: Mapping[str, str] | None = None
) -> SandboxStatus:
    """The sandbox as it is now. Reads the state file, checks pids and TCP ports; changes nothing.

    ``default_externals`` names PostgreSQL/RabbitMQ/Redis when no state file does (the sandbox's own
    settings); without either, those rows say not alive.
    """
    directory = state_dir(directory)
    state = load_state(directory) or {}
    entries: dict[str, dict[str, Any]] = state.get("components", {})
    externals = state.get("external_urls") or dict(default_externals or {})

    components: list[ComponentStatus] = []
    for name in STATUS_ORDER:
        kind = component_kind(name)
        row: ComponentStatus = {"name": name, "kind": kind}
        if name in EXTERNAL:
            url = externals.get(name)
            alive = False
            if url:
                parts = urlsplit(url)
                alive = port_open(parts.hostname or "127.0.0.1", parts.port or DEFAULT_PORTS[name])
            row |= {"url": mask_url(url) if url else None, "pid": None, "alive": alive}
        else:
            entry = entries.get(name) or {}
            alive = managed_alive(entry)
            row |= {"url": entry.get("url"), "pid": entry.get("pid") if alive else None, "alive": alive}
            if entry.get("skipped"):
                row["skipped"] = entry["skipped"]
            # Beyond the contract, for the console's process view: where to read its log, since when.
            row["log"] = entry.get("log")
            row["started_at"] = entry.get("started_at") if alive else None
            row["restarts"] = int(entry.get("restarts") or 0)
            row["last_restart_at"] = entry.get("last_restart_at")
            row["last_exit"] = entry.get("last_exit")
            row["backoff_until"] = None if alive else entry.get("backoff_until")
        row["node"] = node_for(name)
        components.append(row)

    required = [c for c in components if c["name"] in MANAGED and not c.get("skipped")]
    status: SandboxStatus = {
        "running": bool(state) and all(c["alive"] for c in required),
        "state_dir": str(directory),
        "components": components,
        "aws": state.get("aws"),
    }
    if state:
        status["database"] = state.get("database", "")
        status["vhost"] = state.get("vhost", "")
        watchdog = state.get("watchdog") or {}
        watchdog_alive = pid_alive(watchdog.get("pid"), watchdog.get("start_time"))
        status["watchdog"] = {"pid": watchdog.get("pid") if watchdog_alive else None, "alive": watchdog_alive}
    return status


def all_alive(status: SandboxStatus) -> bool:
    return all(c["alive"] for c in status["components"] if not c.get("skipped"))
