"""A PrometheusConnect with a timeout and no hidden retries (the collector owns backoff)."""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from typing import Any, TypeVar

from ecoeco.console.sources.base import SourceError


def connect(url: str, timeout_s: float) -> Any:
    from prometheus_api_client import PrometheusConnect
    from urllib3.util.retry import Retry

    return PrometheusConnect(url=url, disable_ssl=True, timeout=timeout_s, retry=Retry(total=0))


def _num(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def instant(prom: Any, query: str) -> list[tuple[dict[str, str], float | None]]:
    """``[(labels, value)]`` of an instant query."""
    try:
        result = prom.custom_query(query)
    except Exception as exc:
        raise SourceError(f"Prometheus query failed: {_reason(exc)}") from exc
    return [(r.get("metric", {}), _num(r["value"][1])) for r in result]


def by_label(rows: list[tuple[dict[str, str], float | None]], label: str) -> dict[str, float | None]:
    return {labels[label]: value for labels, value in rows if label in labels}


def series(prom: Any, query: str, window_s: int, step_s: int) -> list[tuple[dict[str, str], list[float]]]:
    """``[(labels, values)]`` of a range query over the last ``window_s`` seconds (NaNs dropped)."""
    end = dt.datetime.now(dt.UTC)
    start = end - dt.timedelta(seconds=window_s)
    try:
        result = prom.custom_query_range(query, start_time=start, end_time=end, step=f"{step_s}s")
    except Exception as exc:
        raise SourceError(f"Prometheus range query failed: {_reason(exc)}") from exc
    out = []
    for r in result:
        values = [v for v in (_num(p[1]) for p in r.get("values", [])) if v is not None]
        out.append((r.get("metric", {}), values))
    return out


T = TypeVar("T")


class PerStep:
    """A range query's answer moves by one point per step: ask again once a step has passed, not on
    every poll (a 15 s step polled every 5 s asked three times for one new point)."""

    def __init__(self, step_s: float) -> None:
        self.step_s = step_s
        self._kept: dict[str, tuple[float, Any]] = {}

    def get(self, key: str, fetch: Callable[[], T]) -> T:
        now = time.monotonic()
        kept = self._kept.get(key)
        if kept is None or now - kept[0] >= self.step_s:
            kept = (now, fetch())  # a failed fetch raises and keeps nothing: asked again next poll
            self._kept[key] = kept
        return kept[1]


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    # requests' ConnectionError text is long; keep its gist.
    if "Connection refused" in text or "NewConnectionError" in text:
        return "connection refused"
    if "timed out" in text.lower():
        return "timed out"
    return text[:160]


def targets(prom: Any) -> list[dict[str, Any]]:
    """Prometheus' active scrape targets (``/api/v1/targets?state=active``), as its API gives them."""
    try:
        data = prom.get_targets(state="active")
    except Exception as exc:
        raise SourceError(f"Prometheus targets: {_reason(exc)}") from exc
    return list((data or {}).get("activeTargets") or [])


def epoch(value: Any) -> float | None:
    """An RFC 3339 time of the Prometheus API as epoch seconds (its zero time is None)."""
    if not isinstance(value, str) or value.startswith("0001-"):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
