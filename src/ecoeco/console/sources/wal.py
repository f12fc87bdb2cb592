"""Worker journals: per worker, the WAL metrics from Prometheus and the ``wal_stats`` control command.

The control reply is fresher (asked now, not at the last scrape) and wins where both answer; either
alone is enough for the source to be healthy.
"""

from __future__ import annotations

import time
from typing import Any

from ecoeco.console.errors import short_error
from ecoeco.console.snapshot import Snapshot, WalInfo
from ecoeco.console.sources import prom
from ecoeco.console.sources.base import DEFAULT_TIMEOUT_S, SourceError
from ecoeco.shared.names import WAL_STATS, WORKERS

CONTROL_TIMEOUT_S = 1.0
HISTORY_WINDOW_S = 900
HISTORY_STEP_S = 15

_GAUGES = {
    "unsynced_rows": "ecoeco_wal_unsynced_rows",
    "oldest_unsynced_age_s": "ecoeco_wal_oldest_unsynced_age_seconds",
    "last_sync_success_ts": "ecoeco_wal_last_sync_success_timestamp_seconds",
    "sync_errors_total": "ecoeco_wal_sync_errors_total",
    "last_sync_failure_ts": "ecoeco_wal_last_sync_failure_timestamp_seconds",
    "file_bytes": "ecoeco_wal_file_bytes",
}
_INTS = {"unsynced_rows", "file_bytes"}
_FIELD_OF = {metric: field for field, metric in _GAUGES.items()}
_ALL_GAUGES = (
    f'max by (__name__, worker, state) ({{__name__=~"{"|".join([*_GAUGES.values(), "ecoeco_wal_rows"])}"}})'
)


class WalSource:
    name = "wal"

    def __init__(
        self,
        prometheus_url: str | None,
        broker_url: str | None,
        workers: list[str] | None = None,
        interval_s: float = 5.0,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.prometheus_url = prometheus_url
        self.broker_url = broker_url
        self.workers = list(workers or WORKERS)
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self._secrets = (broker_url,) if broker_url else ()
        self._prom: Any = None
        self._celery: Any = None
        self._history = prom.PerStep(HISTORY_STEP_S)
        self._errors_seen: dict[str, float] = {}
        self._errors_grew_at: dict[str, float] = {}

    def _failure_seen(self, worker: str, errors_total: float | None) -> float | None:
        """For a worker that does not say when its sync last failed: when its error counter was last
        seen to grow. The first sight is not growth: when those errors happened is unknown, and the
        backlog's age still tells a sync that is not happening now."""
        previous = self._errors_seen.get(worker)
        if errors_total is not None:
            self._errors_seen[worker] = errors_total
            if previous is not None and errors_total > previous:
                self._errors_grew_at[worker] = time.time()
        return self._errors_grew_at.get(worker)

    def poll_prometheus(self) -> dict[str, dict[str, Any]]:
        if not self.prometheus_url:
            raise SourceError("no prometheus_url configured")
        if self._prom is None:
            self._prom = prom.connect(self.prometheus_url, self.timeout_s)
        out: dict[str, dict[str, Any]] = {}
        # Every gauge in one query (one request per poll, not seven); max over a worker's replicas.
        for labels, value in prom.instant(self._prom, _ALL_GAUGES):
            worker, metric = labels.get("worker"), labels.get("__name__")
            if worker is None or value is None:
                continue
            if metric == "ecoeco_wal_rows":
                if "state" in labels:
                    out.setdefault(worker, {}).setdefault("rows_by_state", {})[labels["state"]] = int(value)
            elif (field := _FIELD_OF.get(metric or "")) is not None:
                out.setdefault(worker, {})[field] = int(value) if field in _INTS else value
        history = self._history.get(
            "unsynced",
            lambda: prom.series(
                self._prom, "max by (worker) (ecoeco_wal_unsynced_rows)", HISTORY_WINDOW_S, HISTORY_STEP_S
            ),
        )
        for labels, values in history:
            if "worker" in labels:
                out.setdefault(labels["worker"], {})["unsynced_history"] = values
        return out

    def poll_control(self) -> dict[str, dict[str, Any]]:
        if self._celery is None:
            from celery import Celery

            self._celery = Celery("ecoeco-console", broker=self.broker_url)
            self._celery.conf.broker_connection_timeout = min(2.0, self.timeout_s)
            self._celery.conf.broker_connection_retry_on_startup = False
            self._celery.conf.broker_connection_max_retries = 0
        replies = self._celery.control.broadcast(
            WAL_STATS, reply=True, timeout=CONTROL_TIMEOUT_S, limit=len(self.workers)
        )
        out: dict[str, dict[str, Any]] = {}
        for reply in replies or []:
            for hostname, body in reply.items():
                if not isinstance(body, dict):
                    continue
                worker = body.get("worker") or hostname.split("@", 1)[0]
                out[worker] = body
        return out

    def poll(self) -> list[WalInfo]:
        if not self.prometheus_url and not self.broker_url:
            raise SourceError("no prometheus_url or broker_url configured")
        errors: list[str] = []
        from_prom: dict[str, dict[str, Any]] = {}
        from_control: dict[str, dict[str, Any]] = {}
        if self.prometheus_url:
            try:
                from_prom = self.poll_prometheus()
            except Exception as exc:  # noqa: BLE001 -- shown as the error; the other half may answer
                errors.append(f"prometheus: {short_error(exc, self._secrets)}")
        if self.broker_url:
            try:
                from_control = self.poll_control()
            except Exception as exc:  # noqa: BLE001 -- shown as the error; the other half may answer
                errors.append(f"wal_stats: {short_error(exc, self._secrets)}")
        if len(errors) == int(bool(self.prometheus_url)) + int(bool(self.broker_url)):
            raise SourceError("; ".join(errors))

        names = list(self.workers) + sorted((set(from_prom) | set(from_control)) - set(self.workers))
        out: list[WalInfo] = []
        for worker in names:
            p, c = from_prom.get(worker, {}), from_control.get(worker, {})
            info = WalInfo(worker=worker)
            if p:
                info.via.append("prometheus")
            if c:
                info.via.append("control")
            for field in (*_GAUGES, "rows_by_state", "sync_interval_s"):
                value = c.get(field) if c.get(field) is not None else p.get(field)
                if value is not None:
                    setattr(info, field, value)
            if not info.last_sync_success_ts:
                info.last_sync_success_ts = None  # 0 is the gauge's "never synced"
            seen = self._failure_seen(worker, info.sync_errors_total)
            if not info.last_sync_failure_ts:  # 0 is the gauge's "never failed"; absent from older workers
                info.last_sync_failure_ts = seen
            if info.unsynced_rows == 0:
                info.oldest_unsynced_age_s = None  # the gauge reads 0 when there is nothing to age
            info.unsynced_history = p.get("unsynced_history", [])
            out.append(info)
        return out

    def apply(self, snapshot: Snapshot, data: object) -> None:
        assert isinstance(data, list)
        snapshot.wal = data
