"""Queues: the named RabbitMQ queues, with depth sparklines; the selected queue's depth below."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.markup import escape
from textual.widgets import DataTable

from ecoeco.console import health, keys
from ecoeco.console.screens.base import AreaScreen
from ecoeco.console.snapshot import Snapshot
from ecoeco.console.widgets import fmt
from ecoeco.console.widgets.spark import FastSparkline as Sparkline
from ecoeco.console.widgets.status_bits import QuietStatic
from ecoeco.console.widgets.synced_table import Row, SyncedTable

STYLE = fmt.HEALTH_STYLE


def queue_rows(snapshot: Snapshot) -> list[Row]:
    """The table's rows; a queue is green only while the queues source answers."""
    rows: list[Row] = []
    for q in snapshot.queues:
        level = health.vouched(health.queue_health(q), snapshot, "queues")
        consumers = Text(
            fmt.num(q.consumers), style="bold red" if q.consumers == 0 and (q.ready or 0) else ""
        )
        rows.append(
            (
                q.name,
                [
                    Text(f"{fmt.HEALTH_GLYPH[level]} {q.name}", style=STYLE[level]),
                    fmt.num(q.ready) if q.exists else "missing",
                    fmt.num(q.unacked),
                    consumers,
                    fmt.rate(q.publish_rate),
                    fmt.rate(q.deliver_rate),
                    fmt.rate(q.ack_rate),
                    fmt.spark(q.depth_history, 11),
                ],
            )
        )
    return rows


class QueuesScreen(AreaScreen):
    AREA = "queues"
    FILTERABLE = True
    BINDINGS = keys.FILTER_BINDINGS

    def compose_body(self) -> ComposeResult:
        yield SyncedTable(
            # How the figures were read ("via") is in the depth line below: the table fits 80 columns.
            ["queue", "ready", "unacked", "consumers", "publish", "deliver", "ack", "depth"],
            id="queues-table",
        )
        yield QuietStatic("", id="depth-title", classes="section")
        yield Sparkline([], id="depth-chart")

    def render_snapshot(self, snapshot: Snapshot) -> None:
        self.query_one("#queues-table", SyncedTable).sync(queue_rows(snapshot))
        self._render_chart(snapshot)

    def _render_chart(self, snapshot: Snapshot) -> None:
        key = self.query_one("#queues-table", SyncedTable).cursor_key()
        queue = next((q for q in snapshot.queues if q.name == key), None)
        title = self.query_one("#depth-title", QuietStatic)
        chart = self.query_one("#depth-chart", Sparkline)
        if queue is None:
            title.show("depth: select a queue")
            chart.data = []
            return
        history = queue.depth_history
        peak = max(history) if history else 0
        title.show(
            f"{escape(queue.name)} depth · now {fmt.num(queue.ready)} · peak {fmt.num(peak)} · {len(history)} samples"
            f" · via {escape(queue.via)}"
        )
        if list(chart.data or []) != history:
            chart.data = list(history)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        snapshot = self.eco.current_snapshot
        if snapshot is not None:
            self._render_chart(snapshot)

    def on_filter_applied(self) -> None:
        snapshot = self.eco.current_snapshot
        if snapshot is not None:
            self._render_chart(snapshot)
