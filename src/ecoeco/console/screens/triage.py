"""Triage: the findings of ``ecoeco.console.triage`` (what is wrong, why, what to do), worst first,
each with its evidence and the operation that would address it (named, not run from here yet)."""

from __future__ import annotations

from collections import Counter

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.widgets import Static

from ecoeco.console.screens.base import AreaScreen
from ecoeco.console.snapshot import Snapshot
from ecoeco.console.triage import Finding

SEVERITY_STYLE = {"critical": ("✖", "$error"), "warning": ("▲", "$warning"), "info": ("·", "$text-muted")}


def counts_text(findings: list[Finding]) -> str:
    c = Counter(f.severity for f in findings)
    return f"{c['critical']} critical · {c['warning']} warning · {c['info']} info"


def finding_markup(f: Finding) -> str:
    glyph, colour = SEVERITY_STYLE[f.severity]
    lines = [f"[{colour}]{glyph} {f.severity.upper()} [/{colour}][b]{escape(f.title)}[/b]"]
    if f.cause:
        lines.append(f"  [dim]cause: [/dim]{escape(f.cause)}")
    lines += [f"  [dim]· [/dim]{escape(e)}" for e in f.evidence]
    if f.action is not None:
        params = " ".join(f"{k}={v}" for k, v in f.action.params.items() if v is not None)
        lines.append(f"  [dim]action: [/dim][b]{escape(f.action.operation)} [/b]{escape(params)}".rstrip())
    return "\n".join(lines)


def triage_markup(findings: list[Finding]) -> str:
    if not findings:
        return "[dim]No findings: nothing needs a look.[/dim]"
    return "\n\n".join(finding_markup(f) for f in findings)


class TriageScreen(AreaScreen):
    AREA = "triage"
    DEFAULT_CSS = """
    #triage-box { height: 1fr; border: round $primary; padding: 0 1; }
    """

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="triage-box") as box:
            box.border_title = "Triage"
            yield Static("", id="triage-list")

    def render_snapshot(self, snapshot: Snapshot) -> None:
        # The app evaluates once per snapshot (the badge needs it too); ``snapshot`` is its current one.
        findings = self.eco.triage_findings()
        box = self.query_one("#triage-box", VerticalScroll)
        box.border_title = f"Triage · {counts_text(findings)}"
        self.query_one("#triage-list", Static).update(triage_markup(findings))
