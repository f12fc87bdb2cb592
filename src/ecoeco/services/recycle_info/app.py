"""The recycle-info service: packaged Korean disposal guides behind a Redis response cache.

No PostgreSQL schema: the guides are read-only data shipped with the code (reviewed and released
like code), so the service needs only Redis, and keeps serving from memory if Redis is down."""

from __future__ import annotations

from fastapi import FastAPI

from ecoeco.services.common.app import create_service_app
from ecoeco.services.common.settings import Settings
from ecoeco.services.recycle_info.catalog import load_catalog
from ecoeco.services.recycle_info.response_cache import ResponseCache, data_digest
from ecoeco.services.recycle_info.routes import router

SERVICE = "recycle-info"
CACHE_TTL_S = 600


def create_app(settings: Settings | None = None) -> FastAPI:
    load_catalog()  # a broken data file stops the service at start, not on the first request
    app = create_service_app(
        SERVICE,
        [router],
        needs=("redis",),
        settings=settings,
        description="Korean disposal guides (분리배출): items, categories, search, regional rules, FAQ.",
    )
    app.state.response_cache = ResponseCache(
        app, "recycle-info", CACHE_TTL_S, data_digest("ecoeco.services.recycle_info")
    )
    return app
