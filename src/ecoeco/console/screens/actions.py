"""Actions: the operations this profile may run, a form for one, its plan, a typed confirmation and
the run's output streamed live.

Everything that decides safety is the runner's (``ops.OperationRunner``): this screen hides what
``runner.unavailable(op)`` names (read-only), asks for what ``needs_confirmation`` and
``confirm_phrase`` say, and the runner checks it all again when the run starts. Plans are made in a
thread worker (a terraform plan takes seconds); run events arrive as messages posted by the runner's
thread (``EcoApp.on_op_event``), never by waiting on the screen.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Checkbox, Footer, Input, Label, Log, OptionList, Static
from textual.widgets.option_list import Option

from ecoeco.console import keys
from ecoeco.console.aws import is_simulated
from ecoeco.console.errors import OperatorError
from ecoeco.console.ops import (
    Event,
    Finished,
    ItemStatus,
    Operation,
    OutputLine,
    Plan,
    Progress,
    Refused,
    RunHandle,
)
from ecoeco.console.ops.registry import AREAS, area_of, describe, operations, simulated_note
from ecoeco.console.screens.base import AreaScreen
from ecoeco.console.snapshot import Snapshot
from ecoeco.console.widgets.status_bits import EnvBar

if TYPE_CHECKING:
    from ecoeco.console.app import EcoApp

MAX_LOG_LINES = 10_000
STATE_MARKS = {
    "pending": "·",
    "running": "…",
    "ok": "✓",
    "changed": "~",
    "skipped": "-",
    "failed": "✖",
    "unreachable": "✖",
}


def safety_label(op: Operation[Any]) -> str:
    if op.changes_infrastructure:
        return "changes infrastructure · typed confirmation"
    return "changes the environment" if op.mutates else "check · changes nothing"


def event_line(event: Event) -> str | None:
    """One event as a line of the output pane (Progress goes to the status line instead)."""
    if isinstance(event, OutputLine):
        return event.text
    if isinstance(event, ItemStatus):
        detail = f"  {event.detail}" if event.detail else ""
        return f"{STATE_MARKS.get(event.state, '?')} {event.state:<11} {event.item}{detail}"
    if isinstance(event, Finished):
        o = event.outcome
        code = "" if o.exit_code is None else f" (exit {o.exit_code})"
        return f"== {o.result}{code} in {o.duration_s:.1f}s: {o.message}"
    return None


class ActionsScreen(AreaScreen):
    """The operations, grouped by area; the ones read-only forbids are not shown at all."""

    AREA = "actions"
    DEFAULT_CSS = """
    #actions-note { height: auto; padding: 0 1; color: $text-muted; }
    #actions-list { height: 1fr; border: round $primary 60%; }
    """

    def compose_body(self) -> ComposeResult:
        yield Static(id="actions-note", markup=True)
        yield OptionList(id="actions-list")

    def on_mount(self) -> None:
        self.populate()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.populate()

    def render_snapshot(self, snapshot: Snapshot) -> None:
        pass  # operations do not depend on the polled data

    def visible_operations(self) -> list[Operation[Any]]:
        runner = self.eco.op_runner
        return [op for op in operations().values() if runner.unavailable(op) is None]

    def populate(self) -> None:
        runner = self.eco.op_runner
        everything = list(operations().values())
        shown = self.visible_operations()
        listing = self.query_one("#actions-list", OptionList)
        highlighted = listing.highlighted
        listing.clear_options()
        for area, title in AREAS:
            ops = [op for op in shown if area_of(op) == area]
            if not ops:
                continue
            listing.add_option(Option(f"[b]{escape(title)}[/b]", disabled=True))
            for op in ops:
                label = f"  {escape(op.title)}  [dim]{op.name} · {safety_label(op)}[/dim]"
                listing.add_option(Option(label, id=op.name))
        if highlighted is not None and highlighted < listing.option_count:
            listing.highlighted = highlighted
        notes = [f"{len(shown)} operations on [b]{escape(self.eco.environment)}[/b]"]
        hidden = len(everything) - len(shown)
        if hidden:
            notes.append(
                f"[b $warning]read-only: {hidden} operations that change {escape(self.eco.environment)} "
                "are hidden[/b $warning]"
            )
        if is_simulated(runner.profile):
            notes.append(f"AWS is simulated: calls go to {escape(str(runner.profile.aws_endpoint_url))}")
        if runner.profile.sandbox and runner.profile.cluster == "local":
            notes.append("restarts are simulated: the sandbox restarts its own processes")
        notes.append("Enter opens one")
        self.query_one("#actions-note", Static).update(" · ".join(notes))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.push_screen(OperationScreen(operations()[event.option.id]))


class OperationScreen(Screen[None]):
    """One operation: parameters, Plan, Run (confirmed), the live output, Stop."""

    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the list (a run goes on)", id="operation.back"),
    ]
    DEFAULT_CSS = """
    OperationScreen { layout: vertical; }
    #op-title { height: auto; padding: 0 1; text-style: bold; }
    #op-form { height: auto; max-height: 8; padding: 0 1; }
    .op-param { height: auto; }
    .op-param Label { width: 18; padding: 1 1 0 0; }
    .op-param Input { width: 1fr; }
    #op-buttons { height: auto; padding: 0 1; }
    #op-buttons Button { margin: 0 1 0 0; min-width: 10; }
    #op-plan { height: auto; max-height: 10; padding: 0 1; border: round $primary 60%; }
    #op-log { height: 1fr; border: round $primary 40%; }
    #op-status { height: 1; padding: 0 1; }
    """

    def __init__(self, op: Operation[Any], prefill: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.op = op
        self.info = describe(op)
        # Values to start the form with (a triage finding's action); parameters the op lacks are dropped.
        known = {p.name for p in self.info.params}
        self.prefill = {k: v for k, v in (prefill or {}).items() if k in known and v is not None}
        self.plan: Plan[Any] | None = None
        self.handle: RunHandle | None = None
        self._replayed: set[int] = set()  # events shown from the run's history, not to show again

    @property
    def eco(self) -> EcoApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield EnvBar(id="env-bar")
        yield Static(
            f"{escape(self.op.title)}  [dim]{self.op.name} · {safety_label(self.op)}[/dim]", id="op-title"
        )
        with VerticalScroll(id="op-form"):
            for p in self.info.params:
                with Horizontal(classes="op-param"):
                    yield Label(p.name + ("" if not p.required else " *"))
                    given = self.prefill.get(p.name)
                    if p.is_bool:
                        value = bool(p.default if given is None else given)
                        yield Checkbox(p.description or p.name, value=value, id=f"param-{p.name}")
                    else:
                        hint = p.description or p.type
                        if p.default not in (None, [], ""):
                            shown = (
                                ", ".join(map(str, p.default)) if isinstance(p.default, list) else p.default
                            )
                            hint += f" (default {shown})"
                        if p.is_list:
                            hint += "; separate with commas"
                        text = (
                            ", ".join(map(str, given))
                            if isinstance(given, list)
                            else ""
                            if given is None
                            else str(given)
                        )
                        yield Input(text, placeholder=hint, id=f"param-{p.name}")
            if not self.info.params:
                yield Static("[dim]no parameters[/dim]")
        with Horizontal(id="op-buttons"):
            yield Button("Plan", id="op-plan-button", variant="primary")
            yield Button("Run…", id="op-run", variant="warning", disabled=True)
            yield Button("Stop", id="op-stop", variant="error", disabled=True)
            yield Button("Back", id="op-back")
        note = simulated_note(self.op, self.eco.op_runner.profile)
        yield Static(
            "[dim]Plan shows what would change; nothing runs before Run.[/dim]"
            + (f"\n[b $warning]{escape(note)}[/b $warning]" if note else ""),
            id="op-plan",
        )
        yield Log(id="op-log", max_lines=MAX_LOG_LINES, auto_scroll=True)
        yield Static("", id="op-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        eco = self.eco
        self.query_one(EnvBar).render_bar(
            environment=eco.environment,
            profile=eco.profile_name,
            read_only=eco.read_only,
            paused=eco.paused,
            area=f"{keys.AREA_TITLES.get('actions', 'Actions')} · {self.op.name}",
        )
        holder = eco.op_runner.holder(self.op) if self.op.mutates else None
        if holder is not None:
            self.status(f"[b $warning]busy: {escape(holder.describe())}[/b $warning]")

    # --- parameters and plan -------------------------------------------------------------------

    def params(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for p in self.info.params:
            widget = self.query_one(f"#param-{p.name}")
            if isinstance(widget, Checkbox):
                out[p.name] = widget.value
                continue
            assert isinstance(widget, Input)
            text = widget.value.strip()
            if not text:
                continue  # the model's default
            out[p.name] = [t for t in re.split(r"[,\s]+", text) if t] if p.is_list else text
        return out

    def status(self, markup: str) -> None:
        self.query_one("#op-status", Static).update(markup)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button.id
        if button == "op-plan-button":
            self.make_plan()
        elif button == "op-run":
            self.ask_to_run()
        elif button == "op-stop" and self.handle is not None:
            self.handle.cancel("stopped by the operator")
            self.status("[b $warning]stopping at the next safe point…[/b $warning]")
        elif button == "op-back":
            self.action_back()

    def action_back(self) -> None:
        self.app.pop_screen()

    def make_plan(self) -> None:
        self.plan = None
        self.query_one("#op-run", Button).disabled = True
        self.query_one("#op-plan", Static).update("[dim]planning…[/dim]")
        self._plan_worker(self.params())

    @work(thread=True, exclusive=True, group="plan")
    def _plan_worker(self, params: dict[str, Any]) -> None:
        try:
            plan = self.eco.op_runner.plan(self.op, params)
        except OperatorError as exc:  # Refused included: the message says why
            self.app.call_from_thread(self._plan_failed, str(exc))
            return
        self.app.call_from_thread(self._planned, plan)

    def _plan_failed(self, message: str) -> None:
        self.query_one("#op-plan", Static).update(f"[b $error]{escape(message)}[/b $error]")

    def _planned(self, plan: Plan[Any]) -> None:
        self.plan = plan
        lines = "\n".join(escape(line) for line in plan.summary)
        verdict = "" if plan.changes or not self.op.mutates else "\n[b]nothing to do[/b]"
        self.query_one("#op-plan", Static).update(
            f"{lines}{verdict}\n[dim]plan {plan.sealed_digest[:12]}[/dim]"
        )
        runnable = plan.changes or not self.op.mutates
        run = self.query_one("#op-run", Button)
        run.disabled = not runnable or self.handle is not None
        if runnable:
            run.focus()

    # --- confirmation and run ------------------------------------------------------------------

    def ask_to_run(self) -> None:
        if self.plan is None or self.handle is not None:
            return
        runner = self.eco.op_runner
        if not self.op.mutates:
            self.start(None, None)
            return
        needs = runner.needs_confirmation(self.op)
        self.app.push_screen(
            ConfirmScreen(
                self.op,
                self.plan,
                environment=self.eco.environment,
                typed=needs,
                phrase=runner.confirm_phrase(self.op) if needs else None,
                simulated=simulated_note(self.op, runner.profile),
            ),
            self._confirmed,
        )

    def _confirmed(self, answer: tuple[str, str] | None) -> None:
        if answer is None:
            self.status("[dim]not run[/dim]")
            return
        self.start(*answer)

    def start(self, confirm: str | None, phrase: str | None) -> None:
        assert self.plan is not None
        try:
            handle = self.eco.op_runner.start(self.plan, confirm=confirm, confirm_phrase=phrase)
        except Refused as exc:
            self.status(f"[b $error]refused: {escape(str(exc))}[/b $error]")
            return
        except OperatorError as exc:
            self.status(f"[b $error]{escape(str(exc))}[/b $error]")
            return
        self.handle = handle
        self.eco.watch_run(handle, self)
        self.query_one("#op-log", Log).clear()
        self.query_one("#op-run", Button).disabled = True
        stop = self.query_one("#op-stop", Button)
        stop.disabled = False
        stop.focus()
        self.status(f"running {self.op.name} (run {handle.run_id})…")
        # Anything emitted before we were watching; those events are also on their way to us in the
        # app's next batch: remembered, so that they are not shown twice.
        early = handle.events()
        self._replayed = {id(e) for e in early}
        self.show_events(handle, early, replay=True)

    def show_events(self, handle: RunHandle, events: list[Event], *, replay: bool = False) -> None:
        """A batch of a run's events: the lines written at once, the status from the last progress."""
        if handle is not self.handle:
            return
        if not replay and self._replayed:
            fresh = [e for e in events if id(e) not in self._replayed]
            self._replayed.difference_update(id(e) for e in events)
            events = fresh
        lines = [line for line in (event_line(e) for e in events) if line is not None]
        if lines:
            self.query_one("#op-log", Log).write_lines(lines)
        progress = next((e for e in reversed(events) if isinstance(e, Progress)), None)
        if progress is not None:
            total = f"/{progress.total:g}" if progress.total is not None else ""
            self.status(f"running {self.op.name}: {progress.done:g}{total} {escape(progress.label)}")
        finished = next((e for e in reversed(events) if isinstance(e, Finished)), None)
        if finished is not None:
            event = finished
            o = event.outcome
            colour = "$success" if o.ok else "$error" if o.result == "failed" else "$warning"
            self.status(f"[b {colour}]{o.result}[/b {colour}]: {escape(o.message)}")
            self.query_one("#op-stop", Button).disabled = True
            self.handle = None
            self.plan = None  # a plan is used once: plan again to run again
            self.query_one("#op-plan", Static).update("[dim]plan again to run again[/dim]")


