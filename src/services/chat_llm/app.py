"""The chat-llm service: disposal Q&A grounded in the recycle-info guides."""

from __future__ import annotations

from fastapi import FastAPI

from services.chat_llm.routes import router
from services.common.app import create_service_app
from services.common.settings import Settings
from services.recycle_info.catalog import load_catalog

SERVICE = "chat-llm"


def create_app(settings: Settings | None = None) -> FastAPI:
    load_catalog()  # the guides it grounds answers in must load
    return create_service_app(
        SERVICE,
        [router],
        schema="chat",
        migrations_package="services.chat_llm",
        needs=("postgres", "redis"),
        settings=settings,
        description="Chat about disposal: a model grounded in the guides when configured, else retrieval.",
    )
