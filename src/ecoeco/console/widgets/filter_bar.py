"""The `/` filter input: hidden until asked for; typing narrows the screen's tables live."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input


class FilterBar(Input):
    DEFAULT_CSS = """
    FilterBar { dock: bottom; display: none; height: 1; border: none; padding: 0 1; }
    FilterBar.-open { display: block; }
    """
    BINDINGS = [Binding("escape", "close", "Close filter", id="filter.close")]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(placeholder="filter (Enter keeps it, Esc clears)", **kwargs)  # type: ignore[arg-type]

    def open(self) -> None:
        self.add_class("-open")
        self.focus()

    def action_close(self) -> None:
        self.value = ""
        self.remove_class("-open")
        self.screen.focus_next()
