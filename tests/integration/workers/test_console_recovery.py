"""The console's recovery operations against real ecoeco-worker processes, through the broker only
(Celery remote control and AMQP, as the console reaches a cluster): an unsynced backlog synced on
command, the replay count, and a dead letter moved back and processed once the cause is fixed,
counted in PostgreSQL: nothing lost, nothing twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from tests.conftest import free_port
from tests.integration.workers.conftest import (
    dlq_messages,
    new_job_id,
    photo_bytes,
    send_storage,
    upload,
    wait_for,
)

from ecoeco.console.config import Profile
from ecoeco.console.ops import OperationRunner
from ecoeco.console.ops.recovery import DlqRequeue, WalCheckpoint, WalReplay, WalStats, WalSync
from ecoeco.shared.jobs import task_id

pytestmark = pytest.mark.integration
WAIT = 120.0


def runner_for(broker_url: str, state: Path, **settings: Any) -> OperationRunner:
    profile = Profile.model_validate(
        {"name": "sandbox", "environment": "sandbox", "broker_url": broker_url} | settings
    )
    return OperationRunner(profile, state_dir=state)


def pg_rows(pg_url: str, tid: str) -> list[tuple[str, int]]:
    with psycopg.connect(pg_url) as conn:
        return conn.execute(
            "SELECT state, attempts FROM tasks.task_results WHERE task_id = %s", (tid,)
        ).fetchall()


def test_sync_on_command_checkpoint_and_replay_count(
    worker_env, start_worker, client_app, s3_client, vhost_broker_url, pg_url, tmp_path
):
    storage = start_worker("storage", worker_env)  # sync interval 300 s: nothing syncs by itself
    job = new_job_id()
    tid = task_id(job, "storage")
    send_storage(client_app, job, upload(s3_client, job, photo_bytes()))
    wait_for(lambda: storage.states().get(tid) == "succeeded", what="task done")
    runner = runner_for(vhost_broker_url, tmp_path / "state")

    plan = runner.plan(WalSync(), {"worker": "storage"})
    assert plan.summary == (f"sync {storage.node}: 1 unsynced row(s) to PostgreSQL",)
    assert pg_rows(pg_url, tid) == []
    outcome = runner.run(plan, timeout=WAIT)
    assert outcome.result == "succeeded", outcome.message
    assert outcome.data[storage.node] == {"unsynced_before": 1, "unsynced_after": 0}
    assert pg_rows(pg_url, tid) == [("succeeded", 1)]

    assert runner.run(runner.plan(WalCheckpoint(), {"worker": "storage"}), timeout=WAIT).ok
    replay = runner.plan(WalReplay(), {"worker": "storage"})
    assert replay.summary[0] == "0 row(s) to re-enqueue under their own task ids" and not replay.changes

    # A read-only profile still gets the figures (a check), never the sync.
    ro = runner_for(vhost_broker_url, tmp_path / "state", read_only=True)
    stats = ro.run(ro.plan(WalStats(), {"worker": "all"}), timeout=WAIT)
    assert stats.ok and stats.data["workers"][storage.node]["unsynced_rows"] == 0
    assert ro.unavailable(WalSync()) is not None


def test_dead_letter_requeued_after_the_cause_is_fixed_runs_once(
    worker_env, start_worker, client_app, s3_client, vhost_broker_url, pg_url, tmp_path
):
    # S3 unreachable: every attempt fails, the third is dead-lettered by the worker.
    broken = dict(worker_env, ECOECO_S3_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}")
    storage = start_worker("storage", broken)
    job = new_job_id()
    tid = task_id(job, "storage")
    send_storage(client_app, job, upload(s3_client, job, photo_bytes(seed=3)))
    wait_for(lambda: storage.states().get(tid) == "dead", timeout=WAIT, what="task dead")
    storage.stop()

    # The cause fixed (S3 back), a worker on the same journal; the dead letter is still in q.dlq.
    fixed = start_worker("storage", worker_env)
    runner = runner_for(vhost_broker_url, tmp_path / "state")
    plan = runner.plan(DlqRequeue(), {})
    assert plan.summary[0].startswith("1 message(s) in q.dlq")
    outcome = runner.run(plan, timeout=WAIT)
    assert outcome.result == "succeeded", outcome.message
    assert outcome.data["moved"] == {"q.storage": 1, "q.ai": 0}

    wait_for(lambda: fixed.states().get(tid) == "succeeded", timeout=WAIT, what="requeued task done")
    assert runner.run(runner.plan(WalSync(), {"worker": "storage"}), timeout=WAIT).ok
    rows = pg_rows(pg_url, tid)
    assert [state for state, _ in rows] == ["succeeded"]  # one row for the task: not lost, not twice
    assert dlq_messages(vhost_broker_url) == []
