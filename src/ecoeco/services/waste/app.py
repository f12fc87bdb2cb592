"""The waste service."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from ecoeco.services.common.app import create_service_app
from ecoeco.services.common.settings import Settings, get_settings
from ecoeco.services.waste.cleanup import start_cleanup, stop_cleanup
from ecoeco.services.waste.publisher import StoragePublisher
from ecoeco.services.waste.routes import router
from ecoeco.services.waste.uploads import Uploads

SERVICE = "waste"


async def _close_publisher(app: FastAPI) -> None:
    await asyncio.to_thread(app.state.publisher.close)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = create_service_app(
        SERVICE,
        [router],
        schema="waste",
        migrations_package="ecoeco.services.waste",
        needs=("postgres", "redis", "rabbitmq", "s3"),
        settings=settings,
        on_startup=[start_cleanup],
        on_shutdown=[stop_cleanup, _close_publisher],
        description="Waste categories and image analyses: upload to S3, enqueue to q.storage, status, result.",
    )
    # Neither connects here: S3 and RabbitMQ are reached on first use (and checked by /ready).
    app.state.uploads = Uploads(settings)
    app.state.publisher = StoragePublisher(settings)
    return app
