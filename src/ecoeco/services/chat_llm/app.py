"""The chat-llm service: disposal Q&A grounded in the recycle-info guides."""

from __future__ import annotations

from fastapi import FastAPI

from ecoeco.services.chat_llm.metrics import ChatMetrics
from ecoeco.services.chat_llm.routes import router
from ecoeco.services.chat_llm.settings import chat_settings
from ecoeco.services.common.app import create_service_app
from ecoeco.services.common.settings import Settings
from ecoeco.services.recycle_info.catalog import load_catalog

SERVICE = "chat-llm"


def create_app(settings: Settings | None = None) -> FastAPI:
    load_catalog()  # the guides it grounds answers in must load
    app = create_service_app(
        SERVICE,
        [router],
        schema="chat",
        migrations_package="ecoeco.services.chat_llm",
        needs=("postgres", "redis"),
        settings=chat_settings(settings),
        description="Chat about disposal: a model grounded in the guides when configured, else retrieval.",
    )
    app.state.chat_metrics = ChatMetrics(app.state.metrics.registry)
    return app
