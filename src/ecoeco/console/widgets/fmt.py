"""Plain formatting shared by the screens (no widgets here, cheap to test); the health rules are
``ecoeco.console.health``.

Every age is computed against ``snapshot.taken_at`` rather than the wall clock, so a fixed
snapshot renders the same text every time (screenshots and snapshot tests rely on that).
"""

from __future__ import annotations

from collections.abc import Sequence

_BLOCKS = "▁▂▃▄▅▆▇█"
HEALTH_GLYPH = {"ok": "●", "warn": "▲", "bad": "✖", "unknown": "?"}
# Rich styles of the health levels in tables.
HEALTH_STYLE = {"ok": "green", "warn": "yellow", "bad": "bold red", "unknown": "dim"}
# Short names of node conditions that are not as they should be (status columns, tiles).
CONDITION_SHORT = {
    "MemoryPressure": "MemPressure",
    "DiskPressure": "DiskPressure",
    "PIDPressure": "PIDPressure",
    "NetworkUnavailable": "NoNetwork",
}


def spark(values: Sequence[float], width: int = 10, full: float | None = None) -> str:
    """A text sparkline of the last ``width`` values (empty input gives a dim placeholder).

    Scaled to its own min..max, or to 0..``full`` when given (percentages: 0.2 % CPU is a low bar,
    not a full one because the last minute ranged 0.0-0.2 %)."""
    tail = list(values)[-width:]
    if not tail:
        return "·" * min(width, 3)
    if full:
        return "".join(_BLOCKS[min(7, max(0, int(v / full * 7.999)))] for v in tail)
    lo, hi = min(tail), max(tail)
    span = hi - lo
    if span <= 0:
        # A flat line still says "there is data": low block when zero, mid block otherwise.
        return (_BLOCKS[0] if hi == 0 else _BLOCKS[3]) * len(tail)
    return "".join(_BLOCKS[min(7, int((v - lo) / span * 7.999))] for v in tail)


def age(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    s = max(0.0, seconds)
    if s < 60:
        return f"{s:.0f}s"
    if s < 3600:
        return f"{s // 60:.0f}m{s % 60:02.0f}s"
    if s < 86400:
        return f"{s // 3600:.0f}h{(s % 3600) // 60:02.0f}m"
    return f"{s // 86400:.0f}d{(s % 86400) // 3600:02.0f}h"


def coarse_age(seconds: float | None) -> str:
    """An age for table cells that change rarely: minutes under an hour, then hours, then days."""
    if seconds is None:
        return "–"
    s = max(0.0, seconds)
    if s < 3600:
        return f"{s // 60:.0f}m"
    if s < 86400:
        return f"{s // 3600:.0f}h"
    return f"{s // 86400:.0f}d"


def since(ts: float | None, now: float) -> str:
    """``12m30s ago`` measured at ``now`` (the snapshot's time, never the clock)."""
    return "never" if ts is None else f"{age(now - ts)} ago"


def span(seconds: float | int) -> str:
    """A duration such as a chart window or a sync interval: 90 -> 1m30s, 900 -> 15m, 3600 -> 1h."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m" + (f"{s % 60:02d}s" if s % 60 else "")
    return f"{s // 3600}h" + (f"{(s % 3600) // 60:02d}m" if s % 3600 else "")


def num(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}/s"


def pct(value: float | None, *, ratio: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value * 100 if ratio else value:.1f}%"


def ms(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds * 1000:.0f}ms"


def size(n: int | float | None) -> str:
    if n is None:
        return "–"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f}{unit}" if unit == "B" else f"{value:.1f}{unit}"
        value /= 1024
    return f"{value:.1f}GiB"
