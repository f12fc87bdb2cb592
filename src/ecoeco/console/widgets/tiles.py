"""Tiles of the overview: one per node of the 13-node map, and the headline tiles."""

from __future__ import annotations

from textual.markup import escape
from textual.message import Message

from ecoeco.console import health
from ecoeco.console.snapshot import NodeInfo
from ecoeco.console.widgets import fmt
from ecoeco.console.widgets.status_bits import QuietStatic

LEVELS = ("ok", "warn", "bad", "unknown")


def node_flags(node: NodeInfo) -> list[str]:
    """What besides its Ready status makes a node not green: conditions, drift, stuck pods."""
    flags = [
        fmt.CONDITION_SHORT[c.type]
        for c in health.node_condition_problems(node)
        if c.type in fmt.CONDITION_SHORT
    ]
    if node.drift:
        flags.append("drift")
    if any(p.terminating for p in node.pods):
        flags.append("Terminating")
    return flags


class HealthStatic(QuietStatic):
    """A QuietStatic carrying one of the -ok/-warn/-bad/-unknown classes (the colour rule lives in CSS)."""

    _level: str | None = None

    def set_level(self, level: str) -> None:
        # One class change at most (each one is a style pass over the widget): the level rarely moves.
        if level == self._level:
            return
        self._level = level
        self.remove_class(*(f"-{lv}" for lv in LEVELS if lv != level))
        self.add_class(f"-{level}")


class NodeTile(HealthStatic):
    """One node: name, status, pods, CPU/mem sparklines. Focusable; Enter drills down."""

    can_focus = True

    class Selected(Message):
        def __init__(self, node: str) -> None:
            super().__init__()
            self.node = node

    def __init__(self, node_name: str, domain: str, **kwargs: object) -> None:
        super().__init__("", **kwargs)
        self.node_name = node_name
        self.domain = domain

    def render_node(
        self, node: NodeInfo | None, width: int = 15, tall: bool = False, now: float | None = None
    ) -> None:
        """Three lines at 80x24; five (CPU and memory figures, instance type) when there is room."""
        spark_w = max(3, min(24, (width - 3) // 2)) if not tall else max(3, min(30, width - 11))
        if node is None:
            self.set_level("unknown")
            self.show(f"[b]? {escape(self.domain)}[/b]\n[dim]no data[/dim]\n")
            return
        level = health.node_health(node, now)
        self.set_level(level)
        ready, expected = health.pods_ready(node.pods)
        restarts = sum(p.restarts for p in node.pods)
        # Waiting reasons first (the loudest), then the node's own flags (pressure, drift, Terminating).
        reasons = sorted({p.waiting_reason for p in node.pods if p.waiting_reason}) + node_flags(node)
        show_restarts = bool(restarts) and (tall or not reasons)
        if node.status == "Ready" and not show_restarts:
            line2 = f"{node.status}  pods {ready}/{expected}"
        else:  # "Ready  pods 1/1 ↻2" did not fit a 15-column tile: the word goes, the figures stay
            line2 = f"{node.status} {ready}/{expected}"
        if show_restarts:
            line2 += f" ↻{restarts}"
        if reasons and not tall:
            line2 = f"{node.status} {escape(reasons[0])}"
        cpu = fmt.spark(node.cpu_history, spark_w, full=100.0) if node.cpu_history else "–"
        mem = fmt.spark(node.mem_history, spark_w, full=100.0) if node.mem_history else "–"
        head = f"[b]{fmt.HEALTH_GLYPH[level]} {escape(self.domain)}[/b]"
        if not tall:
            self.show(f"{head}\n{line2}\nc{cpu} m{mem}")
            return
        extra = escape(reasons[0]) if reasons else f"[dim]{escape(node.instance_type)}[/dim]"
        self.show(
            f"{head}\n{line2}\n"
            f"cpu {fmt.pct(node.cpu_percent):>6} {cpu}\n"
            f"mem {fmt.pct(node.mem_percent):>6} {mem}\n"
            f"{extra}"
        )

    def on_click(self) -> None:
        self.post_message(self.Selected(self.node_name))


class Headline(HealthStatic):
    """A headline figure: title on the border, value and detail inside."""

    def __init__(self, title: str, **kwargs: object) -> None:
        super().__init__("", **kwargs)
        self.border_title = title

    def render_headline(self, level: str, value: str, detail: str) -> None:
        self.set_level(level)
        self.show(f"[b]{value}[/b]\n{detail}")
