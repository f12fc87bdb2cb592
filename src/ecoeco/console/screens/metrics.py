"""Metrics: per service request rate, 5xx ratio and p95 latency, charted over a chosen window."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Label

from ecoeco.console import health, keys
from ecoeco.console.screens.base import AreaScreen
from ecoeco.console.snapshot import ServiceMetrics, Snapshot
from ecoeco.console.widgets import fmt
from ecoeco.console.widgets.spark import FastSparkline as Sparkline
from ecoeco.console.widgets.status_bits import QuietStatic
from ecoeco.shared.topology import load_topology

WINDOWS_S = (60, 300, 900, 3600)
SERIES = (("rps ", "rate_history"), ("5xx ", "error_history"), ("p95 ", "p95_history"))


def window_slice(values: list[float], window_s: int, step_s: int) -> list[float]:
    points = max(1, window_s // max(1, step_s))
    return values[-points:]


def figures(m: ServiceMetrics | None, snapshot: Snapshot) -> tuple[str, str]:
    if m is None:
        return "unknown", "[dim]no data[/dim]"
    level = health.vouched(health.metric_health(m), snapshot, "metrics")
    return level, (
        f"{fmt.HEALTH_GLYPH[level]} {m.request_rate or 0:.1f} rps · 5xx {fmt.pct(m.error_ratio, ratio=True)}"
        f" · p95 {fmt.ms(m.p95_latency_s)}"
    )


class MetricsScreen(AreaScreen):
    AREA = "metrics"
    BINDINGS = keys.METRICS_BINDINGS

    def __init__(self) -> None:
        super().__init__()
        self.window_s = 900

    def compose_body(self) -> ComposeResult:
        yield QuietStatic("", id="window-line")
        services = [n.domain for n in load_topology().by_role("api")]
        with Grid(id="metrics-grid"):
            for service in services:
                with Vertical(classes="metric-card", id=f"metric-{service}") as card:
                    card.border_title = service
                    yield QuietStatic("", classes="figures")
                    for label, attr in SERIES:
                        with Horizontal(classes="series"):
                            yield Label(label, classes="series-label")
                            yield Sparkline([], classes=f"series-{attr}")

    def action_cycle_window(self) -> None:
        i = WINDOWS_S.index(self.window_s) if self.window_s in WINDOWS_S else 0
        self.window_s = WINDOWS_S[(i + 1) % len(WINDOWS_S)]
        self.refresh_from_app(force=True)

    def render_snapshot(self, snapshot: Snapshot) -> None:
        state = snapshot.metrics
        window = min(self.window_s, state.window_s)
        shown = "" if window == self.window_s else f" (source keeps {fmt.span(state.window_s)})"
        self.query_one("#window-line", QuietStatic).show(
            f"window [b]{fmt.span(self.window_s)}[/b]{shown} · step {state.step_s}s · [dim]w changes the window[/dim]"
        )
        by_service = {m.service: m for m in state.services}
        for card in self.query(".metric-card"):
            service = (card.id or "").removeprefix("metric-")
            m = by_service.get(service)
            level, text = figures(m, snapshot)
            card.query_one(".figures", QuietStatic).show(text)
            for lv in ("ok", "warn", "bad", "unknown"):
                card.set_class(lv == level, f"-{lv}")
            for _, attr in SERIES:
                chart = card.query_one(f".series-{attr}", Sparkline)
                data = window_slice(list(getattr(m, attr)) if m else [], window, state.step_s)
                if list(chart.data or []) != data:
                    chart.data = data
