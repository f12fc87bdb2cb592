"""Alerts from Prometheus ``/api/v1/alerts`` (pending and firing)."""

from __future__ import annotations

import datetime as dt

import httpx

from ecoeco.console.snapshot import AlertInfo, Snapshot
from ecoeco.console.sources.base import DEFAULT_TIMEOUT_S, SourceError
from ecoeco.shared.redact import mask_url

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def _epoch(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def parse_alerts(body: dict) -> list[AlertInfo]:
    alerts = []
    for a in body.get("data", {}).get("alerts", []):
        labels = dict(a.get("labels", {}))
        annotations = a.get("annotations", {})
        alerts.append(
            AlertInfo(
                name=labels.get("alertname", "?"),
                severity=labels.get("severity", "warning"),
                state=a.get("state", "firing"),
                summary=annotations.get("summary") or annotations.get("description") or "",
                labels=labels,
                active_since=_epoch(a.get("activeAt")),
            )
        )
    alerts.sort(key=lambda x: (x.state != "firing", SEVERITY_ORDER.get(x.severity, 9), x.name))
    return alerts


class AlertsSource:
    name = "alerts"

    def __init__(
        self, prometheus_url: str | None, interval_s: float = 5.0, timeout_s: float = DEFAULT_TIMEOUT_S
    ):
        self.prometheus_url = prometheus_url.rstrip("/") if prometheus_url else None
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        # One client for the console's lifetime: a new one per poll built a TLS context each time
        # (~17 ms of CPU, most of this source's cost).
        self._client: httpx.Client | None = None

    def poll(self) -> list[AlertInfo]:
        if not self.prometheus_url:
            raise SourceError("no prometheus_url configured")
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout_s)
        try:
            r = self._client.get(f"{self.prometheus_url}/api/v1/alerts")
        except httpx.HTTPError as exc:
            raise SourceError(f"Prometheus {mask_url(self.prometheus_url)}: {type(exc).__name__}") from exc
        if r.status_code != 200:
            raise SourceError(f"Prometheus alerts API answered {r.status_code}")
        return parse_alerts(r.json())

    def apply(self, snapshot: Snapshot, data: object) -> None:
        assert isinstance(data, list)
        snapshot.alerts = data
