"""`?`: the bindings live on the screen it was opened from (key, what it does, binding id)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="help.close"),
        Binding("question_mark", "dismiss", "Close", id="help.close_toggle", show=False),
        Binding("q", "dismiss", "Close", id="help.close_q", show=False),
    ]

    def __init__(self, rows: list[tuple[str, str, str]], area: str) -> None:
        super().__init__()
        self.rows = rows
        self.area = area

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            box.border_title = f"Keys · {self.area}"
            box.border_subtitle = "Esc closes · : or ctrl+p opens the command palette"
            table: DataTable = DataTable(cursor_type="row", id="help-table")
            table.add_columns("key", "action", "id")
            for key, description, binding_id in self.rows:
                table.add_row(key, description, binding_id)
            yield table
            yield Static(
                "● green ok · ▲ yellow warning · ✖ red failing · ? grey no data.\n"
                "Source line: ✓ fresh, ✓ with an age when stale, ✖ with the error (the last good "
                "data stays on screen, with its age) when the last poll failed.",
                id="help-legend",
                markup=False,
            )

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(result)
