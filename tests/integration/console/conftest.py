"""Real parts for the console's sources: the Kubernetes test double, a real Prometheus scraping a
``prometheus_client`` exporter that serves the worker and API metric names, and a tiny ASGI service."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
import yaml
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, make_wsgi_app
from tests.conftest import free_port
from tests.k8s_double.server import KubeDouble

PROMETHEUS = "/usr/bin/prometheus"
SCRAPE_S = 1
LAST_SYNC_TS = 1_795_000_000.0  # fixed: this module may be imported twice (as conftest and by name)


@pytest.fixture(scope="module")
def kube() -> Iterator[KubeDouble]:
    with KubeDouble("healthy") as double:
        yield double


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class Exporter:
    """Worker + API (+ node-exporter) metrics as the platform exposes them, with traffic ticking in a
    thread: 4 requests per tick per service, 1 of them a 500 for ``waste``; every request takes 0.2 s;
    node ``k8s-api-auth`` is idle half the time."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.rows = Gauge("ecoeco_wal_rows", "rows by state", ["worker", "state"], registry=r)
        self.unsynced = Gauge("ecoeco_wal_unsynced_rows", "unsynced", ["worker"], registry=r)
        self.oldest = Gauge("ecoeco_wal_oldest_unsynced_age_seconds", "age", ["worker"], registry=r)
        self.last_ok = Gauge("ecoeco_wal_last_sync_success_timestamp_seconds", "ts", ["worker"], registry=r)
        self.errors = Counter("ecoeco_wal_sync_errors", "errors", ["worker"], registry=r)
        self.size = Gauge("ecoeco_wal_file_bytes", "bytes", ["worker"], registry=r)
        Histogram("ecoeco_wal_sync_duration_seconds", "sync", ["worker"], registry=r).labels(
            "storage"
        ).observe(0.05)
        self.requests = Counter(
            "http_requests", "requests", ["service", "route", "method", "status"], registry=r
        )
        self.latency = Histogram(
            "http_request_duration_seconds", "latency", ["service", "route", "method"], registry=r
        )
        # node-exporter series for one node, labelled the way kube-prometheus relabels them (node=...)
        self.node_idle = Counter("node_cpu_seconds", "cpu", ["node", "cpu", "mode"], registry=r)
        Gauge("node_memory_MemTotal_bytes", "mem", ["node"], registry=r).labels("k8s-api-auth").set(4e9)
        Gauge("node_memory_MemAvailable_bytes", "mem", ["node"], registry=r).labels("k8s-api-auth").set(1e9)
        for state, n in {"received": 2, "running": 1, "succeeded": 40, "failed": 3, "dead": 1}.items():
            self.rows.labels("storage", state).set(n)
        self.unsynced.labels("storage").set(44)
        self.oldest.labels("storage").set(612.5)
        self.last_ok.labels("storage").set(LAST_SYNC_TS)
        self.errors.labels("storage").inc(3)
        self.size.labels("storage").set(4_120_000)
        self.unsynced.labels("ai").set(0)
        self.last_ok.labels("ai").set(LAST_SYNC_TS + 690)
        self.size.labels("ai").set(32_768)
        self._stop = threading.Event()
        self.port = free_port()
        self._server: WSGIServer = make_server(
            "127.0.0.1", self.port, make_wsgi_app(self.registry), handler_class=_Quiet
        )
        self._threads = [
            threading.Thread(target=self._server.serve_forever, daemon=True),
            threading.Thread(target=self._traffic, daemon=True),
        ]
        for t in self._threads:
            t.start()

    def _traffic(self) -> None:
        while not self._stop.wait(0.1):
            self.node_idle.labels("k8s-api-auth", "0", "idle").inc(0.05)  # idle half the time: 50% busy
            for service in ("auth", "waste"):
                for i in range(4):
                    status = "500" if service == "waste" and i == 0 else "200"
                    self.requests.labels(service, "/api/v1/x", "GET", status).inc()
                    self.latency.labels(service, "/api/v1/x", "GET").observe(0.2)

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()


class Prometheus:
    def __init__(self, targets: list[str], rules: dict) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="console-prom-"))
        self.port = free_port()
        (self.dir / "rules.yml").write_text(yaml.safe_dump(rules))
        config = {
            "global": {"scrape_interval": f"{SCRAPE_S}s", "evaluation_interval": f"{SCRAPE_S}s"},
            "rule_files": [str(self.dir / "rules.yml")],
            "scrape_configs": [{"job_name": "ecoeco-test", "static_configs": [{"targets": targets}]}],
        }
        (self.dir / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.log = (self.dir / "prometheus.log").open("w")
        self.proc = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={self.dir / 'prometheus.yml'}",
                f"--storage.tsdb.path={self.dir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_for(self, query: str, timeout: float = 60.0) -> None:
        """Until ``query`` returns a sample (so the first scrapes have landed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited: {(self.dir / 'prometheus.log').read_text()[-2000:]}")
            try:
                r = httpx.get(f"{self.url}/api/v1/query", params={"query": query}, timeout=2)
                if r.status_code == 200 and r.json()["data"]["result"]:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"prometheus never answered {query!r}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


ALWAYS_FIRING = {
    "groups": [
        {
            "name": "console-test",
            "rules": [
                {
                    "alert": "WalBacklogOld",
                    "expr": "ecoeco_wal_oldest_unsynced_age_seconds > 600",
                    "labels": {"severity": "critical"},
                    "annotations": {"summary": "WAL backlog older than two sync intervals"},
                }
            ],
        }
    ]
}


@pytest.fixture(scope="module")
def prometheus() -> Iterator[Prometheus]:
    """A real Prometheus scraping the exporter every second, with rate() data ready for use."""
    if not Path(PROMETHEUS).exists():
        pytest.skip("prometheus binary not installed")
    exporter = Exporter()
    prom = Prometheus([f"127.0.0.1:{exporter.port}"], ALWAYS_FIRING)
    try:
        # rate() over [1m] needs two samples; the alert needs one rule evaluation.
        prom.wait_for('rate(http_requests_total{service="waste"}[1m]) > 0')
        # ...and several seconds of it, so range queries (sparklines) have points at their steps.
        prom.wait_for('count_over_time(http_requests_total{service="waste",status="500"}[1m]) >= 6')
        prom.wait_for('ALERTS{alertname="WalBacklogOld",alertstate="firing"}')
        yield prom
    finally:
        prom.stop()
        exporter.stop()


def serve_asgi(app, port: int) -> tuple[object, threading.Thread]:
    """Run an ASGI app with uvicorn in a thread on 127.0.0.1:port."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise TimeoutError("uvicorn did not start")
        time.sleep(0.02)
    return server, thread


@pytest.fixture(scope="module")
def tiny_service() -> Iterator[str]:
    """An API with /health 200 and /ready 503 (redis down), as the platform's services answer."""
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    app = FastAPI()

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "service": "waste"}

    @app.get("/ready")
    def ready() -> JSONResponse:
        return JSONResponse(
            {
                "status": "not_ready",
                "dependencies": {
                    "postgres": {"ok": True, "detail": None},
                    "redis": {"ok": False, "detail": "ConnectionError: connection refused"},
                },
            },
            status_code=503,
        )

    @app.get("/ok/health")
    def ok_health() -> dict:
        return {"status": "ok", "service": "auth"}

    @app.get("/ok/ready")
    def ok_ready() -> dict:
        return {"status": "ready", "dependencies": {"postgres": {"ok": True, "detail": None}}}

    port = free_port()
    server, thread = serve_asgi(app, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}"
