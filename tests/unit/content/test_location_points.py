"""Sample recycling points and the nearest-first radius query."""

from __future__ import annotations

import pytest

from ecoeco.services.location.points import haversine_m, load_points, nearby

CITY_HALL = (37.5663, 126.9779)
GANGNAM = (37.4979, 127.0276)


def test_haversine_known_distance_city_hall_to_gangnam() -> None:
    # ~8.8 km as the crow flies
    assert haversine_m(*CITY_HALL, *GANGNAM) == pytest.approx(8_780, rel=0.02)
    assert haversine_m(*CITY_HALL, *CITY_HALL) == 0


def test_every_point_is_labelled_sample() -> None:
    doc = load_points()
    assert doc["sample"] is True
    assert len(doc["bins"]) >= 24 and len(doc["centres"]) >= 10
    assert all(p["sample"] is True for p in doc["bins"] + doc["centres"])


def test_nearby_sorts_by_distance_and_respects_radius() -> None:
    bins = load_points()["bins"]
    found = nearby(bins, *GANGNAM, 500)
    assert found, "two sample bins sit beside Gangnam station"
    assert all(p["distance_m"] <= 500 for p in found)
    assert [p["distance_m"] for p in found] == sorted(p["distance_m"] for p in found)
    assert all(p["id"].startswith("bin-gangnam-stn") for p in found)


def test_nearby_limit_and_nothing_far_away() -> None:
    bins = load_points()["bins"]
    assert len(nearby(bins, *CITY_HALL, 50_000, limit=3)) == 3
    assert nearby(bins, 35.1796, 129.0756, 10_000) == []  # Busan
