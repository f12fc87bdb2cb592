"""The fuzz helper itself: on a deliberately broken service it reports each kind of defect, so a
green fuzz test of a real service means something."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from tests.integration.api.live_server import serve
from tests.integration.api.schemathesis_support import fuzz_service

from ecoeco.services.common.app import create_service_app
from ecoeco.services.common.settings import Settings

pytestmark = pytest.mark.integration


class Item(BaseModel):
    name: str
    count: int


def broken_app(settings: Settings) -> FastAPI:
    router = APIRouter()

    @router.get("/crash/{n}")
    async def crash(n: int) -> dict:
        if n < 0:
            raise RuntimeError("negative")  # an unhandled bug -> 500
        return {"n": n}

    @router.get("/plain-error")
    async def plain_error() -> JSONResponse:
        return JSONResponse({"error": "nope"}, status_code=400)  # 4xx, but not problem+json

    @router.get("/lies", response_model=Item)
    async def lies() -> JSONResponse:
        return JSONResponse({"name": 5})  # does not match the documented Item

    return create_service_app("broken", [router], needs=("redis",), settings=settings)


def test_fuzz_reports_server_errors_plain_4xx_and_undocumented_bodies(redis_url: str, pg_url: str) -> None:
    settings = Settings(database_url=pg_url, redis_url=redis_url)
    with serve(broken_app(settings)) as base:
        failures, sent = fuzz_service(base, max_examples=30)
    assert sent > 0
    found = {(f.operation, f.reason.split(":")[0]) for f in failures}
    assert ("GET /crash/{n}", "server error") in found
    assert any(
        op == "GET /plain-error" and reason.startswith("4xx with content type") for op, reason in found
    )
    assert ("GET /lies", "not as documented") in found
    assert not any(op in ("GET /health", "GET /ready") for op, _ in found)
