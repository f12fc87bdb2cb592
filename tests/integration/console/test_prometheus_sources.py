"""wal, metrics and alerts sources against a real Prometheus scraping real prometheus_client metrics."""

from __future__ import annotations

import pytest
from tests.integration.console.conftest import LAST_SYNC_TS, Prometheus, closed_port_url

from ecoeco.console.snapshot import Snapshot
from ecoeco.console.sources.alerts import AlertsSource
from ecoeco.console.sources.base import SourceError
from ecoeco.console.sources.cluster_local import LocalClusterData, LocalClusterSource
from ecoeco.console.sources.metrics import MetricsSource
from ecoeco.console.sources.wal import WalSource

pytestmark = pytest.mark.integration


def _no_processes() -> dict:
    return {"running": True, "components": []}


def test_wal_info_comes_from_the_worker_metrics(prometheus: Prometheus) -> None:
    source = WalSource(prometheus.url, broker_url=None, workers=["storage", "ai"])
    snap = Snapshot()
    source.apply(snap, source.poll())
    wal = {w.worker: w for w in snap.wal}
    storage = wal["storage"]
    assert storage.unsynced_rows == 44
    assert storage.oldest_unsynced_age_s == pytest.approx(612.5)
    assert storage.last_sync_success_ts == LAST_SYNC_TS
    assert storage.sync_errors_total == 3
    assert storage.file_bytes == 4_120_000
    assert storage.rows_by_state == {"received": 2, "running": 1, "succeeded": 40, "failed": 3, "dead": 1}
    assert storage.via == ["prometheus"]
    assert storage.unsynced_history and set(storage.unsynced_history) == {44.0}
    assert wal["ai"].unsynced_rows == 0 and wal["ai"].oldest_unsynced_age_s is None


def test_service_metrics_rate_errors_and_p95(prometheus: Prometheus) -> None:
    source = MetricsSource(prometheus.url, window_s=120, step_s=2)
    snap = Snapshot()
    LocalClusterSource(status_reader=_no_processes).apply(snap, LocalClusterData(status=_no_processes()))
    source.apply(snap, source.poll())
    metrics = {m.service: m for m in snap.metrics.services}
    assert list(metrics)[:6] == ["auth", "userinfo", "location", "waste", "recycle-info", "chat-llm"]
    waste, auth = metrics["waste"], metrics["auth"]
    assert waste.request_rate and waste.request_rate > 0
    assert waste.error_ratio == pytest.approx(0.25, abs=0.05)  # 1 request in 4 answers 500
    assert auth.error_ratio == 0.0  # traffic, no 5xx series: a ratio of zero, not unknown
    assert 0.1 < waste.p95_latency_s <= 0.25  # every request sits in the (0.1, 0.25] bucket
    assert waste.rate_history and waste.p95_history
    assert metrics["location"].request_rate is None and metrics["location"].error_ratio is None

    # node-exporter CPU/memory land on the matching topology node when the snapshot is read
    assert snap.metrics.node_exporter is True
    snap.join_node_usage()
    auth_node = next(n for n in snap.cluster.nodes if n.name == "k8s-api-auth")
    # rate() over [2m] divides by the whole window, so a series seconds old reads as nearly idle-free
    # (busy): only its presence and range are certain here.
    assert auth_node.cpu_percent is not None and 0 < auth_node.cpu_percent <= 100
    assert auth_node.mem_percent == pytest.approx(75)
    assert auth_node.cpu_history


def test_alerts_lists_the_firing_rule(prometheus: Prometheus) -> None:
    source = AlertsSource(prometheus.url)
    snap = Snapshot()
    source.apply(snap, source.poll())
    alert = next(a for a in snap.alerts if a.name == "WalBacklogOld")
    assert alert.severity == "critical" and alert.state == "firing"
    assert alert.summary == "WAL backlog older than two sync intervals"
    assert alert.labels["worker"] == "storage" and alert.active_since is not None


def test_prometheus_down_is_a_clear_source_error() -> None:
    url = closed_port_url()
    for source in (
        MetricsSource(url, timeout_s=2),
        AlertsSource(url, timeout_s=2),
        WalSource(url, None, timeout_s=2),
    ):
        with pytest.raises(SourceError) as err:
            source.poll()
        assert "connection refused" in str(err.value) or "ConnectError" in str(err.value)


def test_targets_down_are_read_and_judged() -> None:
    """A real Prometheus with one target that answers (itself) and one that does not: the metrics source
    keeps both from /api/v1/targets, and triage names the one down with Prometheus' own error."""
    from pathlib import Path

    from tests.integration.console.conftest import PROMETHEUS, free_port

    from ecoeco.console.snapshot import SourceStatus
    from ecoeco.console.triage import evaluate

    if not Path(PROMETHEUS).exists():
        pytest.skip("prometheus binary not installed")
    dead = f"127.0.0.1:{free_port()}"
    prom = Prometheus([dead], {"groups": []})
    try:
        prom.wait_for("up == 0")
        source = MetricsSource(prom.url, window_s=60, step_s=5)
        snap = Snapshot()
        source.apply(snap, source.poll())
    finally:
        prom.stop()
    assert snap.metrics.targets is not None
    (target,) = snap.metrics.targets
    assert (target.job, target.instance, target.health) == ("ecoeco-test", dead, "down")
    assert target.last_error and "refused" in target.last_error
    snap.sources = {"metrics": SourceStatus(name="metrics", ok=True)}
    f = next(f for f in evaluate(snap) if f.rule == "prometheus_targets_down")
    assert f.title == "Prometheus cannot scrape ecoeco-test (1/1 down)"
    assert "not listening" in f.cause
