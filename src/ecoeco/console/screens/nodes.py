"""Nodes/Pods: the nodes, the pods of the selected node (or all, with those no node took), the selection in
words (conditions, drift, containers and their last run), and the warning events."""

from __future__ import annotations

from functools import lru_cache

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.markup import escape
from textual.widgets import DataTable

from ecoeco.console import health, keys
from ecoeco.console.screens.base import AreaScreen
from ecoeco.console.screens.pod import PodScreen, find_pod
from ecoeco.console.snapshot import Condition, ContainerTermination, NodeInfo, PodInfo, Snapshot
from ecoeco.console.widgets import fmt
from ecoeco.console.widgets.status_bits import QuietStatic
from ecoeco.console.widgets.synced_table import Row, SyncedTable
from ecoeco.console.widgets.tiles import node_flags

ALL_NODES = "*"
STYLE = fmt.HEALTH_STYLE


@lru_cache(maxsize=4096)
def level_text(text: str, level: str) -> Text:
    # Cached: thousands of pods share a handful of (state, level) pairs; cells are never mutated.
    return Text(f"{fmt.HEALTH_GLYPH[level]} {text}", style=STYLE[level])


# Labels every node has and nobody selects on: left out of the detail line to keep it readable.
ROUTINE_LABELS = ("beta.kubernetes.io/", "kubernetes.io/arch", "kubernetes.io/os", "kubernetes.io/hostname")


def node_status_text(n: NodeInfo) -> str:
    return " ".join([n.status, *node_flags(n)])


def node_rows(snapshot: Snapshot) -> list[Row]:
    cluster = snapshot.cluster
    now = snapshot.taken_at
    pods = cluster.all_pods()
    ready, expected = health.pods_ready(pods)
    waiting = len(cluster.unscheduled)
    all_level = "warn" if waiting else "ok"
    rows: list[Row] = [
        (
            ALL_NODES,
            [
                "(all nodes)",
                "",
                level_text(f"{waiting} unscheduled", all_level) if waiting else "",
                f"{ready}/{expected}",
                str(sum(p.restarts for p in pods)),
                "",
                "",
                "",
            ],
        )
    ]
    for n in cluster.nodes:
        n_ready, n_expected = health.pods_ready(n.pods)
        rows.append(
            (
                n.name,
                [
                    n.name,
                    n.role,
                    level_text(node_status_text(n), health.node_health(n, now)),
                    f"{n_ready}/{n_expected}",
                    str(sum(p.restarts for p in n.pods)),
                    fmt.pct(n.cpu_percent),
                    fmt.pct(n.mem_percent),
                    n.instance_type,
                ],
            )
        )
    return rows


def _pod_message(p: PodInfo) -> str:
    if p.message:
        return p.message
    last = next((c.last_terminated for c in p.containers if c.last_terminated is not None), None)
    if last is not None and p.restarts:
        return f"last run: exit {last.exit_code} {last.reason or ''}".rstrip()
    return ""


def _pod_age(p: PodInfo, now: float) -> str:
    start = p.start_time or p.created_at
    return fmt.coarse_age(None if start is None else now - start)


def _pod_row(p: PodInfo, node_cell: str, now: float, age: str | None = None) -> Row:
    level = health.pod_health(p, now)
    ready = "done" if p.finished else "yes" if p.ready else "no"
    return (
        f"{p.namespace}/{p.name}",
        [
            p.name,
            p.namespace,
            level_text(health.pod_state(p), level),
            ready,
            str(p.restarts),
            _pod_age(p, now) if age is None else age,
            node_cell,
            p.owner or "",
            _pod_message(p),
        ],
    )


AGE = 5  # the age cell's column in a pod row


class PodRowCache:
    """The pods table's last rows, by pod key: (the pod, its node cell, the row). When most pods
    changed (few rows came back), the next ``PAUSE`` refreshes build without looking: a lookup that
    misses costs more than it saves."""

    PAUSE = 4

    def __init__(self) -> None:
        self.rows: dict[str, tuple[PodInfo, str, Row]] = {}
        self.skip = 0


