"""Metrics from Prometheus: per-service request rate, 5xx ratio and p95 latency (now and as history
for sparklines), and per-node CPU/memory where node-exporter metrics exist."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from console.snapshot import MetricsState, ServiceMetrics, Snapshot
from console.sources import prom
from console.sources.base import DEFAULT_TIMEOUT_S, SourceError

DEFAULT_SERVICES = ("auth", "userinfo", "location", "waste", "recycle-info", "chat-llm")

RATE = "sum by (service) (rate(http_requests_total[1m]))"
ERRORS = (
    'sum by (service) (rate(http_requests_total{status=~"5.."}[1m]))'
    " / sum by (service) (rate(http_requests_total[1m]))"
)
P95 = "histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket[5m])))"
NODE_CPU = '100 * (1 - avg by (instance, node) (rate(node_cpu_seconds_total{mode="idle"}[2m])))'
NODE_MEM = "100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)"


@dataclass
class MetricsData:
    state: MetricsState
    node_cpu: dict[str, float] = field(default_factory=dict)
    node_mem: dict[str, float] = field(default_factory=dict)
    node_cpu_history: dict[str, list[float]] = field(default_factory=dict)
    node_mem_history: dict[str, list[float]] = field(default_factory=dict)


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
        self.services = list(services or DEFAULT_SERVICES)
        self.window_s = window_s
        self.step_s = step_s
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self._prom: Any = None

    def poll(self) -> MetricsData:
        if not self.prometheus_url:
            raise SourceError("no prometheus_url configured")
        if self._prom is None:
            self._prom = prom.connect(self.prometheus_url, self.timeout_s)
        p = self._prom
        rate = prom.by_label(prom.instant(p, RATE), "service")
        errors = prom.by_label(prom.instant(p, ERRORS), "service")
        p95 = prom.by_label(prom.instant(p, P95), "service")
        hist = {
            key: {
                labels.get("service"): values
                for labels, values in prom.series(p, q, self.window_s, self.step_s)
            }
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
        data = MetricsData(MetricsState(window_s=self.window_s, step_s=self.step_s, services=services))
        cpu_rows = prom.instant(p, NODE_CPU)
        if cpu_rows:
            data.state.node_exporter = True
            for labels, value in cpu_rows:
                if (key := _node_key(labels)) and value is not None:
                    data.node_cpu[key] = value
            for labels, value in prom.instant(p, NODE_MEM):
                if (key := _node_key(labels)) and value is not None:
                    data.node_mem[key] = value
            for labels, values in prom.series(p, NODE_CPU, self.window_s, self.step_s):
                if key := _node_key(labels):
                    data.node_cpu_history[key] = values
            for labels, values in prom.series(p, NODE_MEM, self.window_s, self.step_s):
                if key := _node_key(labels):
                    data.node_mem_history[key] = values
        return data

    def apply(self, snapshot: Snapshot, data: object) -> None:
        assert isinstance(data, MetricsData)
        snapshot.metrics = data.state
        if not data.state.node_exporter:
            return
        for node in snapshot.cluster.nodes:
            # Match node-exporter's node/instance to the node's name or its providerID-free hostname.
            key = node.name if node.name in data.node_cpu else None
            if key is None:
                continue
            node.cpu_percent = data.node_cpu.get(key)
            node.mem_percent = data.node_mem.get(key)
            node.cpu_history = data.node_cpu_history.get(key, [])
            node.mem_history = data.node_mem_history.get(key, [])
