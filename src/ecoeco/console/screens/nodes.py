"""Nodes/Pods: the nodes, the pods of the selected node (or all), and recent warning events."""

from __future__ import annotations

from functools import lru_cache

from rich.text import Text
from textual.app import ComposeResult
from textual.markup import escape
from textual.widgets import DataTable

from ecoeco.console import health, keys
from ecoeco.console.screens.base import AreaScreen
from ecoeco.console.snapshot import Snapshot
from ecoeco.console.widgets import fmt
from ecoeco.console.widgets.status_bits import QuietStatic
from ecoeco.console.widgets.synced_table import Row, SyncedTable

ALL_NODES = "*"
STYLE = fmt.HEALTH_STYLE


@lru_cache(maxsize=4096)
def level_text(text: str, level: str) -> Text:
    # Cached: thousands of pods share a handful of (state, level) pairs; cells are never mutated.
    return Text(f"{fmt.HEALTH_GLYPH[level]} {text}", style=STYLE[level])


def node_rows(snapshot: Snapshot) -> list[Row]:
    all_pods = [p for n in snapshot.cluster.nodes for p in n.pods]
    rows: list[Row] = [
        (
            ALL_NODES,
            ["(all nodes)", "", "", f"{sum(p.ready for p in all_pods)}/{len(all_pods)}", "", "", "", ""],
        )
    ]
    for n in snapshot.cluster.nodes:
        rows.append(
            (
                n.name,
                [
                    n.name,
                    n.role,
                    level_text(n.status, health.node_health(n)),
                    f"{sum(p.ready for p in n.pods)}/{len(n.pods)}",
                    str(sum(p.restarts for p in n.pods)),
                    fmt.pct(n.cpu_percent),
                    fmt.pct(n.mem_percent),
                    n.instance_type,
                ],
            )
        )
    return rows


def pod_rows(snapshot: Snapshot, node: str) -> list[Row]:
    rows: list[Row] = []
    for n in snapshot.cluster.nodes:
        if node not in (ALL_NODES, n.name):
            continue
        for p in n.pods:
            level = health.pod_health(p)
            rows.append(
                (
                    f"{p.namespace}/{p.name}",
                    [
                        p.name,
                        p.namespace,
                        level_text(p.waiting_reason or p.phase, level),
                        "yes" if p.ready else "no",
                        str(p.restarts),
                        n.name,
                        p.owner or "",
                        p.message or "",
                    ],
                )
            )
    return rows


def event_rows(snapshot: Snapshot) -> list[Row]:
    rows: list[Row] = []
    for i, e in enumerate(snapshot.cluster.events):
        seen = fmt.age(None if e.last_seen is None else snapshot.taken_at - e.last_seen)
        rows.append(
            (
                f"{i}:{e.involved_object}:{e.reason}",
                [Text(e.reason, style="yellow"), e.involved_object, f"×{e.count}", seen, e.message],
            )
        )
    return rows


def node_detail(snapshot: Snapshot, node: str) -> str:
    """One line about the selection: the node's identity and capacity, or the cluster's totals."""
    cluster = snapshot.cluster
    if node == ALL_NODES:
        pods = [p for n in cluster.nodes for p in n.pods]
        ready_nodes = sum(n.status == "Ready" for n in cluster.nodes)
        ready_workloads = sum(health.workload_health(w) == "ok" for w in cluster.workloads)
        context = f"{cluster.kind} {cluster.context}" if cluster.context else cluster.kind
        return (
            f"{context} · {ready_nodes}/{len(cluster.nodes)} nodes Ready · "
            f"{sum(p.ready for p in pods)}/{len(pods)} pods ready · "
            f"{ready_workloads}/{len(cluster.workloads)} workloads ready"
        )
    n = next((x for x in cluster.nodes if x.name == node), None)
    if n is None:
        return f"{node}: not in the snapshot"
    cpu = f"cpu {fmt.num(n.cpu_allocatable, 1)}/{fmt.num(n.cpu_capacity, 1)} cores"
    mem = f"mem {fmt.size(n.mem_allocatable_bytes)}/{fmt.size(n.mem_capacity_bytes)}"
    return (
        f"{n.name} · {n.instance_type} · {n.provider_id or 'no providerID'} · {cpu} · {mem} · "
        f"taints: {', '.join(n.taints) or 'none'}"
    )


class NodesScreen(AreaScreen):
    AREA = "nodes"
    FILTERABLE = True
    BINDINGS = keys.FILTER_BINDINGS

    def __init__(self) -> None:
        super().__init__()
        self.selected_node = ALL_NODES
        self._pending_focus: str | None = None

    def compose_body(self) -> ComposeResult:
        yield SyncedTable(
            ["node", "role", "status", "pods", "↻", "cpu", "mem", "type"],
            id="nodes-table",
            classes="-no-filter",
        )
        yield QuietStatic("Pods · all nodes", id="pods-title", classes="section")
        yield QuietStatic("", id="node-detail")
        yield SyncedTable(
            ["pod", "namespace", "state", "ready", "↻", "node", "owner", "message"], id="pods-table"
        )
        yield QuietStatic("Warning events", id="events-title", classes="section")
        yield SyncedTable(["reason", "object", "count", "seen", "message"], id="events-table")

    def render_snapshot(self, snapshot: Snapshot) -> None:
        nodes = self.query_one("#nodes-table", SyncedTable)
        nodes.sync(node_rows(snapshot))
        if self._pending_focus is not None:
            self._select(self._pending_focus)
            self._pending_focus = None
        self._render_pods(snapshot)
        events = self.query_one("#events-table", SyncedTable)
        events.sync(event_rows(snapshot))
        self.query_one("#events-title", QuietStatic).show(f"Warning events ({len(snapshot.cluster.events)})")

    def _render_pods(self, snapshot: Snapshot) -> None:
        title = "all nodes" if self.selected_node == ALL_NODES else self.selected_node
        self.query_one("#pods-title", QuietStatic).show(f"Pods · {escape(title)}")
        self.query_one("#node-detail", QuietStatic).show(escape(node_detail(snapshot, self.selected_node)))
        self.query_one("#pods-table", SyncedTable).sync(pod_rows(snapshot, self.selected_node))

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.take_pending_node()

    def take_pending_node(self) -> None:
        node, self.eco.pending_node = self.eco.pending_node, None
        if node is not None:
            self.show_node(node)

    def show_node(self, node: str) -> None:
        """Drill down: select ``node`` in the nodes table (now, or once the table has rows)."""
        table = self.query_one("#nodes-table", SyncedTable)
        if node in table.shown_keys():
            self._select(node)
        else:
            self._pending_focus = node

    def _select(self, node: str) -> None:
        table = self.query_one("#nodes-table", SyncedTable)
        if node in table.shown_keys():
            table.move_cursor(row=table.get_row_index(node))
            self._set_selected(node)

    def _set_selected(self, node: str) -> None:
        if node == self.selected_node:
            return
        self.selected_node = node
        snapshot = self.eco.current_snapshot
        if snapshot is not None:
            self._render_pods(snapshot)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "nodes-table" and event.row_key.value is not None:
            self._set_selected(str(event.row_key.value))
