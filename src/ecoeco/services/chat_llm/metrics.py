"""Chat metrics beside the HTTP ones in ``/metrics``: how answers were produced and what the model
costs in time, so an operator sees a failing model (degraded answers) before users complain."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

MODEL_BUCKETS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0)


class ChatMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.answers = Counter(
            "ecoeco_chat_answers_total",
            "Chat answers by how they were produced (degraded: the model failed, retrieval answered)",
            ["mode", "degraded"],
            registry=registry,
        )
        self.model_seconds = Histogram(
            "ecoeco_chat_model_request_duration_seconds",
            "Time of chat-model calls, by outcome",
            ["outcome"],
            buckets=MODEL_BUCKETS,
            registry=registry,
        )
        self.rate_limited = Counter(
            "ecoeco_chat_rate_limited_total", "Messages refused by the per-user rate limit", registry=registry
        )
