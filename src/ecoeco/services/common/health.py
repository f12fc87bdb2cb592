"""Liveness and readiness. ``/ready`` checks each dependency the service declared, with a timeout
each, and answers 503 with per-dependency detail when one is down."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ecoeco.services.common.cache import check_redis
from ecoeco.services.common.db import check_postgres
from ecoeco.services.common.settings import Settings
from ecoeco.shared.redact import redact

log = logging.getLogger("ecoeco.health")

KNOWN_DEPENDENCIES = ("postgres", "redis", "rabbitmq", "s3")
CHECK_TIMEOUT_S = 3.0


class DependencyStatus(BaseModel):
    ok: bool
    detail: str | None = None


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    dependencies: dict[str, DependencyStatus]


class Liveness(BaseModel):
    status: Literal["ok"]
    service: str


def _check_rabbitmq_sync(settings: Settings) -> None:
    from kombu import Connection

    with Connection(settings.broker_url, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _check_s3_sync(settings: Settings) -> None:
    from ecoeco.services.common.storage import s3_client

    s3_client(settings).head_bucket(Bucket=settings.s3_bucket)


async def _check(app: FastAPI, name: str) -> None:
    settings: Settings = app.state.settings
    if name == "postgres":
        await check_postgres(app.state.db_pool)
        pending = app.state.migrations_pending
        if pending:
            error = getattr(app.state, "migration_error", None)
            raise RuntimeError(
                f"migrations not applied yet: {pending}" + (f" (last error: {error})" if error else "")
            )
    elif name == "redis":
        await check_redis(app.state.redis)
    elif name == "rabbitmq":
        await asyncio.to_thread(_check_rabbitmq_sync, settings)
    elif name == "s3":
        await asyncio.to_thread(_check_s3_sync, settings)
    else:
        raise ValueError(f"unknown dependency {name!r}")


async def readiness(app: FastAPI, needs: Sequence[str]) -> Readiness:
    async def one(name: str) -> tuple[str, DependencyStatus]:
        try:
            await asyncio.wait_for(_check(app, name), CHECK_TIMEOUT_S)
        except TimeoutError:
            return name, DependencyStatus(ok=False, detail=f"no answer within {CHECK_TIMEOUT_S:.0f}s")
        except Exception as exc:  # noqa: BLE001 -- any failure means not ready; say which and why
            detail = redact(f"{type(exc).__name__}: {exc}".strip())[:300]
            return name, DependencyStatus(ok=False, detail=detail)
        return name, DependencyStatus(ok=True)

    results = dict(await asyncio.gather(*(one(n) for n in needs)))
    ready = all(s.ok for s in results.values())
    return Readiness(status="ready" if ready else "not_ready", dependencies=results)


def health_router(service: str, needs: Sequence[str]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health", response_model=Liveness)
    async def health() -> Liveness:
        return Liveness(status="ok", service=service)

    @router.get(
        "/ready",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "A required dependency is down"}},
    )
    async def ready(request: Request) -> JSONResponse:
        result = await readiness(request.app, needs)
        return JSONResponse(result.model_dump(), status_code=200 if result.status == "ready" else 503)

    return router
