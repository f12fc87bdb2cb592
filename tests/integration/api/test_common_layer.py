"""The shared service layer against the real PostgreSQL, Redis and RabbitMQ: migrations under
concurrency, readiness with a dependency down, and the RabbitMQ topology dead-lettering."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from kombu import Connection
from tests.conftest import create_vhost, delete_vhost, free_port
from tests.integration.api.conftest import assert_problem
from tests.integration.api.live_server import serve

from ecoeco.services.common.app import create_service_app
from ecoeco.services.common.messaging import declare_topology
from ecoeco.services.common.migrations import apply_migrations
from ecoeco.services.common.settings import Settings
from ecoeco.shared.names import Q_DLQ, Q_STORAGE

pytestmark = pytest.mark.integration


@pytest.fixture
def migrations_package(tmp_path: Path):
    pkg = tmp_path / "demo_svc"
    (pkg / "migrations").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "migrations" / "001_items.sql").write_text("CREATE TABLE items (id int PRIMARY KEY, name text);")
    # pg_sleep widens the window in which a second replica would race without the advisory lock.
    (pkg / "migrations" / "002_seed.sql").write_text(
        "SELECT pg_sleep(0.3); INSERT INTO items VALUES (1, 'first');"
    )
    sys.path.insert(0, str(tmp_path))
    yield "demo_svc", pkg
    sys.path.remove(str(tmp_path))
    sys.modules.pop("demo_svc", None)


def test_concurrent_replicas_apply_each_migration_once(pg_url: str, migrations_package) -> None:
    name, _ = migrations_package
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def replica() -> None:
        try:
            results.append(apply_migrations(pg_url, "demo_a", name))
        except BaseException as exc:  # noqa: BLE001 -- surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=replica) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results, key=len) == [[], [], ["001_items", "002_seed"]]
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM demo_a.items").fetchone() == (1,)
        versions = conn.execute("SELECT version FROM demo_a.schema_migrations ORDER BY 1").fetchall()
    assert versions == [(1,), (2,)]


def test_a_failing_migration_leaves_nothing_half_applied(pg_url: str, migrations_package) -> None:
    name, pkg = migrations_package
    (pkg / "migrations" / "003_broken.sql").write_text(
        "ALTER TABLE items ADD COLUMN x int; SELECT nonsense();"
    )
    with pytest.raises(psycopg.Error):
        apply_migrations(pg_url, "demo_b", name)
    with psycopg.connect(pg_url) as conn:
        cols = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema='demo_b' AND table_name='items'"
        ).fetchall()
        versions = conn.execute("SELECT version FROM demo_b.schema_migrations ORDER BY 1").fetchall()
    assert {c[0] for c in cols} == {"id", "name"}  # 003 rolled back as a whole
    assert versions == [(1,), (2,)]


def test_service_starts_with_postgres_down_and_says_why(migrations_package, redis_url: str) -> None:
    name, _ = migrations_package
    down = Settings(database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/x", redis_url=redis_url)
    app = create_service_app("demo", [], schema="demo_c", migrations_package=name, settings=down)
    with serve(app) as base:
        assert httpx.get(f"{base}/health").status_code == 200
        resp = httpx.get(f"{base}/ready", timeout=15)
        assert resp.status_code == 503
        body = resp.json()
        assert body["status"] == "not_ready"
        assert body["dependencies"]["redis"] == {"ok": True, "detail": None}
        assert body["dependencies"]["postgres"]["ok"] is False
        assert "refused" in body["dependencies"]["postgres"]["detail"].lower()
        assert_problem(httpx.get(f"{base}/nowhere"), 404)


def test_ready_reports_pending_migrations_until_applied(
    pg_url: str, redis_url: str, migrations_package
) -> None:
    name, _ = migrations_package
    app = create_service_app(
        "demo",
        [],
        schema="demo_d",
        migrations_package=name,
        settings=Settings(database_url=pg_url, redis_url=redis_url),
    )
    with serve(app) as base:
        from tests.integration.api.live_server import wait_ready

        body = wait_ready(base)
        assert body["dependencies"]["postgres"]["ok"] is True
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM demo_d.schema_migrations").fetchone() == (2,)


@pytest.fixture
def own_broker_url():
    """A vhost of its own: this test purges and reads q.storage directly."""
    vhost = create_vhost("ecoeco-test-topology")
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    finally:
        delete_vhost(vhost)


def test_topology_declares_idempotently_and_dead_letters_to_q_dlq(own_broker_url: str) -> None:
    with Connection(own_broker_url) as conn:
        channel = conn.channel()
        declare_topology(channel)
        declare_topology(channel)  # a second declarer with the same arguments is fine
        producer = conn.Producer(channel)
        producer.publish({"poison": True}, exchange="ecoeco.tasks", routing_key="storage", serializer="json")
        msg = None
        for _ in range(50):
            msg = channel.basic_get(Q_STORAGE)
            if msg is not None:
                break
        assert msg is not None
        channel.basic_reject(msg.delivery_tag, requeue=False)
        dead = None
        for _ in range(50):
            dead = channel.basic_get(Q_DLQ, no_ack=True)
            if dead is not None:
                break
        assert dead is not None
        assert dead.headers["x-death"][0]["queue"] == Q_STORAGE
        channel.close()


def test_redis_down_mid_request_is_503_not_500(pg_url: str) -> None:
    from fastapi import APIRouter, Depends

    from ecoeco.services.common.cache import get_redis
    from ecoeco.services.common.security import issue_token, require_user

    router = APIRouter()

    @router.get("/cached")
    async def cached(redis=Depends(get_redis)) -> dict:
        return {"value": await redis.get("k")}

    @router.get("/private")
    async def private(user=Depends(require_user)) -> dict:
        return {"user": user.user_id}

    settings = Settings(database_url=pg_url, redis_url=f"redis://127.0.0.1:{free_port()}/1")
    with serve(create_service_app("demo", [router], settings=settings)) as base:
        down = httpx.get(f"{base}/cached", timeout=15)
        assert_problem(down, 503)
        # When the Redis breaker lets requests try again (its window is 2 s).
        assert 1 <= int(down.headers["retry-after"]) <= 2
        token, _ = issue_token(settings, "u", None)
        # Fail closed: without the revocation list a token is not accepted.
        assert_problem(
            httpx.get(f"{base}/private", headers={"Authorization": f"Bearer {token}"}, timeout=15), 503
        )
        metrics = httpx.get(f"{base}/metrics").text
        assert 'route="/cached",service="demo",status="503"' in metrics


def test_migrate_command_applies_once_and_hides_passwords(pg_url: str) -> None:
    import os
    import subprocess

    env = {**os.environ, "ECOECO_DATABASE_URL": pg_url}
    cmd = [sys.executable, "-m", "ecoeco.services.api_cli", "migrate", "userinfo"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    # The session's userinfo service may have migrated this database already.
    assert "userinfo: applied" in first.stdout
    assert "userinfo: applied nothing (up to date)" in second.stdout

    bad = {**os.environ, "ECOECO_DATABASE_URL": f"postgresql://app:hunter22@127.0.0.1:{free_port()}/x"}
    failed = subprocess.run(cmd, env=bad, capture_output=True, text=True, timeout=60)
    assert failed.returncode == 1
    assert "migration failed" in failed.stderr and "hunter22" not in failed.stderr + failed.stdout
    unknown = subprocess.run([*cmd[:-1], "nope"], env=env, capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2 and "unknown service" in unknown.stderr


def test_a_broken_migration_keeps_the_service_not_ready_and_says_why(
    pg_url: str, redis_url: str, migrations_package
) -> None:
    name, pkg = migrations_package
    (pkg / "migrations" / "003_broken.sql").write_text("SELECT no_such_function();")
    app = create_service_app(
        "demo",
        [],
        schema="demo_e",
        migrations_package=name,
        settings=Settings(database_url=pg_url, redis_url=redis_url),
    )
    with serve(app) as base:
        deadline = time.monotonic() + 15
        detail = ""
        while time.monotonic() < deadline and "no_such_function" not in detail:
            resp = httpx.get(f"{base}/ready", timeout=10)
            assert resp.status_code == 503
            detail = resp.json()["dependencies"]["postgres"]["detail"] or ""
            time.sleep(0.2)
        assert "003_broken" in detail and "no_such_function" in detail


def test_optional_user_allows_anonymous_but_not_bad_tokens(pg_url: str, redis_url: str) -> None:
    from fastapi import APIRouter, Depends

    from ecoeco.services.common.security import issue_token, optional_user

    router = APIRouter()

    @router.get("/maybe")
    async def maybe(user=Depends(optional_user)) -> dict:
        return {"user": user.user_id if user else None}

    settings = Settings(database_url=pg_url, redis_url=redis_url)
    with serve(create_service_app("demo", [router], settings=settings)) as base:
        assert httpx.get(f"{base}/maybe").json() == {"user": None}
        token, _ = issue_token(settings, "u-42", None)
        assert httpx.get(f"{base}/maybe", headers={"Authorization": f"Bearer {token}"}).json() == {
            "user": "u-42"
        }
        assert_problem(httpx.get(f"{base}/maybe", headers={"Authorization": "Bearer x.y.z"}), 401)
