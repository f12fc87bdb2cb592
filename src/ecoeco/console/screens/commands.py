"""Command palette provider: every area, every node's pods, and the app's commands."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from ecoeco.console import keys
from ecoeco.shared.topology import load_topology

if TYPE_CHECKING:
    from ecoeco.console.app import EcoApp


class ConsoleCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app: EcoApp = self.app  # type: ignore[assignment]
        commands: list[tuple[str, Callable[[], object], str]] = [
            (f"Go to {title}", partial(app.action_area, mode), f"area {i} · key {i}")
            for i, (mode, title, _) in enumerate(keys.AREAS, start=1)
        ]
        commands += [
            ("Pause polling" if not app.paused else "Resume polling", app.action_toggle_pause, "key p"),
            ("Refresh now", app.action_refresh_now, "poll every source now · key r"),
            ("Show key bindings", app.action_help, "key ?"),
            ("Needs attention", app.action_attention, "everything that needs a look, worst first · key a"),
            ("Quit", app.action_quit, "key q"),
        ]
        commands += [
            (f"Pods on {node.name}", partial(app.drill_down, node.name), f"{node.role} node")
            for node in load_topology().nodes
        ]
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
