"""Triage: the findings of ``ecoeco.console.triage`` (what is wrong, why, what to do), worst first, each
with its evidence and the operation that would address it. ``a`` (or Enter) on a finding opens that
operation's screen pre-filled from the finding; nothing runs before its Plan and the usual confirmation.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.markup import escape
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ecoeco.console.screens.base import AreaScreen
from ecoeco.console.snapshot import Snapshot
from ecoeco.console.triage import Action, Finding

SEVERITY_STYLE = {"critical": ("✖", "$error"), "warning": ("▲", "$warning"), "info": ("·", "$text-muted")}

# The rules name what to do by intent; where the console has an operation that does it, this is it
# (the rest are named for the operator: there is no operation of that name yet, the key says so).
ACTION_OPERATIONS: dict[str, str] = {
    "wal-sync-now": "recovery.wal_sync",
    "inspect-dlq": "recovery.dlq_requeue",
}
# Not an operation: a view of the console (the pod's logs, read on demand).
POD_LOGS = "pod-logs"


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


def finding_ids(findings: list[Finding]) -> list[str]:
    """A stable option id per finding: rule and subject (what the notifier keys on too), numbered when
    two findings share them (two instances of one alert), so the highlight survives a refresh."""
    seen: dict[str, int] = {}
    out = []
    for f in findings:
        key = f"{f.rule}|{f.subject}"
        seen[key] = seen.get(key, 0) + 1
        out.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return out


def operation_for(action: Action) -> tuple[str, dict[str, Any]] | None:
    """The console operation that carries out ``action`` and its parameters, or None when there is none."""
    from ecoeco.console.ops.registry import operations

    name = ACTION_OPERATIONS.get(action.operation, action.operation)
    if name not in operations():
        return None
    return name, {k: v for k, v in action.params.items() if v is not None}


class TriageScreen(AreaScreen):
    AREA = "triage"
    BINDINGS = [
        Binding(
            "a",
            "open_action",
            "Action",
            tooltip="Open the highlighted finding's operation, pre-filled (Plan and confirmation as usual)",
            id="triage.action",
            show=False,
        ),
    ]
    DEFAULT_CSS = """
    #triage-list { height: 1fr; border: round $primary; padding: 0 1; }
    """

    def compose_body(self) -> ComposeResult:
        listing = OptionList(id="triage-list")
        listing.border_title = "Triage"
        listing.border_subtitle = "a / Enter: open the finding's action"
        yield listing

    def on_mount(self) -> None:
        self.query_one("#triage-list", OptionList).focus()  # up/down, a and Enter work at once

    def render_snapshot(self, snapshot: Snapshot) -> None:
        # The app evaluates once per snapshot (the badge needs it too); ``snapshot`` is its current one.
        findings = self.eco.triage_findings()
        listing = self.query_one("#triage-list", OptionList)
        listing.border_title = f"Triage · {counts_text(findings)}"
        highlighted = listing.highlighted
        keep = listing.get_option_at_index(highlighted).id if highlighted is not None else None
        listing.clear_options()
        if not findings:
            listing.add_option(Option(triage_markup(findings), disabled=True))
            return
        ids = finding_ids(findings)
        for i, (f, option_id) in enumerate(zip(findings, ids, strict=True)):
            if i:
                listing.add_option(None)  # a separator line between findings
            listing.add_option(Option(finding_markup(f), id=option_id))
        listing.highlighted = listing.get_option_index(keep) if keep in ids else 0

    def selected_finding(self) -> Finding | None:
        listing = self.query_one("#triage-list", OptionList)
        if listing.highlighted is None:
            return None
        wanted = listing.get_option_at_index(listing.highlighted).id
        findings = self.eco.triage_findings()
        return next((f for f, i in zip(findings, finding_ids(findings), strict=True) if i == wanted), None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_open_action()

    def action_open_action(self) -> None:
        f = self.selected_finding()
        if f is None:
            return
        if f.action is None:
            self.notify(f"No action is suggested for: {f.title}", severity="warning", timeout=4)
            return
        if f.action.operation == POD_LOGS:
            self._open_pod(str(f.action.params.get("pod") or ""))
            return
        found = operation_for(f.action)
        if found is None:
            self.notify(
                f"{f.action.operation}: not an operation of this console yet; do it by hand "
                "(the finding's cause and evidence say what to look at)",
                severity="warning",
                timeout=6,
            )
            return
        from ecoeco.console.ops.registry import operations
        from ecoeco.console.screens.actions import OperationScreen

        name, params = found
        op = operations()[name]
        refused = self.eco.op_runner.unavailable(op)
        if refused is not None:
            self.notify(f"{name}: {refused}", severity="warning", timeout=6)
            return
        self.app.push_screen(OperationScreen(op, prefill=params))

    def _open_pod(self, key: str) -> None:
        from ecoeco.console.screens.nodes import pod_detail
        from ecoeco.console.screens.pod import PodScreen, find_pod

        snapshot = self.eco.current_snapshot
        pod = find_pod(snapshot, key) if snapshot is not None else None
        if snapshot is None or pod is None:
            self.notify(f"pod {key} is not in the current snapshot", severity="warning", timeout=4)
            return
        reader = self.eco.log_reader  # kubernetes: the pod's; the sandbox: the process's log file
        self.app.push_screen(PodScreen(pod, pod_detail(snapshot, key), reader))
