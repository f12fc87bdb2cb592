"""The userinfo service."""

from __future__ import annotations

from fastapi import FastAPI

from ecoeco.services.common.app import create_service_app
from ecoeco.services.common.settings import Settings
from ecoeco.services.userinfo.routes import router

SERVICE = "userinfo"


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        SERVICE,
        [router],
        schema="userinfo",
        migrations_package="ecoeco.services.userinfo",
        needs=("postgres", "redis"),
        settings=settings,
        description="Profiles, points and levels, activity history (from completed analyses), soft delete.",
    )
