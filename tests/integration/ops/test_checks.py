"""The ``checks`` operation (the seed's check-* scripts) with the real kubernetes client against the
loopback Kubernetes double, which serves ArgoCD's ``argoproj.io/v1alpha1`` Applications too: read-only
(runs in read-only mode, writes nothing), one item per check, a failing check named with its facts."""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import PG_ADMIN_DSN, REDIS_BASE, free_port
from tests.integration.ops.conftest import Recorder
from tests.k8s_double.server import DATA, KubeDouble

from ecoeco.console.ops import ItemStatus, OperationRunner
from ecoeco.console.ops.checks import Checks


@pytest.fixture
def double(tmp_path: Path) -> Iterator[KubeDouble]:
    """The recorded scenarios plus "broken": healthy with drift, a bad providerID, an app out of sync,
    and "no-argocd": healthy without the Applications CRD."""
    data = tmp_path / "scenarios"
    for name in ("healthy", "incident"):
        shutil.copytree(DATA / name, data / name)
    shutil.copytree(DATA / "healthy", data / "broken")
    nodes = json.loads((data / "broken" / "nodes.json").read_text())
    by_name = {n["metadata"]["name"]: n for n in nodes["items"]}
    by_name["k8s-api-auth"]["metadata"]["labels"]["workload"] = "worker"
    by_name["k8s-redis"]["spec"].pop("taints", None)
    by_name["k8s-api-waste"]["spec"]["providerID"] = "aws:///ap-northeast-2a/"
    (data / "broken" / "nodes.json").write_text(json.dumps(nodes))
    apps = json.loads((data / "broken" / "applications.json").read_text())
    apps["items"][1]["status"] = {"sync": {"status": "OutOfSync"}, "health": {"status": "Progressing"}}
    (data / "broken" / "applications.json").write_text(json.dumps(apps))
    services = json.loads((data / "broken" / "services.json").read_text())
    redis = next(s for s in services["items"] if s["metadata"]["name"] == "redis")
    redis["spec"]["type"] = "NodePort"  # the seed's network-exposure finding
    redis["spec"]["ports"][0]["nodePort"] = 30379
    (data / "broken" / "services.json").write_text(json.dumps(services))
    shutil.copytree(DATA / "healthy", data / "no-argocd")
    (data / "no-argocd" / "applications.json").unlink()
    with KubeDouble("healthy", data=data) as kube:
        yield kube


@pytest.fixture
def runner(double: KubeDouble, make_runner: Callable[..., OperationRunner]) -> OperationRunner:
    return make_runner(
        cluster="kubernetes", kubeconfig=str(double.kubeconfig), kube_context=double.context, read_only=True
    )


def items(recorder: Recorder) -> dict[str, tuple[str, str]]:
    return {e.item: (e.state, e.detail) for e in recorder.of(ItemStatus)}


def test_a_healthy_cluster_passes_every_check_in_read_only_mode(
    runner: OperationRunner, recorder: Recorder, double: KubeDouble
) -> None:
    plan = runner.plan(Checks(), {})
    assert not plan.changes and "changes nothing" in plan.summary[0]
    outcome = runner.run(plan)
    assert outcome.result == "succeeded", outcome.message
    # No services in this profile: PostgreSQL and Redis are not configured, and it says so.
    assert outcome.message == "5 check(s) passed; 2 skipped: postgresql, redis"
    got = items(recorder)
    assert got["cluster"] == ("ok", "API server v1.31.4")
    assert got["nodes"] == ("ok", "13 nodes as the topology says")
    assert got["provider-id"][0] == "ok"
    assert got["argocd"] == ("ok", "12 Applications Synced and Healthy")
    assert got["exposure"][0] == "ok"
    assert got["exposure"][1].startswith(
        "no data store exposed (8 other Service(s) reachable from outside: monitoring/grafana, "
        "argocd/argocd-server, ecoeco/auth-api, "
    )
    assert got["postgresql"][0] == got["redis"][0] == "skipped"
    assert got["redis"][1].startswith("not configured: the profile lists no services")
    assert outcome.data["skipped"]["postgresql"].startswith("not configured")
    assert double.writes == []
    assert any("/apis/argoproj.io/v1alpha1/namespaces/argocd/applications" in r for r in double.requests)


