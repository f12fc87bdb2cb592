"""What the sandbox runs: one entry per component, its command line, URL and health check."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

Kind = Literal["api", "worker", "infra", "external"]

API_SERVICES = ("auth", "userinfo", "location", "waste", "recycle-info", "chat-llm")
WORKERS = ("storage", "ai")
EXTERNAL = ("postgresql", "rabbitmq", "redis")
# The order of `status`; `up` starts aws first (the services need its endpoint) and prometheus last.
MANAGED = (*API_SERVICES, *WORKERS, "prometheus", "aws")
STATUS_ORDER = (*MANAGED, *EXTERNAL)


@dataclass(frozen=True)
class Component:
    name: str
    kind: Kind

    def url(self, port: int) -> str:
        base = f"http://127.0.0.1:{port}"
        return f"{base}/metrics" if self.kind == "worker" else base

    def health_url(self, port: int) -> str:
        base = f"http://127.0.0.1:{port}"
        if self.kind == "api":
            return f"{base}/health"
        if self.kind == "worker":
            return f"{base}/metrics"
        if self.name == "prometheus":
            return f"{base}/-/ready"
        return f"{base}/moto-api/"


def component(name: str) -> Component:
    if name in API_SERVICES:
        return Component(name, "api")
    if name in WORKERS:
        return Component(name, "worker")
    if name in ("prometheus", "aws"):
        return Component(name, "infra")
    if name in EXTERNAL:
        return Component(name, "external")
    raise KeyError(name)


def _entry_point(script: str, module: str) -> list[str]:
    """The installed console script next to this interpreter, else the same entry point via ``-c``."""
    candidate = Path(sys.executable).parent / script
    if candidate.exists():
        return [str(candidate)]
    return [sys.executable, "-c", f"import sys; from {module} import main; sys.exit(main())"]


def command(name: str, port: int, *, state_dir: Path, prometheus_bin: str) -> list[str]:
    comp = component(name)
    if comp.kind == "api":
        return [
            *_entry_point("ecoeco-api", "services.api_cli"),
            name,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
    if comp.kind == "worker":
        return [*_entry_point("ecoeco-worker", "services.workers.cli"), name, "--metrics-port", str(port)]
    if name == "aws":
        return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    if name == "prometheus":
        return [
            prometheus_bin,
            f"--config.file={state_dir / 'prometheus.yml'}",
            f"--storage.tsdb.path={state_dir / 'prom'}",
            "--storage.tsdb.retention.time=2d",
            f"--web.listen-address=127.0.0.1:{port}",
        ]
    raise KeyError(name)


@lru_cache(maxsize=32)
def node_for(name: str) -> str | None:
    """The topology node that runs ``name`` in the real cluster (by domain, else by what it runs)."""
    from console.topology import load_topology

    topology = load_topology()
    node = topology.node_for_domain(name) or next((n for n in topology.nodes if name in n.runs), None)
    return node.name if node else None