class ConfirmScreen(ModalScreen["tuple[str, str] | None"]):
    """What will change, and the environment's name typed in full for infrastructure. Focus starts on
    Cancel, so an Enter pressed out of habit cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="confirm.cancel")]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    #confirm-box { width: 90%; max-width: 110; height: auto; max-height: 90%; border: thick $error;
                   background: $surface; padding: 0 1; }
    #confirm-title { height: auto; text-style: bold; }
    #confirm-summary { height: auto; max-height: 14; }
    #confirm-buttons { height: auto; align-horizontal: right; }
    #confirm-buttons Button { margin: 0 0 0 1; }
    """

    def __init__(
        self,
        op: Operation[Any],
        plan: Plan[Any],
        *,
        environment: str,
        typed: bool,
        phrase: str | None,
        simulated: str | None = None,
    ) -> None:
        super().__init__()
        self.op = op
        self.plan = plan
        self.environment = environment
        self.typed = typed
        self.phrase = phrase
        self.simulated = simulated

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box") as box:
            box.border_title = f"Confirm · {self.environment.upper()}"
            yield Static(
                f"{escape(self.op.title)} on [reverse] {escape(self.environment.upper())} [/reverse]",
                id="confirm-title",
            )
            with VerticalScroll(id="confirm-summary"):
                yield Static("\n".join(escape(line) for line in self.plan.summary), markup=True)
            if self.simulated:
                yield Static(f"[dim]{escape(self.simulated)}[/dim]")
            if self.typed:
                yield Label(f"Type the environment name ({self.environment}) to confirm:")
                yield Input(placeholder=self.environment, id="confirm-env")
            if self.phrase:
                yield Label(f"And type: {self.phrase}")
                yield Input(placeholder=self.phrase, id="confirm-phrase")
            with Horizontal(id="confirm-buttons"):
                yield Button("Cancel", id="confirm-cancel")
                yield Button("Run", id="confirm-run", variant="error", disabled=self.typed)

    def on_mount(self) -> None:
        self.query_one("#confirm-cancel", Button).focus()

    def _typed(self, widget_id: str) -> str:
        found = self.query(f"#{widget_id}")
        return found.first(Input).value if found else ""

    def matches(self) -> bool:
        env_ok = not self.typed or self._typed("confirm-env").strip() == self.environment
        phrase_ok = not self.phrase or self._typed("confirm-phrase").strip() == self.phrase
        return env_ok and phrase_ok

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#confirm-run", Button).disabled = not self.matches()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.matches():
            self._confirm()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "confirm-run" and self.matches():
            self._confirm()
        elif event.button.id == "confirm-cancel":
            self.action_cancel()

    def _confirm(self) -> None:
        self.dismiss((self._typed("confirm-env"), self._typed("confirm-phrase")))

    def action_cancel(self) -> None:
        self.dismiss(None)