def test_drift_provider_id_and_an_unsynced_app_fail_with_their_facts(
    runner: OperationRunner, recorder: Recorder, double: KubeDouble
) -> None:
    double.scenario = "broken"
    outcome = runner.run(runner.plan(Checks(), {}))
    assert outcome.result == "failed" and outcome.exit_code == 1
    assert outcome.message == (
        "4 of 5 check(s) failed: nodes, provider-id, argocd, exposure; 2 skipped: postgresql, redis"
    )
    problems = outcome.data["checks"]
    assert problems["nodes"]["problems"] == [
        "k8s-api-auth: label workload=worker (topology: api)",
        "k8s-redis: taint node-role.kubernetes.io/infrastructure=true:NoSchedule missing",
    ]
    assert problems["provider-id"]["problems"] == [
        "k8s-api-waste: providerID aws:///ap-northeast-2a/ is not aws:///<az>/<instance-id>: "
        "the ALB cannot register the node"
    ]
    assert problems["argocd"]["problems"] == ["ecoeco-apis: OutOfSync/Progressing"]
    assert problems["exposure"]["problems"] == [
        "data/redis (NodePort: 6379) exposes Redis outside the cluster"
    ]
    assert double.writes == []


def test_the_incident_names_the_degraded_apps(runner: OperationRunner, double: KubeDouble) -> None:
    double.scenario = "incident"
    outcome = runner.run(runner.plan(Checks(), {"only": ["argocd"]}))
    assert outcome.result == "failed"
    assert outcome.data["checks"]["argocd"]["problems"] == [
        "recycle-info-api: OutOfSync/Degraded (Deployment recycle-info-api: ImagePullBackOff (rollout stuck))",
        "chat-llm-api: Synced/Degraded (Deployment chat-llm-api: 0/1 ready (CrashLoopBackOff))",
    ]


def test_no_argocd_and_an_unreachable_cluster(
    runner: OperationRunner,
    recorder: Recorder,
    double: KubeDouble,
    make_runner: Callable[..., OperationRunner],
) -> None:
    double.scenario = "no-argocd"
    outcome = runner.run(runner.plan(Checks(), {"only": ["argocd"]}))
    assert outcome.data["checks"]["argocd"]["problems"] == [
        "no argoproj.io/v1alpha1 Applications: ArgoCD is not installed (stage argocd)"
    ]
    kubeconfig = Path(str(double.kubeconfig)).read_text().replace(double.url, "http://127.0.0.1:9")
    dead = double.kubeconfig.parent / "dead"  # type: ignore[union-attr]
    dead.write_text(kubeconfig)
    gone = make_runner(cluster="kubernetes", kubeconfig=str(dead), kube_context=double.context)
    outcome = gone.run(gone.plan(Checks(), {}))
    assert outcome.result == "failed"
    assert outcome.message.startswith("5 of 5 check(s) failed")
    assert outcome.data["checks"]["cluster"]["problems"][0].startswith("not reachable: ")
    assert outcome.data["checks"]["nodes"]["problems"] == ["cluster not reachable"]
    assert outcome.data["checks"]["exposure"]["problems"] == ["cluster not reachable"]


def test_the_sandbox_skips_the_checks_and_says_why(make_runner: Callable[..., OperationRunner]) -> None:
    runner = make_runner(cluster="local")
    outcome = runner.run(runner.plan(Checks(), {}))
    assert outcome.result == "succeeded"
    assert outcome.message == (
        "7 check(s) skipped: not configured: the profile lists no services, whose /ready reports it "
        "(the console keeps no DSN of its own); "
        "the sandbox is a local cluster (simulated): no kubelet, ArgoCD nor Services"
    )


# --- PostgreSQL and Redis, through the platform's own /ready on the real local servers --------------