def pod_rows(snapshot: Snapshot, node: str, cache: PodRowCache | None = None) -> list[Row]:
    """The pods table's rows. With ``cache`` (the screen's, kept between refreshes), a pod equal to
    the one drawn last time, on the same node and with the same age cell, gets the very same row
    back: building 5,000 rows was most of a refresh's own code, and the table then finds the row
    unchanged by identity. A Terminating pod's level moves with the clock: it is always rebuilt."""
    now = snapshot.taken_at
    rows: list[Row] = []
    if cache is not None and cache.skip > 0:
        cache.skip -= 1
        cache = None
    last_rows = cache.rows if cache is not None else {}
    fresh: dict[str, tuple[PodInfo, str, Row]] = {}
    hits = 0

    def row(p: PodInfo, node_cell: str) -> Row:
        nonlocal hits
        if cache is None:
            return _pod_row(p, node_cell, now)
        key = f"{p.namespace}/{p.name}"
        last = last_rows.get(key)
        if (
            last is not None
            and last[1] == node_cell
            and p.deletion_timestamp is None
            and (last[0] is p or last[0].__dict__ == p.__dict__)  # fields only: ~3x cheaper than ==
        ):
            age = _pod_age(p, now)
            if last[2][1][AGE] == age:
                built = last[2]
                hits += 1
            else:
                built = _pod_row(p, node_cell, now, age)
        else:
            built = _pod_row(p, node_cell, now)
        fresh[key] = (p, node_cell, built)
        return built

    for n in snapshot.cluster.nodes:
        if node not in (ALL_NODES, n.name):
            continue
        rows.extend(row(p, n.name) for p in n.pods)
    if node == ALL_NODES:
        # Pods no node has accepted belong to no node row; "(all nodes)" must still count and list them.
        for p in snapshot.cluster.unscheduled:
            rows.append(row(p, f"→{p.nominated_node}" if p.nominated_node else "–"))
    if cache is not None:
        cache.rows = fresh
        if last_rows and hits * 4 < len(rows):
            cache.skip = cache.PAUSE
    return rows


def event_rows(snapshot: Snapshot) -> list[Row]:
    rows: list[Row] = []
    for e in snapshot.cluster.events:
        seen = fmt.age(None if e.last_seen is None else snapshot.taken_at - e.last_seen)
        rows.append(
            (
                f"{e.namespace}:{e.involved_object}:{e.reason}",
                [Text(e.reason, style="yellow"), e.involved_object, f"×{e.count}", seen, e.message],
            )
        )
    return rows


def _condition_line(c: Condition, now: float) -> str:
    words = f"{c.type}={c.status}" + (f" {c.reason}" if c.reason else "")
    when = f" (since {fmt.since(c.since, now)})" if c.since is not None else ""
    return words + when + (f": {c.message}" if c.message else "")


def node_detail(snapshot: Snapshot, node: str) -> str:
    """The selection in words (markup): a node's identity, conditions, drift, taints and labels; or the
    cluster's totals. Wrapped, not cut: the kubelet's own message is the point."""
    cluster = snapshot.cluster
    now = snapshot.taken_at
    if node == ALL_NODES:
        ready_nodes = sum(n.status == "Ready" for n in cluster.nodes)
        ready, expected = health.pods_ready(cluster.all_pods())
        ready_workloads = sum(health.workload_health(w) == "ok" for w in cluster.workloads)
        context = f"{cluster.kind} {cluster.context}" if cluster.context else cluster.kind
        line = (
            f"{context} · {ready_nodes}/{len(cluster.nodes)} nodes Ready · {ready}/{expected} pods ready · "
            f"{len(cluster.unscheduled)} unscheduled · "
            f"{ready_workloads}/{len(cluster.workloads)} workloads ok"
        )
        return escape(line)
    n = next((x for x in cluster.nodes if x.name == node), None)
    if n is None:
        return escape(f"{node}: not in the snapshot")
    cpu = f"cpu {fmt.num(n.cpu_allocatable, 1)}/{fmt.num(n.cpu_capacity, 1)} cores"
    mem = f"mem {fmt.size(n.mem_allocatable_bytes)}/{fmt.size(n.mem_capacity_bytes)}"
    lines = [escape(f"{n.name} · {n.instance_type} · {n.provider_id or 'no providerID'} · {cpu} · {mem}")]
    problems = health.node_condition_problems(n)
    for c in problems:
        colour = "$error" if c.type in ("Ready", "NetworkUnavailable") else "$warning"
        lines.append(f"[{colour}]{escape(_condition_line(c, now))}[/{colour}]")
    if not problems and n.conditions:
        ready_cond = n.condition("Ready")
        since = (
            f" since {fmt.since(ready_cond.since, now)}"
            if ready_cond is not None and ready_cond.since
            else ""
        )
        lines.append(f"conditions normal (Ready{since}; no pressure; network up)")
    for d in n.drift:
        lines.append(f"[$warning]drift: {escape(d)}[/$warning]")
    lines.append(escape(f"taints: {', '.join(n.taints) or 'none'}"))
    labels = [f"{k}={v}" if v else k for k, v in sorted(n.labels.items()) if not k.startswith(ROUTINE_LABELS)]
    lines.append(escape(f"labels: {' '.join(labels) or 'none'}"))
    return "\n".join(lines)


def _termination_text(t: ContainerTermination, now: float) -> str:
    ended = f", finished {fmt.since(t.finished_at, now)}" if t.finished_at is not None else ""
    return f"exit {t.exit_code} {t.reason or ''}".rstrip() + ended


