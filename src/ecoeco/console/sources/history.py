"""Bounded per-key series kept by a source between polls, for sparklines."""

from __future__ import annotations

from collections import deque

DEFAULT_POINTS = 60


class History:
    def __init__(self, points: int = DEFAULT_POINTS) -> None:
        self._points = points
        self._series: dict[str, deque[float]] = {}

    def add(self, key: str, value: float | None) -> list[float]:
        """Append ``value`` (skipped when None) and return the series as a list."""
        series = self._series.setdefault(key, deque(maxlen=self._points))
        if value is not None:
            series.append(float(value))
        return list(series)
