"""Request and response shapes of the chat API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class SessionCreate(BaseModel):
    title: str | None = Field(default=None, max_length=100)


class SessionOut(BaseModel):
    id: str
    title: str | None
    created_at: float
    updated_at: float
    message_count: int


class SessionList(BaseModel):
    sessions: list[SessionOut]


class Source(BaseModel):
    type: Literal["item", "faq"]
    id: str
    title: str
    category: str | None
    category_name: str | None


class MessageOut(BaseModel):
    id: str
    role: Literal["user", "assistant"]
    content: str
    created_at: float
    mode: Literal["model", "retrieval"] | None = None
    sources: list[Source] = []
    model: str | None = None
    degraded: bool = False  # a model is configured but failed; this answer came from retrieval


class MessageList(BaseModel):
    session_id: str
    messages: list[MessageOut]


class MessageCreate(BaseModel):
    content: str = Field(min_length=1, max_length=2000)


class Exchange(BaseModel):
    question: MessageOut
    answer: MessageOut


class Suggestions(BaseModel):
    suggestions: list[str]


class FeedbackIn(BaseModel):
    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=1000)


class FeedbackOut(BaseModel):
    session_id: str
    message_id: str
    rating: int
    comment: str | None
