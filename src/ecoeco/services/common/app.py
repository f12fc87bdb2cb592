"""The service app factory: every API service is ``create_service_app(...)`` plus its routers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from fastapi import APIRouter, FastAPI

from ecoeco.services.common.breaker import Breaker
from ecoeco.services.common.cache import client_name, make_redis
from ecoeco.services.common.db import make_pool
from ecoeco.services.common.errors import install_error_handlers
from ecoeco.services.common.health import KNOWN_DEPENDENCIES, health_router
from ecoeco.services.common.limits import BodyLimitMiddleware
from ecoeco.services.common.logging import configure_logging
from ecoeco.services.common.metrics import install_metrics
from ecoeco.services.common.migrations import apply_migrations, load_migrations
from ecoeco.services.common.openapi import install_problem_openapi
from ecoeco.services.common.settings import Settings, get_settings, require_safe_settings
from ecoeco.shared.redact import redact

StartupHook = Callable[[FastAPI], Awaitable[None]]

log = logging.getLogger("ecoeco.app")

MIGRATION_RETRY_S = (1.0, 2.0, 5.0, 10.0, 30.0)


async def _migrate_until_done(app: FastAPI, schema: str, package: str) -> None:
    """Apply migrations; while PostgreSQL is unreachable keep retrying (``/ready`` says why)."""
    settings: Settings = app.state.settings
    attempt = 0
    while True:
        try:
            await asyncio.to_thread(apply_migrations, settings.database_url, schema, package)
            app.state.migrations_pending = []
            app.state.migration_error = None
            return
        except Exception as exc:  # noqa: BLE001 -- retried with backoff; /ready reports the error
            app.state.migration_error = redact(f"{type(exc).__name__}: {exc}")[:300]
            delay = MIGRATION_RETRY_S[min(attempt, len(MIGRATION_RETRY_S) - 1)]
            log.warning(
                "migrations not applied, retrying",
                extra={"schema": schema, "error": type(exc).__name__, "retry_in_s": delay},
            )
            attempt += 1
            await asyncio.sleep(delay)


def create_service_app(
    service: str,
    routers: Sequence[APIRouter],
    *,
    schema: str | None = None,
    migrations_package: str | None = None,
    needs: Sequence[str] = ("postgres", "redis"),
    settings: Settings | None = None,
    on_startup: Sequence[StartupHook] = (),
    on_shutdown: Sequence[StartupHook] = (),
    title: str | None = None,
    description: str | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    # Before anything else: a production service with the sandbox's secrets must not come up at all.
    # Every API verifies tokens; the rest depends on what the service talks to.
    require_safe_settings(settings, uses=("jwt", *needs))
    unknown = set(needs) - set(KNOWN_DEPENDENCIES)
    if unknown:
        raise ValueError(f"unknown dependencies {sorted(unknown)}; known: {KNOWN_DEPENDENCIES}")
    if migrations_package and not schema:
        raise ValueError("migrations_package needs a schema")
    configure_logging(service, settings.log_level)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # wait=False with min_size=0: no connection is attempted here, so a down PostgreSQL
        # does not stop the service from starting.
        await app.state.db_pool.open(wait=False)
        background: list[asyncio.Task[None]] = []
        if migrations_package and schema:
            background.append(asyncio.create_task(_migrate_until_done(app, schema, migrations_package)))
        for hook in on_startup:
            await hook(app)
        log.info("service started", extra={"needs": list(needs)})
        try:
            yield
        finally:
            for hook in on_shutdown:
                with contextlib.suppress(Exception):
                    await hook(app)
            for task in background:
                task.cancel()
            for task in background:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await app.state.db_pool.close()
            await app.state.redis.aclose()

    app = FastAPI(
        title=title or f"Eco² {service}",
        description=description or f"The Eco² {service} service.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.service = service
    app.state.settings = settings
    app.state.schema = schema
    app.state.migrations_package = migrations_package
    # One breaker per backing service: a known-down dependency answers 503 + Retry-After at once.
    app.state.breakers = {name: Breaker(name) for name in KNOWN_DEPENDENCIES}
    app.state.db_pool = make_pool(settings.database_url, breaker=app.state.breakers["postgres"])
    app.state.redis = make_redis(
        settings.redis_url, breaker=app.state.breakers["redis"], name=client_name(service)
    )
    app.state.migration_error = None
    app.state.migrations_pending = (
        [f"{m.version:03d}_{m.name}" for m in load_migrations(migrations_package)]
        if migrations_package
        else []
    )

    install_error_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware, max_body=settings.max_json_body_bytes, max_upload=settings.max_upload_bytes
    )
    # Added last = outermost: 413s and every error response are counted too.
    install_metrics(app, service)
    app.include_router(health_router(service, needs))
    for router in routers:
        app.include_router(router)
    install_problem_openapi(app)
    return app
