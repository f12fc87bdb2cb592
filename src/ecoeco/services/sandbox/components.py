"""What the sandbox runs: one entry per component, its command line, URL and health check."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from ecoeco.shared.sandbox_state import Kind, component_kind


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
    return Component(name, component_kind(name))


def entry_point(script: str, module: str) -> list[str]:
    """The installed console script next to this interpreter, else the same entry point via ``-c``."""
    candidate = Path(sys.executable).parent / script
    if candidate.exists():
        return [str(candidate)]
    return [sys.executable, "-c", f"import sys; from {module} import main; sys.exit(main())"]


def command(name: str, port: int, *, state_dir: Path, prometheus_bin: str) -> list[str]:
    comp = component(name)
    if comp.kind == "api":
        return [
            *entry_point("ecoeco-api", "ecoeco.services.api_cli"),
            name,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
    if comp.kind == "worker":
        return [
            *entry_point("ecoeco-worker", "ecoeco.services.workers.cli"),
            name,
            "--metrics-port",
            str(port),
        ]
    if name == "aws":
        return [
            sys.executable,
            "-m",
            "ecoeco.services.sandbox.moto_server",
            "-H",
            "127.0.0.1",
            "-p",
            str(port),
        ]
    if name == "prometheus":
        return [
            prometheus_bin,
            f"--config.file={state_dir / 'prometheus.yml'}",
            f"--storage.tsdb.path={state_dir / 'prom'}",
            "--storage.tsdb.retention.time=2d",
            f"--web.listen-address=127.0.0.1:{port}",
        ]
    raise KeyError(name)
