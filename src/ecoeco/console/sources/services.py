"""Services: ``/health`` (liveness) and ``/ready`` (readiness with per-dependency detail) of each API."""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from ecoeco.console.snapshot import DependencyStatus, ServiceHealth, Snapshot
from ecoeco.console.sources.base import SourceError
from ecoeco.shared.redact import mask_url


def _describe(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "connection refused" if "refused" in str(exc).lower() else f"cannot connect: {exc}"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"


def parse_dependencies(body: Any) -> dict[str, DependencyStatus]:
    """``{"dependencies": {"postgres": {"ok": true, "detail": ...}}}`` (also tolerates ``checks`` and bare
    booleans/strings, as other services' readiness bodies use)."""
    if not isinstance(body, dict):
        return {}
    deps = body.get("dependencies", body.get("checks"))
    if not isinstance(deps, dict):
        return {}
    out: dict[str, DependencyStatus] = {}
    for name, value in deps.items():
        if isinstance(value, dict):
            ok = value.get("ok")
            if ok is None:
                ok = str(value.get("status", "")).lower() in ("ok", "up", "ready", "pass")
            detail = value.get("detail") or value.get("error")
            out[name] = DependencyStatus(ok=bool(ok), detail=str(detail) if detail else None)
        elif isinstance(value, bool):
            out[name] = DependencyStatus(ok=value)
        else:
            out[name] = DependencyStatus(
                ok=str(value).lower() in ("ok", "up", "ready", "pass"), detail=str(value)
            )
    return out


# The platform's /ready gives each dependency check up to 3 s (a pool timeout, then one direct attempt
# that says why): a client that gives up sooner reads "timed out" where the service would have said
# "PostgreSQL: connection refused". /health answers at once and keeps the short timeout.
READY_TIMEOUT_S = 4.0


def _answers(client: httpx.Client, url: str) -> bool:
    try:
        return client.get(url).status_code == 200
    except httpx.HTTPError:
        return False


def check_service(
    client: httpx.Client, name: str, url: str, ready_timeout_s: float | None = None
) -> ServiceHealth:
    """``/ready`` first: a service that says it is ready is alive, so ``/health`` is asked only when
    it is not (is it alive but not ready, or gone?): one request per healthy service per poll."""
    health = ServiceHealth(name=name, url=mask_url(url))
    started = time.perf_counter()
    try:
        if ready_timeout_s is None:
            ready = client.get(f"{url}/ready")
        else:
            ready = client.get(f"{url}/ready", timeout=ready_timeout_s)
    except httpx.HTTPError as exc:
        health.error = _describe(exc)
        health.live = _answers(client, f"{url}/health")
        return health
    health.latency_ms = round((time.perf_counter() - started) * 1000, 1)
    health.status_code = ready.status_code
    health.ready = ready.status_code == 200
    with contextlib.suppress(ValueError):
        health.dependencies = parse_dependencies(ready.json())
    if health.ready:
        health.live = True
        return health
    health.live = _answers(client, f"{url}/health")
    down = [f"{k}: {v.detail or 'down'}" for k, v in health.dependencies.items() if not v.ok]
    health.error = f"/ready answered {ready.status_code}" + (f" ({'; '.join(down)})" if down else "")
    return health


class ServicesSource:
    name = "services"

    def __init__(self, services: dict[str, str], interval_s: float = 2.0, timeout_s: float = 5.0) -> None:
        self.urls = dict(services)
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self._client: httpx.Client | None = None
        self._pool: ThreadPoolExecutor | None = None

    def poll(self) -> list[ServiceHealth]:
        if not self.urls:
            raise SourceError("no services configured in the profile")
        if self._client is None:
            # Per request: the six checks run side by side, so the poll takes one timeout at most.
            # 2 s, not 1: a busy bastion (or a service mid-GC) answering /health in 1.2 s is slow,
            # not down, and the operator would see it flap.
            self._client = httpx.Client(timeout=httpx.Timeout(min(2.0, self.timeout_s / 2)))
        if self._pool is None:
            # Kept across polls: six threads started and joined every 2 s cost a quarter of this
            # source's CPU (bench/console_cpu.py idle).
            self._pool = ThreadPoolExecutor(
                max_workers=min(8, len(self.urls)), thread_name_prefix="svc-check"
            )
        client = self._client
        ready_s = min(READY_TIMEOUT_S, 0.8 * self.timeout_s)
        results = list(
            self._pool.map(lambda kv: check_service(client, kv[0], kv[1], ready_s), self.urls.items())
        )
        if all(r.live is False and r.status_code is None for r in results):
            first = results[0]
            raise SourceError(f"no service answers ({first.name} at {first.url}: {first.error})")
        return results

    def apply(self, snapshot: Snapshot, data: object) -> None:
        assert isinstance(data, list)
        snapshot.services = data