def _serve_ready(port: int, redis_url: str) -> tuple[Any, threading.Thread]:
    """A service with the platform's readiness router (postgres and redis), its pool on the real
    PostgreSQL and its client on ``redis_url``, served by uvicorn on 127.0.0.1:port."""
    import uvicorn
    from fastapi import FastAPI

    from ecoeco.services.common.cache import make_redis
    from ecoeco.services.common.db import make_pool
    from ecoeco.services.common.health import health_router

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.db_pool = make_pool(PG_ADMIN_DSN, max_size=2)
        await app.state.db_pool.open(wait=False)
        app.state.migrations_pending = []
        app.state.settings = None  # read only for rabbitmq and s3, which this service does not need
        app.state.redis = make_redis(redis_url)
        try:
            yield
        finally:
            await app.state.db_pool.close()
            await app.state.redis.aclose()

    app = FastAPI(lifespan=lifespan)
    app.include_router(health_router("test", ["postgres", "redis"]))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    return server, thread


@pytest.fixture(scope="module")
def ready_services() -> Iterator[dict[str, str]]:
    """``up``: PostgreSQL and Redis answer; ``no-redis``: its Redis is a closed port."""
    servers = []
    urls = {}
    for name, redis_url in (("up", REDIS_BASE), ("no-redis", f"redis://127.0.0.1:{free_port()}")):
        port = free_port()
        servers.append(_serve_ready(port, redis_url))
        urls[name] = f"http://127.0.0.1:{port}"
    try:
        yield urls
    finally:
        for server, thread in servers:
            server.should_exit = True
            thread.join(10)


def test_postgresql_and_redis_through_the_services_ready(
    make_runner: Callable[..., OperationRunner], recorder: Recorder, ready_services: dict[str, str]
) -> None:
    runner = make_runner(cluster="local", read_only=True, services={"waste": ready_services["up"]})
    plan = runner.plan(Checks(), {"only": ["postgresql", "redis"]})
    assert "PostgreSQL and Redis through the /ready of 1 service(s)" in plan.summary[0]
    outcome = runner.run(plan)
    assert outcome.result == "succeeded", outcome.message
    assert outcome.message == "2 check(s) passed"
    got = items(recorder)
    assert got["postgresql"] == ("ok", "answers (1 service(s) report it ready: waste)")
    assert got["redis"] == ("ok", "answers (1 service(s) report it ready: waste)")

    # One service's Redis is down: the check fails and names the service and the reason.
    recorder.events.clear()
    both = make_runner(
        cluster="local", services={"waste": ready_services["up"], "auth": ready_services["no-redis"]}
    )
    outcome = both.run(both.plan(Checks(), {}))
    assert outcome.result == "failed" and outcome.exit_code == 1
    assert outcome.message.startswith("1 of 2 check(s) failed: redis; 5 skipped: cluster, ")
    (problem,) = outcome.data["checks"]["redis"]["problems"]
    # The service's own words (a refused connection, or its breaker open after one).
    assert problem.startswith("auth: ") and ("Connect" in problem or "Redis unavailable" in problem), problem
    got = items(recorder)
    assert got["postgresql"] == ("ok", "answers (2 service(s) report it ready: waste, auth)")
    assert got["cluster"][0] == "skipped"


def test_no_service_answering_fails_and_no_dependency_skips(
    make_runner: Callable[..., OperationRunner], ready_services: dict[str, str]
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    gone = make_runner(cluster="local", services={"waste": closed})
    outcome = gone.run(gone.plan(Checks(), {"only": ["postgresql"]}))
    assert outcome.result == "failed"
    assert outcome.data["checks"]["postgresql"]["problems"] == [
        f"no service answers /ready: waste ({closed}): connection refused"
    ]
    # A service that declares no Redis (its /ready does not list it): skipped, not failed.
    only_pg = make_runner(cluster="local", services={"waste": ready_services["up"] + "/nothing"})
    outcome = only_pg.run(only_pg.plan(Checks(), {"only": ["redis"]}))
    assert outcome.result == "succeeded"
    assert outcome.data["skipped"] == {"redis": "no service reports redis on /ready"}
