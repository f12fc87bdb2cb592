"""The packaged sample points (``data/points.json``) and the nearest-first query over them."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from typing import Any

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@lru_cache(maxsize=1)
def load_points() -> dict[str, Any]:
    text = (
        resources.files("ecoeco.services.location")
        .joinpath("data", "points.json")
        .read_text(encoding="utf-8")
    )
    doc = json.loads(text)
    for kind in ("bins", "centres"):
        for point in doc[kind]:
            if not (-90 <= point["lat"] <= 90 and -180 <= point["lon"] <= 180):
                raise ValueError(f"{kind} point {point['id']!r} has out-of-range coordinates")
    return doc


def nearby(
    points: list[dict[str, Any]], lat: float, lon: float, radius_m: float, limit: int | None = None
) -> list[dict[str, Any]]:
    """Points within ``radius_m`` of (lat, lon), nearest first, each with ``distance_m`` (rounded to 0.1 m)."""
    found = []
    for point in points:
        d = haversine_m(lat, lon, point["lat"], point["lon"])
        if d <= radius_m:
            found.append({**point, "distance_m": round(d, 1)})
    found.sort(key=lambda p: (p["distance_m"], p["id"]))
    return found[:limit] if limit is not None else found
