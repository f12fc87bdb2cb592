"""A Sparkline that draws the same bars as Textual's, straight to strips.

Textual's ``Sparkline`` renders through Rich: one segment per cell, each styled, split and cropped
by the Rich pipeline; a 90x8 chart cost ~25 ms of CPU per repaint, the metrics area's 18 charts
most of its refresh (``docs/decisions/performance-console.md``). This one computes the same
characters and colours (same buckets, same blend) and builds the strips itself, with one
``Style`` per colour cached. Textual is pinned; the snapshot tests show the output is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from functools import lru_cache

from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.css.styles import RulesMap
from textual.renderables._blend_colors import blend_colors
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import Sparkline

BARS = "▁▂▃▄▅▆▇█"


@lru_cache(maxsize=4096)
def _bar_style(base: RichStyle, low: RichColor, high: RichColor, ratio: float) -> RichStyle:
    return base + RichStyle.from_color(blend_colors(low, high, ratio))


def _buckets(data: list[float], width: int) -> list[Sequence[float]]:
    step = Fraction(len(data), width)
    out: list[Sequence[float]] = []
    for n in range(width):
        part = data[int(step * n) : int(step * (n + 1))]
        if part:
            out.append(part)
    return out


class _SparkVisual(Visual):
    def __init__(
        self, data: Sequence[float], low: RichColor, high: RichColor, width: int, height: int
    ) -> None:
        self.data = list(data)
        self.low, self.high = low, high
        self.width, self.height = width, height

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.width

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self.height

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        base = style.rich_style
        width = self.width or width
        rows = self.height or 1
        data = self.data
        low_style, high_style = base + RichStyle.from_color(self.low), base + RichStyle.from_color(self.high)
        if not data:
            strips = [Strip([]) for _ in range(rows - 1)]  # Rich's empty lines, padded by Textual
            strips.append(Strip([Segment("▁" * width, low_style)], width))
            return strips[: height or None]
        if len(data) == 1:
            return [Strip([Segment("█" * width, high_style)], width) for _ in range(rows)][: height or None]
        per_line = len(BARS)
        segments_high = per_line * rows - 1
        minimum, maximum = min(data), max(data)
        extent = maximum - minimum or 1
        buckets = _buckets(data, width)
        step = len(buckets) / width
        columns: list[tuple[int, float]] = []
        index = 0.0
        for _ in range(width):
            ratio = (max(buckets[int(index)]) - minimum) / extent
            columns.append((int(ratio * segments_high), ratio))
            index += step
        strips = []
        for i in reversed(range(rows)):
            lo, hi = i * per_line, (i + 1) * per_line
            line: list[Segment] = []
            for bar_index, ratio in columns:
                if bar_index < lo:
                    line.append(Segment(" ", base))
                    continue
                bar = "█" if bar_index >= hi else BARS[bar_index % per_line]
                line.append(Segment(bar, _bar_style(base, self.low, self.high, ratio)))
            strips.append(Strip(Segment.simplify(line), width))
        return strips[: height or None]


class FastSparkline(Sparkline):
    """``Sparkline`` with the same look, rendered without the Rich pipeline (max as the summary)."""

    def render(self) -> Visual:
        _, background = self.background_colors
        low = background + (
            self.get_component_styles("sparkline--min-color").color
            if self.min_color is None
            else self.min_color
        )
        high = background + (
            self.get_component_styles("sparkline--max-color").color
            if self.max_color is None
            else self.max_color
        )
        return _SparkVisual(
            self.data or [], low.rich_color, high.rich_color, self.size.width, self.size.height
        )
