"""Enter on a pod row: the pod in full, and its logs on demand (`l` current run, `p` previous run).

Logs are fetched only when asked, in a worker thread (a slow API never blocks the UI), the last
``LOG_TAIL_LINES`` lines of one container; `c` moves to the pod's next container.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Static

from ecoeco.console.snapshot import PodInfo, Snapshot
from ecoeco.console.sources.base import LOG_TAIL_LINES, LogReader


def default_container(pod: PodInfo) -> str | None:
    """The container worth reading first: one that is failing or has died before, else the first app one."""
    apps = [c for c in pod.containers if not c.init] or pod.containers
    troubled = next((c for c in apps if c.state != "running" or c.last_terminated is not None), None)
    chosen = troubled or (apps[0] if apps else None)
    return chosen.name if chosen else None


class PodScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("l", "logs(False)", "Logs", tooltip="Last lines of the current container", id="pod.logs"),
        Binding(
            "p",
            "logs(True)",
            "Previous",
            tooltip="Last lines of the previous run (after a restart)",
            id="pod.previous_logs",
        ),  # fmt: skip
        Binding("c", "next_container", "Container", tooltip="Next container of the pod", id="pod.container"),
        Binding("escape", "dismiss", "Close", id="pod.close"),
        Binding("q", "dismiss", "Close", id="pod.close_q", show=False),
    ]

    def __init__(self, pod: PodInfo, detail_markup: str, reader: LogReader | None) -> None:
        super().__init__()
        self.pod = pod
        self.detail_markup = detail_markup
        self.reader = reader
        self.container = default_container(pod)
        self.fetches = 0  # log reads started (tests: nothing is read until asked)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="pod-box") as box:
            box.border_title = f"{self.pod.namespace}/{self.pod.name}"
            box.border_subtitle = "l logs · p previous run · c container · Esc closes"
            yield Static(self.detail_markup, id="pod-full")
            yield Static(self._hint(), id="pod-logs", markup=True)

    def _hint(self) -> str:
        if self.reader is None:
            return "[dim]logs: not available here (no log reader for this cluster)[/dim]"
        return f"[dim]logs of {escape(self.container or self.pod.name)}: press l (current) or p (previous run)[/dim]"

    def action_next_container(self) -> None:
        names = [c.name for c in self.pod.containers]
        if names and self.container in names:
            self.container = names[(names.index(self.container) + 1) % len(names)]
        self.query_one("#pod-logs", Static).update(self._hint())

    def action_logs(self, previous: bool) -> None:
        if self.reader is None:
            return
        which = "previous run" if previous else "current"
        self.query_one("#pod-logs", Static).update(
            f"[dim]fetching the last {LOG_TAIL_LINES} lines of {escape(self.container or self.pod.name)} ({which})…[/dim]"
        )
        self.fetches += 1
        self._fetch(previous)

    @work(thread=True, exclusive=True, group="pod-logs")
    def _fetch(self, previous: bool) -> None:
        assert self.reader is not None
        which = "previous run" if previous else "current"
        try:
            text = self.reader.read(
                self.pod.namespace,
                self.pod.name,
                self.container,
                previous=previous,
                tail_lines=LOG_TAIL_LINES,
            )
            title = (
                f"[b]{escape(self.container or self.pod.name)} · {which} · last {LOG_TAIL_LINES} lines[/b]"
            )
            body = escape(text) if text.strip() else "[dim](empty: the container has written nothing)[/dim]"
        except Exception as exc:  # noqa: BLE001 - any failure is shown in place, never raised into the UI
            title, body = f"[b $error]logs ({which}): {escape(str(exc))}[/b $error]", ""
        self.app.call_from_thread(self.query_one("#pod-logs", Static).update, f"{title}\n{body}".rstrip())

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(result)


def find_pod(snapshot: Snapshot, key: str) -> PodInfo | None:
    return next((p for p in snapshot.cluster.all_pods() if f"{p.namespace}/{p.name}" == key), None)
