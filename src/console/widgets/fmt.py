"""Plain formatting and health rules shared by the screens (no widgets here, cheap to test).

Every age is computed against ``snapshot.taken_at`` rather than the wall clock, so a fixed
snapshot renders the same text every time (screenshots and snapshot tests rely on that).
"""

from __future__ import annotations

from collections.abc import Sequence

from console.snapshot import NodeInfo, QueueInfo, ServiceHealth, ServiceMetrics, Snapshot, WalInfo

HealthLevel = str  # "ok" | "warn" | "bad" | "unknown"

_BLOCKS = "▁▂▃▄▅▆▇█"
HEALTH_RANK = {"unknown": 0, "ok": 1, "warn": 2, "bad": 3}
HEALTH_GLYPH = {"ok": "●", "warn": "▲", "bad": "✖", "unknown": "?"}
BAD_WAITING = {"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError"}


def spark(values: Sequence[float], width: int = 10) -> str:
    """A text sparkline of the last ``width`` values (empty input gives a dim placeholder)."""
    tail = list(values)[-width:]
    if not tail:
        return "·" * min(width, 3)
    lo, hi = min(tail), max(tail)
    span = hi - lo
    if span <= 0:
        # A flat line still says "there is data": low block when zero, mid block otherwise.
        return (_BLOCKS[0] if hi == 0 else _BLOCKS[3]) * len(tail)
    return "".join(_BLOCKS[min(7, int((v - lo) / span * 7.999))] for v in tail)


def age(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    s = max(0.0, seconds)
    if s < 60:
        return f"{s:.0f}s"
    if s < 3600:
        return f"{s // 60:.0f}m{s % 60:02.0f}s"
    if s < 86400:
        return f"{s // 3600:.0f}h{(s % 3600) // 60:02.0f}m"
    return f"{s // 86400:.0f}d{(s % 86400) // 3600:02.0f}h"


def span(seconds: float | int) -> str:
    """A duration such as a chart window or a sync interval: 90 -> 1m30s, 900 -> 15m, 3600 -> 1h."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m" + (f"{s % 60:02d}s" if s % 60 else "")
    return f"{s // 3600}h" + (f"{(s % 3600) // 60:02d}m" if s % 3600 else "")


def num(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}/s"


def pct(value: float | None, *, ratio: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value * 100 if ratio else value:.1f}%"


def ms(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds * 1000:.0f}ms"


def size(n: int | float | None) -> str:
    if n is None:
        return "–"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f}{unit}" if unit == "B" else f"{value:.1f}{unit}"
        value /= 1024
    return f"{value:.1f}GiB"


def worst(levels: Sequence[HealthLevel]) -> HealthLevel:
    return max(levels, key=lambda lv: HEALTH_RANK[lv], default="unknown")


# --- health rules: one place, so the colours mean the same on every screen -----------------------


def pod_health(phase: str, ready: bool, waiting_reason: str | None, restarts: int) -> HealthLevel:
    if waiting_reason in BAD_WAITING or phase == "Failed":
        return "bad"
    if phase == "Succeeded":
        return "ok"
    if phase != "Running" or not ready or waiting_reason:
        return "warn"
    return "warn" if restarts >= 5 else "ok"


def node_health(node: NodeInfo) -> HealthLevel:
    if node.status in ("NotReady", "Missing"):
        return "bad"
    if node.status == "Unknown":
        return "unknown"
    levels = [pod_health(p.phase, p.ready, p.waiting_reason, p.restarts) for p in node.pods]
    usage = max(node.cpu_percent or 0.0, node.mem_percent or 0.0)
    levels.append("warn" if usage >= 90 else "ok")
    return worst(levels)


def queue_health(q: QueueInfo) -> HealthLevel:
    if not q.exists:
        return "bad"
    if q.ready is None:
        return "unknown"
    if q.name.endswith("dlq"):
        return "warn" if q.ready > 0 else "ok"
    if q.ready > 0 and (q.consumers or 0) == 0:
        return "bad"
    growing = len(q.depth_history) >= 3 and q.depth_history[-1] > q.depth_history[-3] > 0
    return "warn" if growing or q.ready >= 1000 else "ok"


def wal_health(w: WalInfo) -> HealthLevel:
    if w.unsynced_rows is None and w.oldest_unsynced_age_s is None:
        return "unknown"
    interval = w.sync_interval_s or 300.0
    oldest = w.oldest_unsynced_age_s or 0.0
    # A backlog older than two sync intervals means at least one sync did not happen.
    if oldest > 2 * interval:
        return "bad"
    if (w.sync_errors_total or 0) > 0 or oldest > interval:
        return "warn"
    return "ok"


def metric_health(m: ServiceMetrics) -> HealthLevel:
    if m.request_rate is None and m.error_ratio is None:
        return "unknown"
    err = m.error_ratio or 0.0
    if err >= 0.05:
        return "bad"
    if err >= 0.01 or (m.p95_latency_s or 0.0) >= 1.0:
        return "warn"
    return "ok"


def service_health(s: ServiceHealth) -> HealthLevel:
    if s.live is None and s.ready is None:
        return "unknown" if not s.error else "bad"
    if s.live is False:
        return "bad"
    if s.ready is False:
        return "warn"
    return "ok"


def source_age(snapshot: Snapshot, source: str) -> float | None:
    status = snapshot.sources.get(source)
    if status is None or status.updated_at is None:
        return None
    return max(0.0, snapshot.taken_at - status.updated_at)
