"""Request and response bodies of the auth API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# No control characters (PostgreSQL text cannot hold NUL) and no whitespace.
EMAIL_PATTERN = r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]{1,190}\.[^@\s.\x00-\x1f\x7f]{2,63}$"
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
Provider = Literal["kakao", "google", "naver"]


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(pattern=EMAIL_PATTERN, max_length=254, examples=["user@example.com"])
    password: str = Field(min_length=8, max_length=128)


class Registration(Credentials):
    display_name: str | None = Field(default=None, min_length=1, max_length=50, pattern=PRINTABLE)


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str = Field(min_length=1, max_length=4096)


class LogoutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str | None = Field(default=None, min_length=1, max_length=4096)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    user_id: str


class User(BaseModel):
    id: str
    email: str | None
    display_name: str | None
    created_at: datetime
    providers: list[str]


class AuthorizeResponse(BaseModel):
    authorization_url: str
    state: str
    expires_in: int
