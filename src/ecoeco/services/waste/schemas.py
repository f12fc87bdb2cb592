"""Request and response bodies of the waste API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ecoeco.shared.jobs import JobStatus

ImageType = Literal["image/jpeg", "image/png", "image/webp"]


class Category(BaseModel):
    id: str
    name_ko: str
    special_stream: bool


class AnalysisRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content_type: ImageType = "image/jpeg"
    size_bytes: int | None = Field(default=None, ge=1, description="Size the client intends to upload")


class UploadTicket(BaseModel):
    job_id: str
    object_key: str
    upload_url: str
    upload_method: Literal["PUT"] = "PUT"
    upload_headers: dict[str, str]
    expires_in: int
    status: JobStatus


class Accepted(BaseModel):
    job_id: str
    status: JobStatus
    enqueued: bool = Field(description="False when this call found the job already enqueued")


class AnalysisStatus(BaseModel):
    job_id: str
    status: JobStatus
    stage: str | None = None
    progress: int = Field(ge=0, le=100)
    error: str | None = None
    updated_at: float | None = None
    result_available: bool


class AnalysisResult(BaseModel):
    model_config = ConfigDict(extra="allow")
    job_id: str
    category: str
    item: str | None = None
    state: str | None = Field(default=None, description="clean, dirty or mixed")
    confidence: float | None = None
    disposal: dict[str, Any] | None = None
    points: int | None = None
    classifier: dict[str, Any] | None = None
    thumbnail_url: str | None = Field(
        default=None, description="Presigned GET of the 300 px thumbnail (5 min)"
    )
