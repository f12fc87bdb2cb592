"""WAL: one card per worker journal — backlog, its age against the sync interval, sync health."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import Label

from ecoeco.console import health
from ecoeco.console.screens.base import AreaScreen
from ecoeco.console.snapshot import Snapshot, WalInfo
from ecoeco.console.widgets import fmt
from ecoeco.console.widgets.spark import FastSparkline as Sparkline
from ecoeco.console.widgets.tiles import HealthStatic
from ecoeco.shared.topology import load_topology

STATES = ("received", "running", "succeeded", "failed", "dead")


def wal_text(w: WalInfo | None, snapshot: Snapshot) -> tuple[str, str]:
    if w is None:
        return "unknown", "[dim]no data for this worker[/dim]"
    level = health.vouched(health.wal_health(w), snapshot, "wal")
    taken_at = snapshot.taken_at
    interval = w.sync_interval_s
    last = None if w.last_sync_success_ts is None else taken_at - w.last_sync_success_ts
    oldest = fmt.age(w.oldest_unsynced_age_s) if w.oldest_unsynced_age_s is not None else "–"
    if w.oldest_unsynced_age_s is not None and interval and w.oldest_unsynced_age_s > 2 * interval:
        oldest = f"[b $error]{oldest} >2× sync[/b $error]"
    by_state = [f"{s} {fmt.num(w.rows_by_state.get(s, 0))}" for s in STATES]
    lines = [
        f"{fmt.HEALTH_GLYPH[level]} unsynced rows  [b]{fmt.num(w.unsynced_rows)}[/b]",
        f"  oldest unsynced {oldest}",
        f"  last good sync  {fmt.age(last)} ago" if last is not None else "  last good sync  never",
        f"  sync interval   {fmt.span(interval)}" if interval else "  sync interval   –",
        f"  sync errors     {fmt.num(w.sync_errors_total)}",
        f"  journal size    {fmt.size(w.file_bytes)}",
        f"  rows  {' '.join(by_state[:2])}",
        f"        {' '.join(by_state[2:])}",
        f"  via   {', '.join(w.via) or '–'}",
    ]
    return level, "\n".join(lines)


class WalScreen(AreaScreen):
    AREA = "wal"

    def compose_body(self) -> ComposeResult:
        workers = [n.domain for n in load_topology().by_role("worker")]
        with Grid(id="wal-grid"):
            for worker in workers:
                with Vertical(classes="wal-card", id=f"wal-{worker}") as card:
                    card.border_title = f"{worker} worker journal"
                    yield HealthStatic("", classes="wal-text")
                    yield Label("unsynced rows over time", classes="dim-label")
                    yield Sparkline([], classes="wal-chart")

    def render_snapshot(self, snapshot: Snapshot) -> None:
        by_worker = {w.worker: w for w in snapshot.wal}
        for card in self.query(".wal-card"):
            worker = (card.id or "").removeprefix("wal-")
            info = by_worker.get(worker)
            level, text = wal_text(info, snapshot)
            static = card.query_one(".wal-text", HealthStatic)
            static.set_level(level)
            static.show(text)
            for lv in ("ok", "warn", "bad", "unknown"):
                card.set_class(lv == level, f"-{lv}")
            chart = card.query_one(Sparkline)
            history = info.unsynced_history if info else []
            if list(chart.data or []) != history:
                chart.data = list(history)
