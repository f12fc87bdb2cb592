"""PostgreSQL unreachable for a while: tasks keep completing into the journal, the backlog and
the sync errors show in the metrics and in ``wal_stats``, and once PostgreSQL is back the
backlog drains with every row in PostgreSQL exactly once."""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg
import pytest
from tests.integration.workers.conftest import (
    broadcast,
    new_job_id,
    photo_bytes,
    send_storage,
    upload,
    wait_for,
)
from tests.integration.workers.tcp_proxy import TcpProxy

from ecoeco.console import health
from ecoeco.console.snapshot import WalInfo
from ecoeco.shared.jobs import task_id

pytestmark = pytest.mark.integration

JOBS = 5


def results_for(pg_url: str, jobs: list[str]) -> list[tuple[str, str]]:
    with psycopg.connect(pg_url) as conn:
        exists = conn.execute("SELECT to_regclass('tasks.task_results')").fetchone()[0]
        if exists is None:
            return []
        return conn.execute(
            "SELECT task_id, state FROM tasks.task_results WHERE job_id = ANY(%s) ORDER BY task_id", (jobs,)
        ).fetchall()


def test_backlog_grows_while_postgres_is_away_then_drains(
    worker_env, start_worker, client_app, s3_client, pg_url
):
    proxy = TcpProxy(target_port=5432)  # not started: PostgreSQL is unreachable
    try:
        db = urlsplit(pg_url).path
        env = {
            **worker_env,
            "ECOECO_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{proxy.port}{db}",
            "ECOECO_WAL_SYNC_INTERVAL_S": "1",
        }
        storage = start_worker("storage", env)
        jobs = [new_job_id() for _ in range(JOBS)]
        for i, job in enumerate(jobs):
            send_storage(client_app, job, upload(s3_client, job, photo_bytes(seed=i)))
        wait_for(lambda: list(storage.states().values()).count("succeeded") == JOBS, what="tasks done")

        wait_for(
            lambda: (storage.metric("ecoeco_wal_sync_errors_total") or 0) >= 2, what="sync errors counted"
        )
        assert storage.metric("ecoeco_wal_unsynced_rows") == JOBS
        assert storage.metric("ecoeco_wal_oldest_unsynced_age_seconds") > 0
        stats = broadcast(client_app, "wal_stats", storage.node)
        assert stats["unsynced_rows"] == JOBS and stats["sync_errors_total"] >= 2
        assert stats["last_sync_success_ts"] is None
        assert stats["last_sync_failure_ts"] and storage.metric(
            "ecoeco_wal_last_sync_failure_timestamp_seconds"
        )
        assert health.wal_health(WalInfo.model_validate(stats)) in ("warn", "bad")
        assert results_for(pg_url, jobs) == []

        proxy.start()  # PostgreSQL is back
        wait_for(lambda: storage.metric("ecoeco_wal_unsynced_rows") == 0, timeout=30, what="backlog drained")
        assert results_for(pg_url, jobs) == sorted((task_id(j, "storage"), "succeeded") for j in jobs)
        assert storage.metric("ecoeco_wal_last_sync_success_timestamp_seconds") > 0
        assert storage.metric("ecoeco_wal_oldest_unsynced_age_seconds") == 0
        # Issue 13 item 9: the error counter still counts the outage, but the console's warning is over.
        stats = broadcast(client_app, "wal_stats", storage.node)
        assert (
            stats["sync_errors_total"] >= 2 and stats["last_sync_success_ts"] > stats["last_sync_failure_ts"]
        )
        assert health.wal_health(WalInfo.model_validate(stats)) == "ok"

        # A second outage after a good sync: nothing already synced is pushed twice or lost.
        proxy.stop()
        more = new_job_id()
        send_storage(client_app, more, upload(s3_client, more, photo_bytes(seed=9)))
        wait_for(lambda: storage.metric("ecoeco_wal_unsynced_rows") == 1, what="new backlog row")
        proxy.start()
        wait_for(lambda: storage.metric("ecoeco_wal_unsynced_rows") == 0, timeout=30, what="drained again")
        assert len(results_for(pg_url, [*jobs, more])) == JOBS + 1
    finally:
        proxy.close()
