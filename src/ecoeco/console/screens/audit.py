"""Audit: every operation run, refused or left unfinished, newest first, from the audit log (the same
reader as ``ecoeco-console audit``). Re-read when the area is shown and when a run ends."""

from __future__ import annotations

import json

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from ecoeco.console.ops import read_audit
from ecoeco.console.ops.audit import AUDIT_FILE
from ecoeco.console.screens.base import AreaScreen
from ecoeco.console.snapshot import Snapshot

MAX_ROWS = 500
# Rich styles (table cells are rich Text, not Textual markup); the word itself says it without colour.
RESULT_STYLE = {
    "succeeded": "green",
    "failed": "bold red",
    "refused": "yellow",
    "cancelled": "yellow",
    "abandoned": "bold red",
    "unfinished": "bold red",
    "running": "cyan",
}


class AuditScreen(AreaScreen):
    AREA = "audit"
    DEFAULT_CSS = """
    #audit-note { height: auto; padding: 0 1; color: $text-muted; }
    #audit-table { height: 1fr; }
    """

    def compose_body(self) -> ComposeResult:
        yield Static(id="audit-note")
        table: DataTable[str] = DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(
            "time (UTC)", "env", "operation", "result", "exit", "took", "who", "arguments", "message"
        )
        yield table

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.reload()

    def render_snapshot(self, snapshot: Snapshot) -> None:
        pass  # the log is not polled data

    def reload(self) -> None:
        path = self.eco.op_runner.state_dir / AUDIT_FILE
        read = read_audit(path)
        table = self.query_one("#audit-table", DataTable)
        table.clear()
        entries = list(reversed(read.entries))[:MAX_ROWS]
        for e in entries:
            args = json.dumps(e.arguments, separators=(",", ":"), ensure_ascii=False)
            cells = [
                e.time[:19].replace("T", " "),
                e.environment,
                e.operation,
                e.result,
                "-" if e.exit_code is None else str(e.exit_code),
                "-" if e.duration_s is None else f"{e.duration_s:.1f}s",
                f"{e.user}@{e.host}",
                args if len(args) <= 40 else args[:39] + "…",
                (e.message or "")[:120],
            ]
            # Text, never markup: messages and arguments are the tools' words and may hold brackets.
            table.add_row(
                *(Text(c, style=RESULT_STYLE.get(c, "") if i == 3 else "") for i, c in enumerate(cells))
            )
        note = (
            f"{len(read.entries)} entries in {path}"
            if read.entries
            else f"no operations recorded yet ({path})"
        )
        if read.damaged:
            note += f" · {read.damaged} unreadable line(s) skipped"
        self.query_one("#audit-note", Static).update(Text(note))
