"""The frame every area shares: environment bar, source line, body, filter and footer.

A screen renders only when it is the active one: the app pushes new snapshots to the current
screen, and a screen that comes back into view (``on_screen_resume``) renders the latest one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer

from ecoeco.console import keys
from ecoeco.console.snapshot import Snapshot
from ecoeco.console.widgets.status_bits import EnvBar, SourceLine

if TYPE_CHECKING:
    from textual.widgets import Input

    from ecoeco.console.app import EcoApp
    from ecoeco.console.widgets.synced_table import SyncedTable


class AreaScreen(Screen):
    AREA = "overview"
    FILTERABLE = False

    def __init__(self) -> None:
        super().__init__(id=f"area-{self.AREA}")
        self._rendered_at: int = -1  # the app's snapshot generation last rendered here

    @property
    def eco(self) -> EcoApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield EnvBar(id="env-bar")
        if keys.AREA_SOURCES[self.AREA]:  # Actions and Audit read no polled source: no line for one
            yield SourceLine(id="source-line")
        yield from self.compose_body()
        if self.FILTERABLE:
            from ecoeco.console.widgets.filter_bar import FilterBar

            yield FilterBar(id="filter")
        yield Footer(compact=True)

    def compose_body(self) -> ComposeResult:
        yield from ()

    # --- rendering ---------------------------------------------------------------------------

    def on_screen_resume(self) -> None:
        self.refresh_from_app(force=True)

    def refresh_from_app(self, *, force: bool = False) -> None:
        eco = self.eco
        if not self.is_mounted:
            # Its widgets enter the DOM one container at a time while it composes (the bar can be
            # there while a card's children are not yet); ``on_screen_resume`` renders once it is whole.
            return
        try:
            bar = self.query_one(EnvBar)
        except NoMatches:  # not composed yet, or being torn down at exit
            return
        bar.render_bar(
            environment=eco.environment,
            profile=eco.profile_name,
            read_only=eco.read_only,
            paused=eco.paused,
            area=keys.AREA_TITLES[self.AREA],
            triage=eco.triage_counts(),
        )
        snapshot = eco.current_snapshot
        if snapshot is None or (not force and self._rendered_at == eco.generation):
            return
        self._rendered_at = eco.generation
        if keys.AREA_SOURCES[self.AREA]:
            self.query_one(SourceLine).render_sources(
                snapshot, keys.AREA_SOURCES[self.AREA], compact=self.AREA == "overview"
            )
        self.render_snapshot(snapshot)

    def render_snapshot(self, snapshot: Snapshot) -> None:
        raise NotImplementedError

    # --- filtering ---------------------------------------------------------------------------

    def filter_tables(self) -> list[SyncedTable]:
        from ecoeco.console.widgets.synced_table import SyncedTable

        return [t for t in self.query(SyncedTable) if not t.has_class("-no-filter")]

    def action_filter(self) -> None:
        if self.FILTERABLE:
            from ecoeco.console.widgets.filter_bar import FilterBar

            self.query_one(FilterBar).open()

    def action_clear_filter(self) -> None:
        if self.FILTERABLE:
            from ecoeco.console.widgets.filter_bar import FilterBar

            self.query_one(FilterBar).action_close()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("filter", "clear_filter"):
            return self.FILTERABLE
        return True

    def on_input_changed(self, event: Input.Changed) -> None:
        from ecoeco.console.widgets.filter_bar import FilterBar

        if isinstance(event.input, FilterBar):
            for table in self.filter_tables():
                table.set_filter(event.value.strip())
            self.on_filter_applied()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        from ecoeco.console.widgets.filter_bar import FilterBar

        if isinstance(event.input, FilterBar):
            tables = self.filter_tables()
            if tables:
                tables[0].focus()

    def on_filter_applied(self) -> None:
        """Hook for screens whose detail panes depend on the table selection."""
