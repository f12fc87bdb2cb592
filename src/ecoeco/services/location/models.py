"""Response shapes of the location API."""

from __future__ import annotations

from pydantic import BaseModel


class Point(BaseModel):
    lat: float
    lon: float


class BinOut(BaseModel):
    id: str
    name: str
    kind: str
    lat: float
    lon: float
    accepts: list[str]
    address: str
    sample: bool
    distance_m: float


class CentreOut(BaseModel):
    id: str
    name: str
    lat: float
    lon: float
    services: str
    address: str
    sample: bool
    distance_m: float


class BinList(BaseModel):
    sample: bool
    source: str
    center: Point
    radius_m: int
    count: int
    items: list[BinOut]


class CentreList(BaseModel):
    sample: bool
    source: str
    center: Point
    radius_m: int
    count: int
    items: list[CentreOut]


class GeocodeResult(BaseModel):
    address: str
    road_address: str | None
    lat: float
    lon: float


class GeocodeList(BaseModel):
    query: str
    provider: str
    results: list[GeocodeResult]


class ReverseGeocode(BaseModel):
    lat: float
    lon: float
    provider: str
    address: str | None
    road_address: str | None
    region: str | None