def pod_detail(snapshot: Snapshot, key: str | None) -> str:
    """The highlighted pod (markup): state, Ready, age, Terminating, containers with their last run."""
    if key is None:
        return "[dim]select a pod[/dim]"
    now = snapshot.taken_at
    p = find_pod(snapshot, key)
    if p is None:
        return "[dim]select a pod[/dim]"
    ready = (
        "finished"
        if p.finished
        else "ready"
        if p.ready
        else f"not ready{f' ({p.ready_reason})' if p.ready_reason else ''}"
    )
    where = (
        f"on {p.node}"
        if p.node
        else "no node" + (f", nominated {p.nominated_node}" if p.nominated_node else "")
    )
    owner = f" · {p.owner_kind or 'owner'} {p.owner}" if p.owner else ""
    head = f"[b]{escape(key)}[/b] · {escape(health.pod_state(p))} · {ready} · {escape(where)}{escape(owner)}"
    times = []
    if p.created_at is not None:
        times.append(f"created {fmt.since(p.created_at, now)}")
    if p.start_time is not None:
        times.append(f"started {fmt.since(p.start_time, now)}")
    if p.terminating_since is not None:
        overdue = health.pod_overdue(p, now)
        note = f"Terminating for {fmt.age(now - p.terminating_since)} (grace {p.grace_period_s or 0}s" + (
            ", overdue: the node is not confirming)" if overdue else ")"
        )
        times.append(f"[{'$error' if overdue else '$warning'}]{note}[/]")
    lines = [head]
    if times:
        lines.append(" · ".join(times))
    for c in p.containers:
        state = c.state + (f" {c.reason}" if c.reason else "")
        if c.state == "running" and c.started_at is not None:
            state += f" since {fmt.since(c.started_at, now)}"
        if c.terminated is not None:
            state = f"terminated {_termination_text(c.terminated, now)}"
        last = f" · last run: {_termination_text(c.last_terminated, now)}" if c.last_terminated else ""
        kind = "init " if c.init else ""
        lines.append(escape(f"{kind}container {c.name} · {c.image} · {state} · ↻{c.restarts}{last}"))
    if p.message:
        lines.append(escape(p.message))
    return "\n".join(lines)


class NodesScreen(AreaScreen):
    AREA = "nodes"
    FILTERABLE = True
    BINDINGS = keys.FILTER_BINDINGS

    def __init__(self) -> None:
        super().__init__()
        self.selected_node = ALL_NODES
        self._pending_focus: str | None = None
        self._events_rows = 4
        self._pod_row_cache = PodRowCache()

    def compose_body(self) -> ComposeResult:
        yield SyncedTable(
            ["node", "role", "status", "pods", "↻", "cpu", "mem", "type"],
            id="nodes-table",
            classes="-no-filter",
        )
        yield QuietStatic("Pods · all nodes", id="pods-title", classes="section")
        yield QuietStatic("", id="node-detail")
        yield SyncedTable(
            ["pod", "namespace", "state", "ready", "↻", "age", "node", "owner", "message"], id="pods-table"
        )
        yield QuietStatic("", id="pod-detail")
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
        self._size_events(len(snapshot.cluster.events))
        self.query_one("#events-title", QuietStatic).show(f"Warning events ({len(snapshot.cluster.events)})")

    def _render_pods(self, snapshot: Snapshot) -> None:
        title = "all nodes" if self.selected_node == ALL_NODES else self.selected_node
        self.query_one("#pods-title", QuietStatic).show(f"Pods · {escape(title)}")
        self.query_one("#node-detail", QuietStatic).show(node_detail(snapshot, self.selected_node))
        self.query_one("#pods-table", SyncedTable).sync(
            pod_rows(snapshot, self.selected_node, self._pod_row_cache)
        )
        self._render_pod_detail(snapshot)

    def _render_pod_detail(self, snapshot: Snapshot) -> None:
        key = self.query_one("#pods-table", SyncedTable).cursor_key()
        self.query_one("#pod-detail", QuietStatic).show(pod_detail(snapshot, key))

    def on_resize(self, event: events.Resize) -> None:
        # The detail lines wrap; give them rows only when the terminal has rows to spare. At 80x24 the
        # pods table needs them: the highlighted pod's detail is then one Enter away (the pod screen).
        tall = event.size.height >= 32
        self.query_one("#node-detail").styles.max_height = 6 if tall else 2
        self.query_one("#pod-detail").display = tall
        self._events_rows = 8 if tall else 4
        snapshot = self.eco.current_snapshot
        if snapshot is not None:
            self._size_events(len(snapshot.cluster.events))

    def _size_events(self, count: int) -> None:
        # An explicit height: an auto-height table beside a 1fr one was laid out before its rows came
        # and kept 0 rows at 80x24. +2: the header and the horizontal scrollbar (messages are long).
        self.query_one("#events-table").styles.height = min(self._events_rows, count + 2)

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
        elif event.data_table.id == "pods-table":
            snapshot = self.eco.current_snapshot
            if snapshot is not None:
                self._render_pod_detail(snapshot)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a pod: the pod in full, and its logs when asked."""
        snapshot = self.eco.current_snapshot
        if event.data_table.id != "pods-table" or snapshot is None or event.row_key.value is None:
            return
        key = str(event.row_key.value)
        pod = find_pod(snapshot, key)
        if pod is not None:
            reader = self.eco.log_reader  # kubernetes: the pod's; the sandbox: the process's log file
            self.app.push_screen(PodScreen(pod, pod_detail(snapshot, key), reader))
