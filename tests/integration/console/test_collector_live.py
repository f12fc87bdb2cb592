"""The collector with real sources: a service that comes up later clears its error; a dead Kubernetes
API does not hold back the other sources."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from tests.conftest import free_port
from tests.integration.console.conftest import serve_asgi
from tests.k8s_double.server import KubeDouble

from ecoeco.console.collector import Collector
from ecoeco.console.config import Profile
from ecoeco.console.sources.cluster_kube import KubeClusterSource
from ecoeco.console.sources.services import ServicesSource

pytestmark = pytest.mark.integration


def wait_until(cond: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def test_a_service_coming_up_clears_the_error_and_the_cluster_keeps_updating(kube: KubeDouble) -> None:
    port = free_port()
    services = ServicesSource({"auth": f"http://127.0.0.1:{port}"}, interval_s=0.1, timeout_s=1.0)
    cluster = KubeClusterSource(str(kube.kubeconfig), kube.context, interval_s=0.1)
    collector = Collector(Profile(name="live"), [services, cluster], min_interval_s=0.1, max_backoff_s=0.5)
    collector.start()
    server = thread = None
    try:
        wait_until(lambda: collector.status("services").error is not None and collector.status("cluster").ok)
        assert "connection refused" in collector.status("services").error
        assert len(collector.snapshot().cluster.nodes) == 13  # the failing source held nothing back

        app = FastAPI()
        app.get("/health")(lambda: {"status": "ok"})
        app.get("/ready")(
            lambda: {"status": "ready", "dependencies": {"redis": {"ok": True, "detail": None}}}
        )
        server, thread = serve_asgi(app, port)
        collector.poll_now("services")
        wait_until(lambda: collector.status("services").ok)
        snap = collector.snapshot()
        assert snap.sources["services"].error is None
        assert snap.services[0].ready and snap.services[0].dependencies["redis"].ok
    finally:
        collector.stop()
        if server is not None:
            server.should_exit = True
            thread.join(10)
