"""Key bindings of the console, each with a stable id so a keymap can override the key.

No core action sits on a ctrl-letter: ctrl chords clash with tmux/screen prefixes and with
terminals over SSH. Textual's own ctrl+q/ctrl+p stay as extra ways in, never the only one.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

# Areas, in the order of their number keys. (mode name, title, sources shown in that area)
AREAS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("overview", "Overview", ("cluster", "queues", "wal", "metrics", "services", "alerts")),
    ("nodes", "Nodes/Pods", ("cluster",)),
    ("queues", "Queues", ("queues",)),
    ("wal", "WAL", ("wal",)),
    ("metrics", "Metrics", ("metrics",)),
    ("services", "Services", ("services", "cluster")),
    # The judge: what is wrong, why, what to do, from every source.
    ("triage", "Triage", ("cluster", "queues", "wal", "metrics", "services", "alerts")),
    # The write side (issue 9): operations and their audit log; no polled source of their own.
    ("actions", "Actions", ()),
    ("audit", "Audit", ()),
)
AREA_TITLES = {mode: title for mode, title, _ in AREAS}
AREA_SOURCES = {mode: sources for mode, _, sources in AREAS}
# Footer labels are short so every key fits in the footer at 80 columns; help shows the tooltip.
AREA_SHORT = {
    "overview": "Map",
    "nodes": "Pods",
    "queues": "Queues",
    "wal": "WAL",
    "metrics": "Metrics",
    "services": "Svc",
    "triage": "Triage",
    "actions": "Act",
    "audit": "Audit",
}

# Areas whose number key is not in the footer (it is full at 80 columns); help and the palette list them.
FOOTER_HIDDEN_AREAS = frozenset({"triage", "actions", "audit"})

APP_BINDINGS: list[BindingType] = [
    *[
        Binding(
            str(i),
            f"area('{mode}')",
            AREA_SHORT[mode],
            tooltip=f"Go to {title}",
            id=f"area.{mode}",
            show=mode not in FOOTER_HIDDEN_AREAS,
        )
        for i, (mode, title, _) in enumerate(AREAS, start=1)
    ],
    Binding("question_mark", "help", "Help", tooltip="Show the live key bindings", id="app.help"),
    # Not in the footer (no room at 80 columns): the overview's attention line names the key.
    Binding(
        "a",
        "attention",
        "Attention",
        tooltip="What needs attention, worst first",
        id="app.attention",
        show=False,
    ),
    Binding("colon", "command_palette", "Commands", tooltip="Command palette", id="app.palette", show=False),
    Binding("p", "toggle_pause", "Pause", tooltip="Pause / resume polling", id="app.pause"),
    Binding("r", "refresh_now", "Refresh", tooltip="Poll every source now", id="app.refresh", show=False),
    Binding("q", "quit", "Quit", tooltip="Quit", id="app.quit"),
]

# Screens that hold tables add these.
FILTER_BINDINGS: list[BindingType] = [
    Binding("slash", "filter", "Filter", tooltip="Filter the tables of this area", id="table.filter"),
    Binding(
        "escape",
        "clear_filter",
        "Clear filter",
        tooltip="Clear the filter",
        id="table.clear_filter",
        show=False,
    ),
]

NODE_MAP_BINDINGS: list[BindingType] = [
    Binding("right", "app.focus_next", "Next node", tooltip="Next node tile", id="overview.next", show=False),
    Binding(
        "left",
        "app.focus_previous",
        "Previous node",
        tooltip="Previous node tile",
        id="overview.previous",
        show=False,
    ),
    Binding(
        "enter",
        "drill_down",
        "Pods",
        tooltip="Pods of the focused node",
        id="overview.drill_down",
        show=False,
    ),
]

METRICS_BINDINGS: list[BindingType] = [
    Binding("w", "cycle_window", "Window", tooltip="Change the chart window", id="metrics.window"),
]

KEYMAP_ENV = "ECOECO_CONSOLE_KEYS"


def binding_ids() -> list[str]:
    every = (*APP_BINDINGS, *FILTER_BINDINGS, *NODE_MAP_BINDINGS, *METRICS_BINDINGS)
    return [b.id for b in every if isinstance(b, Binding) and b.id]


def parse_keymap(text: str) -> dict[str, str]:
    """``"app.pause=P;area.wal=w,f4"`` -> ``{"app.pause": "P", "area.wal": "w,f4"}`` (Textual keymap).

    Lets an operator move a key that clashes with their terminal or tmux, by binding id.
    """
    keymap: dict[str, str] = {}
    known = set(binding_ids())
    for item in filter(None, (part.strip() for part in text.split(";"))):
        binding_id, sep, keys = item.partition("=")
        binding_id, keys = binding_id.strip(), keys.strip()
        if not sep or not keys:
            raise ValueError(f"{KEYMAP_ENV}: {item!r} is not ID=KEY (e.g. app.pause=P)")
        if binding_id not in known:
            raise ValueError(
                f"{KEYMAP_ENV}: unknown binding id {binding_id!r}; known: {', '.join(sorted(known))}"
            )
        keymap[binding_id] = keys
    return keymap
