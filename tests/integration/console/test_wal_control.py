"""wal source against a real ``ecoeco-worker storage``: the ``wal_stats`` control command over the real
RabbitMQ, and the worker's own metrics scraped by a real Prometheus."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import create_vhost, delete_vhost, free_port
from tests.integration.console.conftest import PROMETHEUS, Prometheus

from ecoeco.console.snapshot import Snapshot
from ecoeco.console.sources.wal import WalSource

pytestmark = pytest.mark.integration
WORKER_BIN = Path(sys.executable).with_name("ecoeco-worker")


@pytest.fixture(scope="module")
def storage_worker(pg_url: str, redis_url: str) -> Iterator[tuple[str, int]]:
    """(broker URL, metrics port) of a running storage worker on a fresh vhost."""
    vhost = create_vhost("ecoeco-console-wal")
    broker = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="console-wal-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOECO_")}
    env.update(
        ECOECO_DATABASE_URL=pg_url,
        ECOECO_BROKER_URL=broker,
        ECOECO_REDIS_URL=redis_url,
        ECOECO_WAL_DIR=str(tmp / "wal"),
        ECOECO_WAL_SYNC_INTERVAL_S="300",
    )
    log = (tmp / "worker.log").open("wb")
    proc = subprocess.Popen(
        [str(WORKER_BIN), "storage", "--metrics-port", str(port), "--concurrency", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        source = WalSource(None, broker, workers=["storage"])
        deadline = time.monotonic() + 90
        while not any("control" in w.via for w in source.poll()):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    "worker did not answer wal_stats:\n" + (tmp / "worker.log").read_text()[-3000:]
                )
            time.sleep(0.5)
        yield broker, port
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        delete_vhost(vhost)
        shutil.rmtree(tmp, ignore_errors=True)


def test_wal_stats_control_command_answers(storage_worker: tuple[str, int]) -> None:
    broker, _ = storage_worker
    source = WalSource(None, broker, workers=["storage", "ai"])
    snap = Snapshot()
    source.apply(snap, source.poll())
    wal = {w.worker: w for w in snap.wal}
    storage = wal["storage"]
    assert storage.via == ["control"]
    assert storage.unsynced_rows == 0 and storage.sync_interval_s == 300
    assert set(storage.rows_by_state) >= {"received", "running", "succeeded", "failed", "dead"}
    assert storage.file_bytes is not None and storage.file_bytes > 0
    assert wal["ai"].via == []  # no ai worker runs: shown, with nothing known


@pytest.mark.skipif(not Path(PROMETHEUS).exists(), reason="prometheus not installed")
def test_worker_metrics_in_prometheus_and_control_agree(storage_worker: tuple[str, int]) -> None:
    broker, port = storage_worker
    prom = Prometheus([f"127.0.0.1:{port}"], {"groups": []})
    try:
        prom.wait_for('ecoeco_wal_unsynced_rows{worker="storage"}')
        prom.wait_for('ecoeco_wal_rows{worker="storage"}')
        # a few scrapes, so the history's range query has points at whole seconds
        prom.wait_for('count_over_time(ecoeco_wal_unsynced_rows{worker="storage"}[1m]) >= 3')
        source = WalSource(prom.url, broker, workers=["storage"])
        [storage] = source.poll()
        assert storage.via == ["prometheus", "control"]
        assert storage.unsynced_rows == 0 and storage.file_bytes and storage.unsynced_history
        assert storage.last_sync_success_ts is None  # never synced: 0 in the gauge, none on screen
        prom_only = WalSource(prom.url, None, workers=["storage"]).poll()[0]
        assert prom_only.via == ["prometheus"] and prom_only.unsynced_rows == 0
        assert prom_only.file_bytes and prom_only.rows_by_state
    finally:
        prom.stop()
