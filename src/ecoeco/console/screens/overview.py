"""Overview: headline tiles (queues, WAL backlog, error rate, alerts) and the 13-node map."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Container, Horizontal, VerticalScroll
from textual.widgets import Label

from ecoeco.console import health, keys
from ecoeco.console.screens.attention import finding_markup
from ecoeco.console.screens.base import AreaScreen
from ecoeco.console.snapshot import Snapshot
from ecoeco.console.widgets import fmt
from ecoeco.console.widgets.status_bits import QuietStatic
from ecoeco.console.widgets.tiles import Headline, NodeTile
from ecoeco.shared.topology import ROLE_ORDER, load_topology

GROUP_TITLES = {"master": "master", "api": "API", "worker": "workers", "infra": "infra"}
TILE_WIDTH = 18  # 17 cells of tile + 1 of gutter
ATTENTION_ROWS = 12  # below the map; the rest is one key away (a)
TALL_TILE_HEIGHT = 5
LABEL_WIDTH = 8


class OverviewScreen(AreaScreen):
    AREA = "overview"
    BINDINGS = keys.NODE_MAP_BINDINGS
    AUTO_FOCUS = "NodeTile"  # Enter drills down at once; arrows move between nodes
    tall_tiles = False
    tile_width = TILE_WIDTH - 1

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="headlines"):
            yield Headline("Queues", id="hl-queues")
            yield Headline("WAL backlog", id="hl-wal")
            yield Headline("API errors", id="hl-errors")
            yield Headline("Alerts", id="hl-alerts")
        topology = load_topology()
        with VerticalScroll(id="node-map"):
            for role in ROLE_ORDER:
                nodes = topology.by_role(role)
                with Horizontal(classes="group"):
                    yield Label(GROUP_TITLES[role], classes="group-label")
                    with Container(classes="tiles", id=f"tiles-{role}"):
                        for node in nodes:
                            yield NodeTile(node.name, node.domain, id=f"tile-{node.name}")
            yield QuietStatic("", id="attention")
        # At 80x24 the map takes every row: one line, docked, says how many things need a look and
        # the worst of them; `a` opens the whole list.
        yield QuietStatic("", id="attention-line")

    def on_resize(self, event: events.Resize) -> None:
        self._fit_grid(event.size.width, event.size.height)
        snapshot = self.eco.current_snapshot
        if snapshot is not None:
            self._render_tiles(snapshot)

    def on_mount(self) -> None:
        self._fit_grid(self.size.width, self.size.height)
        if self.eco.current_snapshot is None:
            # The map before any source has answered: every node named, "no data" (not a blank screen).
            for tile in self.query(NodeTile):
                tile.render_node(None, width=self.tile_width - 2, tall=self.tall_tiles)

    def _fit_grid(self, width: int, height: int) -> None:
        """As many tiles per row as fit; taller tiles (with figures) when the terminal has the rows."""
        containers = list(self.query(".tiles").results(Container))
        widest_group = max((len(c.children) for c in containers), default=1)
        columns = max(1, min(widest_group, (width - LABEL_WIDTH + 1) // TILE_WIDTH))
        tile_rows = sum(-(-len(c.children) // columns) for c in containers)
        spare = height - 9  # bars, headlines, footer
        self.tall_tiles = spare >= tile_rows * TALL_TILE_HEIGHT
        tile_height = TALL_TILE_HEIGHT if self.tall_tiles else 3
        self.tile_width = max(TILE_WIDTH - 1, (width - LABEL_WIDTH - 2) // columns - 1)
        for container in containers:
            container.styles.grid_size_columns = max(1, min(columns, len(container.children)))
            container.styles.grid_rows = str(tile_height)
            container.styles.grid_columns = str(self.tile_width)
        # The attention list only gets rows the map does not need (none at 80x24): the line instead.
        self.query_one("#attention").display = self.tall_tiles
        self.query_one("#attention-line").display = not self.tall_tiles
        for tile in self.query(NodeTile):
            tile.styles.height = tile_height
            tile.styles.width = self.tile_width

    def render_snapshot(self, snapshot: Snapshot) -> None:
        self._render_tiles(snapshot)
        self._render_queues(snapshot)
        self._render_wal(snapshot)
        self._render_errors(snapshot)
        self._render_alerts(snapshot)
        self._render_attention(snapshot)

    def _render_tiles(self, snapshot: Snapshot) -> None:
        nodes = {n.name: n for n in snapshot.cluster.nodes}
        for tile in self.query(NodeTile):
            tile.render_node(
                nodes.get(tile.node_name),
                width=self.tile_width - 2,
                tall=self.tall_tiles,
                now=snapshot.taken_at,
            )

    def _render_attention(self, snapshot: Snapshot) -> None:
        """What needs a look, worst and most recent first: a list below the map when there is room,
        else one line (the count and the worst); `a` opens the whole list either way."""
        findings = health.attention(snapshot)
        now = snapshot.taken_at
        line = self.query_one("#attention-line", QuietStatic)
        box = self.query_one("#attention", QuietStatic)
        if not findings:
            line.set_class(False, "-warn")
            line.show("[dim]Nothing needs attention[/dim]")
            box.show("[dim]Nothing needs attention[/dim]")
            return
        worst = findings[0]
        line.set_class(True, "-warn")
        line.show(f"[b]Needs attention ({len(findings)}) · a[/b]  {finding_markup(worst, now)}")
        shown = findings[:ATTENTION_ROWS]
        more = len(findings) - len(shown)
        lines = [f"[b]Needs attention ({len(findings)})[/b] [dim]worst and most recent first · a: all[/dim]"]
        lines += [finding_markup(f, now) for f in shown]
        if more:
            lines.append(f"[dim]… {more} more (a)[/dim]")
        box.show("\n".join(lines))

    def _headline(
        self,
        tile: Headline,
        snapshot: Snapshot,
        source: str,
        level: health.HealthLevel,
        value: str,
        detail: str,
    ) -> None:
        """Draw a headline, but never green on data its source cannot vouch for now: when the source
        fails, an ok becomes unknown (a warning or failure it last saw stays) and the detail says why."""
        level = health.vouched(level, snapshot, source)
        if health.source_failing(snapshot, source):
            age = health.source_age(snapshot, source)
            detail = f"✖ unreachable, {fmt.age(age)} old" if age is not None else "✖ unreachable"
        tile.render_headline(level, value, detail)

    def _render_queues(self, snapshot: Snapshot) -> None:
        tile = self.query_one("#hl-queues", Headline)
        if not snapshot.queues:
            self._headline(tile, snapshot, "queues", "unknown", "unknown", "no queue data")
            return
        level = health.worst([health.queue_health(q) for q in snapshot.queues])
        total = sum(q.ready or 0 for q in snapshot.queues)
        worst_q = max(
            snapshot.queues, key=lambda q: (health.HEALTH_RANK[health.queue_health(q)], q.ready or 0)
        )
        detail = f"{worst_q.name} {fmt.num(worst_q.ready)}"
        if worst_q.consumers == 0 and (worst_q.ready or 0) > 0 and not worst_q.name.endswith("dlq"):
            detail = f"{worst_q.name}: 0 consumers"
        self._headline(tile, snapshot, "queues", level, f"{fmt.num(total)} ready", detail)

    def _render_wal(self, snapshot: Snapshot) -> None:
        tile = self.query_one("#hl-wal", Headline)
        if not snapshot.wal:
            self._headline(tile, snapshot, "wal", "unknown", "unknown", "no WAL data")
            return
        level = health.worst([health.wal_health(w) for w in snapshot.wal])
        rows = sum(w.unsynced_rows or 0 for w in snapshot.wal)
        oldest = max(snapshot.wal, key=lambda w: w.oldest_unsynced_age_s or 0.0)
        detail = f"oldest {fmt.age(oldest.oldest_unsynced_age_s)} {oldest.worker}" if rows else "all synced"
        self._headline(tile, snapshot, "wal", level, f"{fmt.num(rows)} unsynced", detail)

    def _render_errors(self, snapshot: Snapshot) -> None:
        tile = self.query_one("#hl-errors", Headline)
        services = snapshot.metrics.services
        if not services:
            self._headline(tile, snapshot, "metrics", "unknown", "unknown", "no metrics")
            return
        level = health.worst([health.metric_health(m) for m in services])
        worst_m = max(services, key=lambda m: m.error_ratio or 0.0)
        total = sum(m.request_rate or 0.0 for m in services)
        # Name a service only when it has errors: naming one of six at 0 % would point at nothing.
        detail = f"worst: {worst_m.service}" if worst_m.error_ratio else f"{total:.1f} rps all APIs"
        self._headline(
            tile, snapshot, "metrics", level, f"5xx {fmt.pct(worst_m.error_ratio, ratio=True)}", detail
        )

    def _render_alerts(self, snapshot: Snapshot) -> None:
        tile = self.query_one("#hl-alerts", Headline)
        firing = [a for a in snapshot.alerts if a.state == "firing"]
        if not health.source_known(snapshot, "alerts"):
            # Never answered: "0 firing, all quiet" would be a claim without data.
            why = "✖ Prometheus unreachable" if health.source_failing(snapshot, "alerts") else "no alert data"
            tile.render_headline("unknown", "unknown", why)
            return
        if not firing:
            self._headline(tile, snapshot, "alerts", "ok", "0 firing", "all quiet")
            return
        critical = any(a.severity == "critical" for a in firing)
        top = sorted(firing, key=lambda a: a.severity != "critical")[0]
        self._headline(
            tile,
            snapshot,
            "alerts",
            "bad" if critical else "warn",
            f"{len(firing)} firing",
            top.name.removeprefix("Ecoeco"),
        )

    def on_node_tile_selected(self, message: NodeTile.Selected) -> None:
        self.eco.drill_down(message.node)

    def action_drill_down(self) -> None:
        if isinstance(self.focused, NodeTile):
            self.eco.drill_down(self.focused.node_name)
