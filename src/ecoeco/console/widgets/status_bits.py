"""Small text widgets that only repaint when their text changes (idle CPU and bytes stay low)."""

from __future__ import annotations

from textual.content import Content
from textual.markup import escape
from textual.widgets import Static

from ecoeco.console import health
from ecoeco.console.snapshot import Snapshot
from ecoeco.console.widgets import fmt


class QuietStatic(Static):
    """A Static whose ``show`` skips the repaint when the markup is unchanged."""

    def __init__(self, markup: str = "", **kwargs: object) -> None:
        super().__init__(markup, **kwargs)  # type: ignore[arg-type]
        self._markup = markup

    def show(self, markup: str) -> bool:
        if markup == self._markup:
            return False
        self._markup = markup
        # A layout pass re-arranges the whole screen; a widget whose size cannot change with its text
        # (a fixed height, a width not set by its content: tiles, headlines, the bars) skips it.
        height, width = self.styles.height, self.styles.width
        fixed = height is not None and height.is_cells and not (width is not None and width.is_auto)
        self.update(markup, layout=not fixed)
        return True

    @property
    def markup_text(self) -> str:
        return self._markup

    @property
    def plain_text(self) -> str:
        """What the operator reads (markup removed)."""
        return Content.from_markup(self._markup).plain


class EnvBar(QuietStatic):
    """Top bar: environment, profile, READ-ONLY, PAUSED and the area. Always visible."""

    def render_bar(
        self,
        *,
        environment: str,
        profile: str,
        read_only: bool,
        paused: bool,
        area: str,
        triage: dict[str, int] | None = None,
    ) -> None:
        parts = [
            f" [b]Eco² Ops[/b]  [reverse] {escape(environment.upper())} [/reverse]",
            f"profile [b]{escape(profile)}[/b]",
        ]
        if read_only:
            parts.append("[b reverse] READ-ONLY [/b reverse]")
        if paused:
            parts.append("[b $warning]⏸ PAUSED[/b $warning]")
        parts.append(f"[b]{escape(area)}[/b]")
        # The triage badge (key 7): only when something is critical or a warning, so a calm bar stays calm.
        crit, warn = (triage or {}).get("critical", 0), (triage or {}).get("warning", 0)
        if crit or warn:
            # Reverse, not a colour: the bar itself is the environment's colour (red on prod).
            badge = [f"[b reverse]✖{crit}[/b reverse]"] if crit else []
            badge += [f"[b]▲{warn}[/b]"] if warn else []
            parts.append("7 " + " ".join(badge))
        self.show("  │  ".join(parts))
        for env in ("prod", "staging", "sandbox"):
            self.set_class(environment == env, f"-env-{env}")


class SourceLine(QuietStatic):
    """Per-area line: for each source of the area, ok/error and the age of its data."""

    def render_sources(self, snapshot: Snapshot, sources: tuple[str, ...], *, compact: bool = False) -> None:
        bits: list[str] = []
        failing = False
        for name in sources:
            status = snapshot.sources.get(name)
            if status is None:
                if not compact:
                    bits.append(f"[dim]{name}: no data yet[/dim]")
                continue
            age_s = health.source_age(snapshot, name)
            data_age = fmt.age(age_s)
            paused = " [dim](paused)[/dim]" if status.paused else ""
            if status.ok:
                # Fresh data (within two poll intervals) shows no age: the line then stays the
                # same from poll to poll and costs no redraw; a stale age is shown, in warning colour.
                fresh = age_s is not None and age_s <= max(2 * status.interval_s, 5.0)
                age_note = "" if fresh else f" [$warning]{data_age} old[/$warning]"
                bits.append(f"[$success]✓[/$success] {name}{age_note}{paused}")
            else:
                failing = True
                err = escape(status.error or "unreachable")
                if compact:
                    bits.append(f"[b $error]✖ {name}[/b $error]")
                else:
                    last = "no data yet" if status.updated_at is None else f"data {data_age} old"
                    bits.append(f"[b $error]✖ {name}: {err}[/b $error] [dim]({last})[/dim]{paused}")
        if compact and failing:
            errs = [
                f"{n}: {escape(snapshot.sources[n].error or 'unreachable')}"
                for n in sources
                if n in snapshot.sources and not snapshot.sources[n].ok
            ]
            bits.append(f"[$error]{'; '.join(errs)}[/$error]")
        self.set_class(failing, "-failing")
        self.show("  ".join(bits) if bits else "[dim]waiting for data…[/dim]")
