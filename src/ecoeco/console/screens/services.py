"""Services: /health and /ready of the six APIs, with the selected service's dependencies."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.markup import escape
from textual.widgets import DataTable

from ecoeco.console import health, keys
from ecoeco.console.screens.base import AreaScreen
from ecoeco.console.snapshot import ServiceHealth, Snapshot, WorkloadInfo
from ecoeco.console.widgets import fmt
from ecoeco.console.widgets.status_bits import QuietStatic
from ecoeco.console.widgets.synced_table import Row, SyncedTable

STYLE = fmt.HEALTH_STYLE


def yes_no(value: bool | None) -> Text:
    if value is None:
        return Text("–", style="dim")
    return Text("yes", style="green") if value else Text("NO", style="bold red")


def service_rows(services: list[ServiceHealth]) -> list[Row]:
    rows: list[Row] = []
    for s in services:
        level = health.service_health(s)
        deps = " ".join(f"{name}{'✓' if d.ok else '✗'}" for name, d in sorted(s.dependencies.items()))
        rows.append(
            (
                s.name,
                [
                    Text(f"{fmt.HEALTH_GLYPH[level]} {s.name}", style=STYLE[level]),
                    yes_no(s.live),
                    yes_no(s.ready),
                    "–" if s.status_code is None else str(s.status_code),
                    "–" if s.latency_ms is None else f"{s.latency_ms:.0f}ms",
                    deps or "–",
                ],
            )
        )
    return rows


def workload_rows(workloads: list[WorkloadInfo]) -> list[Row]:
    rows: list[Row] = []
    for w in workloads:
        level = health.workload_health(w)
        ready = Text(f"{fmt.HEALTH_GLYPH[level]} {w.ready}/{w.desired}", style=STYLE[level])
        # Everything after "ready" in the summary: a 2/2 with "1/2 updated · ProgressDeadlineExceeded"
        # is a stuck rollout, not a healthy workload.
        notes = health.workload_summary(w).partition(" · ")[2]
        rows.append(
            (
                f"{w.kind}/{w.namespace}/{w.name}",
                [
                    w.kind,
                    w.namespace,
                    w.name,
                    ready,
                    fmt.num(w.updated),
                    fmt.num(w.available),
                    Text(notes, style=STYLE[level]) if notes else "",
                ],
            )
        )
    return rows


def detail_text(s: ServiceHealth | None) -> str:
    if s is None:
        return "[dim]select a service[/dim]"
    lines = [f"[b]{escape(s.name)}[/b]  {escape(s.url)}"]
    if s.error:
        lines.append(f"[b $error]error: {escape(s.error)}[/b $error]")
    for name, dep in sorted(s.dependencies.items()):
        mark = "[$success]✓[/$success]" if dep.ok else "[b $error]✗[/b $error]"
        lines.append(f"  {mark} {escape(name)}  {escape(dep.detail or '')}")
    if not s.dependencies and not s.error:
        lines.append("  [dim]no dependency detail[/dim]")
    return "\n".join(lines)


class ServicesScreen(AreaScreen):
    AREA = "services"
    FILTERABLE = True
    BINDINGS = keys.FILTER_BINDINGS

    def compose_body(self) -> ComposeResult:
        yield SyncedTable(
            ["service", "live", "ready", "HTTP", "latency", "dependencies"], id="services-table"
        )
        yield QuietStatic("", id="service-detail")
        yield QuietStatic("Workloads", id="workloads-title", classes="section")
        yield SyncedTable(
            ["kind", "namespace", "name", "ready", "updated", "avail", "rollout/gaps"], id="workloads-table"
        )

    def render_snapshot(self, snapshot: Snapshot) -> None:
        self.query_one("#services-table", SyncedTable).sync(service_rows(snapshot.services))
        self._render_detail(snapshot)
        workloads = snapshot.cluster.workloads
        self.query_one("#workloads-title", QuietStatic).show(
            f"Workloads ({sum(health.workload_health(w) == 'ok' for w in workloads)}/{len(workloads)} ready)"
        )
        self.query_one("#workloads-table", SyncedTable).sync(workload_rows(workloads))

    def _render_detail(self, snapshot: Snapshot) -> None:
        key = self.query_one("#services-table", SyncedTable).cursor_key()
        service = next((s for s in snapshot.services if s.name == key), None)
        self.query_one("#service-detail", QuietStatic).show(detail_text(service))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        snapshot = self.eco.current_snapshot
        if snapshot is not None:
            self._render_detail(snapshot)
