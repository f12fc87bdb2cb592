"""A worker that does not say when its sync last failed: the WAL source dates the failure from when it
saw the error counter grow, so the warning can end (issue 13 item 9)."""

from __future__ import annotations

from ecoeco.console import health
from ecoeco.console.snapshot import WalInfo
from ecoeco.console.sources.wal import WalSource


def test_errors_counted_before_the_console_looked_are_not_dated_as_now() -> None:
    source = WalSource(prometheus_url=None, broker_url="amqp://guest:guest@127.0.0.1:5672/x")
    assert source._failure_seen("ai", 3.0) is None  # first sight: when they happened is unknown
    assert source._failure_seen("ai", 3.0) is None  # no growth


def test_growth_dates_the_failure_and_a_later_success_clears_the_warning() -> None:
    source = WalSource(prometheus_url=None, broker_url="amqp://guest:guest@127.0.0.1:5672/x")
    source._failure_seen("ai", 3.0)
    failed_at = source._failure_seen("ai", 4.0)
    assert failed_at is not None
    failing = WalInfo(worker="ai", unsynced_rows=0, sync_errors_total=4, last_sync_failure_ts=failed_at,
                      last_sync_success_ts=failed_at - 30)  # fmt: skip
    assert health.wal_health(failing) == "warn"
    recovered = failing.model_copy(update={"last_sync_success_ts": failed_at + 30})
    assert health.wal_health(recovered) == "ok"
    assert source._failure_seen("ai", 4.0) == failed_at  # remembered until the counter grows again
    assert source._failure_seen("ai", 0.0) == failed_at  # a restarted worker's counter starts again
