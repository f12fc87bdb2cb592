"""``/api/v1/locations``: public nearby queries over the sample points; geocoding for signed-in users
(it spends the Kakao key's quota)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import redis.asyncio as aioredis
from fastapi import APIRouter, Depends, Query, Request, Response

from ecoeco.services.common.cache import get_redis
from ecoeco.services.common.errors import ProblemError
from ecoeco.services.common.security import Principal, require_user
from ecoeco.services.location import kakao
from ecoeco.services.location.geocode_cache import cache_key, cached
from ecoeco.services.location.models import BinList, CentreList, GeocodeList, ReverseGeocode
from ecoeco.services.location.points import load_points, nearby

router = APIRouter(
    prefix="/api/v1/locations",
    tags=["locations"],
    responses={
        401: {"description": "Geocoding only: missing or invalid token (problem+json)"},
        502: {"description": "Geocoding only: the Kakao Local API failed or rejected the key"},
        503: {"description": "Geocoding only: no Kakao key configured, or its quota is spent"},
    },
)

Lat = Annotated[float, Query(ge=-90, le=90, description="WGS84 latitude")]
Lon = Annotated[float, Query(ge=-180, le=180, description="WGS84 longitude")]
BinKind = Literal["recycling", "clear_pet", "battery_lamp", "clothing"]


def _listing(
    collection: str, lat: float, lon: float, radius: int, limit: int, **filters: Any
) -> dict[str, Any]:
    doc = load_points()
    points = [p for p in doc[collection] if all(p.get(k) == v for k, v in filters.items() if v is not None)]
    found = nearby(points, lat, lon, radius, limit)
    return {
        "sample": doc["sample"],
        "source": doc["source"],
        "center": {"lat": lat, "lon": lon},
        "radius_m": radius,
        "count": len(found),
        "items": found,
    }


@router.get(
    "/bins", response_model=BinList, summary="Recycling bins near a point, nearest first (sample data)"
)
async def bins(
    lat: Lat,
    lon: Lon,
    radius: Annotated[int, Query(ge=100, le=10_000, description="metres")] = 1000,
    kind: BinKind | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    return BinList.model_validate(_listing("bins", lat, lon, radius, limit, kind=kind))


@router.get(
    "/centres",
    response_model=CentreList,
    summary="Recycling centres near a point, nearest first (sample data)",
)
async def centres(
    lat: Lat,
    lon: Lon,
    radius: Annotated[int, Query(ge=100, le=50_000, description="metres")] = 10_000,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    return CentreList.model_validate(_listing("centres", lat, lon, radius, limit))


@router.get(
    "/geocode", response_model=GeocodeList, summary="Address → coordinates through the Kakao Local API"
)
async def geocode(
    request: Request,
    response: Response,
    query: Annotated[str, Query(min_length=1, max_length=100)],
    _user: Annotated[Principal, Depends(require_user)],
    r: Annotated[aioredis.Redis, Depends(get_redis)],
    limit: Annotated[int, Query(ge=1, le=30)] = 10,
) -> Any:
    text = query.strip()
    if not text:
        raise ProblemError(422, "Unprocessable Content", "The address query is blank.")
    settings = request.app.state.settings
    key = cache_key("geocode", " ".join(text.split()), limit)
    results = await cached(r, key, response, lambda: kakao.geocode(settings, text, limit))
    return GeocodeList(query=text, provider="kakao", results=results)


@router.get(
    "/reverse-geocode",
    response_model=ReverseGeocode,
    summary="Coordinates → address through the Kakao Local API",
)
async def reverse_geocode(
    request: Request,
    response: Response,
    lat: Lat,
    lon: Lon,
    _user: Annotated[Principal, Depends(require_user)],
    r: Annotated[aioredis.Redis, Depends(get_redis)],
) -> Any:
    settings = request.app.state.settings
    # ~1 m of rounding: nearby taps share a cache entry
    key = cache_key("reverse", round(lat, 5), round(lon, 5))
    found = await cached(r, key, response, lambda: kakao.reverse_geocode(settings, lat, lon))
    if found is None:
        raise ProblemError(404, "Not Found", "No address is known at this point.")
    return ReverseGeocode(lat=lat, lon=lon, provider="kakao", **found)
