"""chat-llm's own settings on top of the shared ones (``ECOECO_CHAT_*``)."""

from __future__ import annotations

from ecoeco.services.common.settings import Settings


class ChatSettings(Settings):
    # Each message may cost a model call: cap it per user (fixed 60 s window from the first message).
    chat_messages_per_minute: int = 20


def chat_settings(settings: Settings | None) -> ChatSettings:
    """The given shared settings, extended with the chat fields (from the environment unless given)."""
    if isinstance(settings, ChatSettings):
        return settings
    if settings is None:
        return ChatSettings()
    return ChatSettings(**{name: getattr(settings, name) for name in type(settings).model_fields})
