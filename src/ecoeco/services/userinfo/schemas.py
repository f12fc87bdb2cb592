"""Request and response bodies of the userinfo API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["ko", "en"]
Theme = Literal["system", "light", "dark"]


class Notifications(BaseModel):
    push: bool = True
    email: bool = False
    marketing: bool = False


class NotificationsPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    push: bool | None = None
    email: bool | None = None
    marketing: bool | None = None


class Profile(BaseModel):
    user_id: str
    nickname: str
    avatar_url: str | None
    language: Language
    theme: Theme
    notifications: Notifications
    created_at: datetime
    updated_at: datetime


class ProfilePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nickname: str | None = Field(default=None, min_length=1, max_length=30, pattern=r"^[^\x00-\x1f\x7f]*$")
    avatar_url: str | None = Field(default=None, max_length=2048, pattern=r"^https?://\S+$")
    language: Language | None = None
    theme: Theme | None = None
    notifications: NotificationsPatch | None = None


class Points(BaseModel):
    points: int
    level: int
    level_name: str
    next_level_at: int | None = Field(description="Points needed for the next level; null at the top level")
    analyses: int


class Activity(BaseModel):
    job_id: str | None
    task_id: str
    category: str | None
    item: str | None
    points: int
    completed_at: datetime | None


class ActivityPage(BaseModel):
    items: list[Activity]
    total: int
    limit: int
    offset: int
