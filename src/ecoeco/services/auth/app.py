"""The auth service."""

from __future__ import annotations

from fastapi import FastAPI

from ecoeco.services.auth.routes import router
from ecoeco.services.common.app import create_service_app
from ecoeco.services.common.settings import Settings

SERVICE = "auth"


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        SERVICE,
        [router],
        schema="auth",
        migrations_package="ecoeco.services.auth",
        needs=("postgres", "redis"),
        settings=settings,
        description="Accounts, password and OAuth login (Kakao, Google, Naver), JWT access and refresh tokens.",
    )
