"""Metrics from Prometheus: per-service request rate, 5xx ratio and p95 latency (now and as history
for sparklines), and per-node CPU/memory where node-exporter metrics exist."""

from __future__ import annotations

from typing import Any

from ecoeco.console.snapshot import MetricsState, NodeUsage, ScrapeTarget, ServiceMetrics, Snapshot
from ecoeco.console.sources import prom
from ecoeco.console.sources.base import DEFAULT_TIMEOUT_S, SourceError
from ecoeco.shared.names import API_SERVICES

RATE = "sum by (service) (rate(http_requests_total[1m]))"
ERRORS = (
    'sum by (service) (rate(http_requests_total{status=~"5.."}[1m]))'
    " / sum by (service) (rate(http_requests_total[1m]))"
)
P95 = "histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket[5m])))"
NODE_CPU = '100 * (1 - avg by (instance, node) (rate(node_cpu_seconds_total{mode="idle"}[2m])))'
NODE_MEM = "100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)"


def _node_key(labels: dict[str, str]) -> str | None:
    """node-exporter series name their node by a ``node`` label (kube-prometheus relabelling) or by
    ``instance`` (``host:port``)."""
    if labels.get("node"):
        return labels["node"]
    instance = labels.get("instance")
    return instance.rsplit(":", 1)[0] if instance else None


class MetricsSource:
    name = "metrics"

    def __init__(
        self,
        prometheus_url: str | None,
        services: list[str] | None = None,
        window_s: int = 900,
        step_s: int = 15,
        interval_s: float = 5.0,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.prometheus_url = prometheus_url
        self.services = list(services or API_SERVICES)
        self.window_s = window_s
        self.step_s = step_s
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self._prom: Any = None
        self._history = prom.PerStep(step_s)

    def _series(self, key: str, query: str) -> list[tuple[dict[str, str], list[float]]]:
        return self._history.get(key, lambda: prom.series(self._prom, query, self.window_s, self.step_s))

    def poll(self) -> MetricsState:
        if not self.prometheus_url:
            raise SourceError("no prometheus_url configured")
        if self._prom is None:
            self._prom = prom.connect(self.prometheus_url, self.timeout_s)
        p = self._prom
        rate = prom.by_label(prom.instant(p, RATE), "service")
        errors = prom.by_label(prom.instant(p, ERRORS), "service")
        p95 = prom.by_label(prom.instant(p, P95), "service")
        hist = {
            key: {labels.get("service"): values for labels, values in self._series(key, q)}
            for key, q in (("rate", RATE), ("error", ERRORS), ("p95", P95))
        }
        names = self.services + sorted(set(rate) - set(self.services))
        services = [
            ServiceMetrics(
                service=name,
                request_rate=rate.get(name),
                # No 5xx series while traffic flows means a ratio of 0, not "unknown".
                error_ratio=errors.get(name, 0.0 if rate.get(name) else None),
                p95_latency_s=p95.get(name),
                rate_history=hist["rate"].get(name, []),
                error_history=hist["error"].get(name, []),
                p95_history=hist["p95"].get(name, []),
            )
            for name in names
        ]
        state = MetricsState(window_s=self.window_s, step_s=self.step_s, services=services)
        state.targets = self._targets(p)
        cpu_rows = prom.instant(p, NODE_CPU)
        if cpu_rows:
            state.node_exporter = True
            usage = state.node_usage

            def node(labels: dict[str, str]) -> NodeUsage | None:
                key = _node_key(labels)
                return usage.setdefault(key, NodeUsage()) if key else None

            for labels, value in cpu_rows:
                if (n := node(labels)) and value is not None:
                    n.cpu_percent = value
            for labels, value in prom.instant(p, NODE_MEM):
                if (n := node(labels)) and value is not None:
                    n.mem_percent = value
            for labels, values in self._series("node_cpu", NODE_CPU):
                if n := node(labels):
                    n.cpu_history = values
            for labels, values in self._series("node_mem", NODE_MEM):
                if n := node(labels):
                    n.mem_history = values
        return state

    @staticmethod
    def _targets(p: Any) -> list[ScrapeTarget] | None:
        """The scrape targets, or None when Prometheus would not list them (the figures still count)."""
        try:
            raw = prom.targets(p)
        except SourceError:
            return None
        out = []
        for t in raw:
            labels = {str(k): str(v) for k, v in (t.get("labels") or {}).items()}
            health = t.get("health")
            out.append(
                ScrapeTarget(
                    job=labels.get("job") or str(t.get("scrapePool") or "?"),
                    instance=labels.get("instance", ""),
                    health=health if health in ("up", "down") else "unknown",
                    last_error=t.get("lastError") or None,
                    last_scrape=prom.epoch(t.get("lastScrape")),
                    labels={k: v for k, v in labels.items() if k not in ("job", "instance")},
                )
            )
        return out

    def apply(self, snapshot: Snapshot, data: object) -> None:
        assert isinstance(data, MetricsState)
        snapshot.metrics = data
