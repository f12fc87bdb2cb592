"""The userinfo service."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import create_service_app
from services.common.settings import Settings
from services.userinfo.routes import router

SERVICE = "userinfo"


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        SERVICE,
        [router],
        schema="userinfo",
        migrations_package="services.userinfo",
        needs=("postgres", "redis"),
        settings=settings,
        description="Profiles, points and levels, activity history (from completed analyses), soft delete.",
    )
