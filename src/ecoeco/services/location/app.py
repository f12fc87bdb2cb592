"""The location service: sample recycling points near a point, Kakao geocoding when configured.

No PostgreSQL schema yet: the points are a packaged sample data set (a real one would be a
PostGIS table); Redis holds the token denylist and the geocode cache."""

from __future__ import annotations

from fastapi import FastAPI

from ecoeco.services.common.app import create_service_app
from ecoeco.services.common.settings import Settings
from ecoeco.services.location.points import load_points
from ecoeco.services.location.routes import router
from ecoeco.services.location.settings import location_settings

SERVICE = "location"


def create_app(settings: Settings | None = None) -> FastAPI:
    load_points()  # a broken data file stops the service at start
    return create_service_app(
        SERVICE,
        [router],
        needs=("redis",),  # Redis holds the token denylist that geocoding's auth checks
        settings=location_settings(settings),
        description="Recycling bins and centres near a point (sample data); Kakao Local geocoding.",
    )
