"""Kakao Local API client (address search and coord→address). The key never leaves this module's
request headers: errors name the upstream status, never the key."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from ecoeco.services.common.errors import ProblemError
from ecoeco.services.location.settings import LocationSettings

log = logging.getLogger("ecoeco.location.kakao")

ADDRESS_SEARCH = "/v2/local/search/address.json"
COORD_TO_ADDRESS = "/v2/local/geo/coord2address.json"


def _require_key(settings: LocationSettings) -> str:
    if settings.kakao_rest_api_key is None or not settings.kakao_rest_api_key.get_secret_value():
        raise ProblemError(
            503,
            "Service Unavailable",
            "Geocoding is not configured: set ECOECO_KAKAO_REST_API_KEY to a Kakao REST API key.",
            type_="https://ecoeco.app/problems/geocoding-not-configured",
        )
    return settings.kakao_rest_api_key.get_secret_value()


async def _get(settings: LocationSettings, path: str, params: dict[str, Any]) -> dict[str, Any]:
    key = _require_key(settings)
    try:
        async with httpx.AsyncClient(
            base_url=settings.kakao_base_url, timeout=settings.kakao_timeout_s
        ) as client:
            resp = await client.get(path, params=params, headers={"Authorization": f"KakaoAK {key}"})
    except httpx.TimeoutException as exc:
        raise ProblemError(504, "Gateway Timeout", "The Kakao Local API did not answer in time.") from exc
    except httpx.HTTPError as exc:
        log.warning("kakao request failed: %s", type(exc).__name__)
        raise ProblemError(502, "Bad Gateway", "The Kakao Local API could not be reached.") from exc
    if resp.status_code in (401, 403):
        raise ProblemError(
            502, "Bad Gateway", f"The Kakao Local API rejected the key (HTTP {resp.status_code})."
        )
    if resp.status_code == 429:
        # Pass Kakao's own hint on; a minute when it gives none.
        wait = resp.headers.get("retry-after", "")
        raise ProblemError(
            503,
            "Service Unavailable",
            "Kakao Local API quota exceeded; retry later.",
            headers={"Retry-After": wait if wait.isdigit() else "60"},
        )
    if resp.status_code != 200:
        raise ProblemError(502, "Bad Gateway", f"The Kakao Local API answered HTTP {resp.status_code}.")
    try:
        body = resp.json()
        documents = body["documents"]
        if not isinstance(documents, list):
            raise TypeError("documents is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        raise ProblemError(
            502, "Bad Gateway", "The Kakao Local API answered in an unexpected shape."
        ) from exc
    return body


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


async def geocode(settings: LocationSettings, query: str, limit: int) -> list[dict[str, Any]]:
    body = await _get(settings, ADDRESS_SEARCH, {"query": query, "size": limit})
    results = []
    for doc in body["documents"]:
        lat, lon = _float(doc.get("y")), _float(doc.get("x"))
        if lat is None or lon is None:
            continue
        road = doc.get("road_address") or {}
        results.append(
            {
                "address": doc.get("address_name", ""),
                "road_address": road.get("address_name") or None,
                "lat": lat,
                "lon": lon,
            }
        )
    return results


async def reverse_geocode(settings: LocationSettings, lat: float, lon: float) -> dict[str, Any] | None:
    body = await _get(settings, COORD_TO_ADDRESS, {"x": lon, "y": lat})
    if not body["documents"]:
        return None
    doc = body["documents"][0]
    address = doc.get("address") or {}
    road = doc.get("road_address") or {}
    return {
        "address": address.get("address_name") or None,
        "road_address": road.get("address_name") or None,
        "region": " ".join(
            part for part in (address.get("region_1depth_name"), address.get("region_2depth_name")) if part
        )
        or None,
    }
