"""`a`: everything that needs attention, worst and most recent first (``health.attention``), in full.

Opened from any area; the overview shows the count and the worst item on one line even at 80x24.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Static

from ecoeco.console import health
from ecoeco.console.snapshot import Snapshot
from ecoeco.console.widgets import fmt

LEVEL_COLOUR = {"bad": "$error", "warn": "$warning", "unknown": "$text-muted", "ok": "$success"}


def finding_markup(f: health.Finding, now: float) -> str:
    colour = LEVEL_COLOUR[f.level]
    when = f" [dim]{fmt.since(f.since, now)}[/dim]" if f.since is not None else ""
    return (
        f"[{colour}]{fmt.HEALTH_GLYPH[f.level]}[/{colour}] [b]{escape(f.subject)}[/b]{when}  {escape(f.text)}"
    )


def attention_markup(snapshot: Snapshot) -> str:
    findings = health.attention(snapshot)
    if not findings:
        return "[dim]Nothing needs attention[/dim]"
    return "\n".join(finding_markup(f, snapshot.taken_at) for f in findings)


class AttentionScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="attention.close"),
        Binding("a", "dismiss", "Close", id="attention.close_toggle", show=False),
        Binding("q", "dismiss", "Close", id="attention.close_q", show=False),
    ]

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def compose(self) -> ComposeResult:
        count = len(health.attention(self.snapshot))
        with VerticalScroll(id="attention-box") as box:
            box.border_title = f"Needs attention ({count}) · worst and most recent first"
            box.border_subtitle = "Esc closes"
            yield Static(attention_markup(self.snapshot), id="attention-list")

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(result)
