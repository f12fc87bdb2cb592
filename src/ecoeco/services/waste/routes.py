"""``/api/v1/waste``: categories, and analyses (presigned or direct upload → q.storage → result)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import psycopg
import redis.asyncio as aioredis
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from fastapi import APIRouter, Depends, File, Path, Request, UploadFile
from psycopg.rows import dict_row

from ecoeco.services.common import job_status
from ecoeco.services.common.breaker import Breaker
from ecoeco.services.common.cache import get_redis
from ecoeco.services.common.db import Conn
from ecoeco.services.common.errors import ProblemError, retry_after
from ecoeco.services.common.job_status import JobView
from ecoeco.services.common.security import Principal, require_user
from ecoeco.services.waste.categories import NAMES_KO, SPECIAL
from ecoeco.services.waste.publisher import StoragePublisher
from ecoeco.services.waste.schemas import (
    Accepted,
    AnalysisRequest,
    AnalysisResult,
    AnalysisStatus,
    Category,
    UploadTicket,
)
from ecoeco.services.waste.uploads import Uploads, object_key, sniff_image
from ecoeco.shared.jobs import STEP_PENDING_UPLOAD, STEP_QUEUED, WASTE_CATEGORIES, JobStatus, step_ended

log = logging.getLogger("ecoeco.waste")

router = APIRouter(prefix="/api/v1/waste", tags=["waste"])

Redis = Annotated[aioredis.Redis, Depends(get_redis)]
CurrentUser = Annotated[Principal, Depends(require_user)]
JobId = Annotated[
    str, Path(pattern=r"^[0-9a-f]{32}$", description="Job id returned when the analysis started")
]

T = TypeVar("T")

S3_UNREACHABLE = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError)

AUTH: dict[int | str, dict[str, Any]] = {401: {"description": "Missing or invalid token"}}
JOB: dict[int | str, dict[str, Any]] = {**AUTH, 404: {"description": "No such analysis for this user"}}


def _unavailable(request: Request, dependency: str, what: str) -> ProblemError:
    return ProblemError(
        503,
        "Service Unavailable",
        f"{what} is unavailable; retry later.",
        headers={"Retry-After": retry_after(request, dependency)},
    )


async def _s3(request: Request, fn: Callable[..., T], *args: Any, network: bool = True) -> T:
    """Run an S3 call in a thread; ``network=False`` for local work (presigning) the breaker ignores."""
    breaker: Breaker = request.app.state.breakers["s3"]
    if network and not breaker.allow():
        raise _unavailable(request, "s3", "Object storage")
    try:
        result = await asyncio.to_thread(fn, *args)
    except (BotoCoreError, ClientError) as exc:
        log.warning("object storage error: %s", type(exc).__name__)
        if network:
            # Only "cannot reach it" opens the breaker; an error answer means the endpoint is up.
            if isinstance(exc, S3_UNREACHABLE):
                breaker.record_failure()
            else:
                breaker.record_success()
        raise _unavailable(request, "s3", "Object storage") from exc
    if network:
        breaker.record_success()
    return result


async def _publish(request: Request, job_id: str, user_id: str, key: str) -> None:
    publisher: StoragePublisher = request.app.state.publisher
    breaker: Breaker = request.app.state.breakers["rabbitmq"]
    if not breaker.allow():
        raise _unavailable(request, "rabbitmq", "The job queue")
    try:
        await asyncio.to_thread(publisher.publish, job_id, user_id, key)
    except Exception as exc:  # kombu/amqp raise many types; any of them means "not enqueued"
        log.warning("enqueue failed: %s", type(exc).__name__, extra={"job_id": job_id})
        breaker.record_failure()
        raise _unavailable(request, "rabbitmq", "The job queue") from exc
    breaker.record_success()


async def _owned(conn: psycopg.AsyncConnection, job_id: str, user_id: str) -> dict[str, Any]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT job_id, object_key, content_type, enqueued_at, expired_at FROM waste.analyses"
            " WHERE job_id = %s AND user_id = %s",
            (job_id, user_id),
        )
        row = await cur.fetchone()
    if row is None:
        raise ProblemError(404, "Not Found", "No such analysis.")
    return row


def _expired() -> ProblemError:
    return ProblemError(
        410, "Gone", "This analysis expired before its image was uploaded; start a new analysis."
    )


EXPIRED_ERROR = "The image was never uploaded; the analysis expired."


def _too_large(size: int, limit: int) -> ProblemError:
    return ProblemError(413, "Content Too Large", f"Images may be at most {limit} bytes; this one is {size}.")


@router.get("/categories", response_model=list[Category])
async def categories() -> list[Category]:
    return [Category(id=c, name_ko=NAMES_KO[c], special_stream=c in SPECIAL) for c in WASTE_CATEGORIES]


@router.post(
    "/analyses",
    status_code=201,
    response_model=UploadTicket,
    responses={**AUTH, 413: {"description": "Too large"}},
)
async def start_analysis(
    body: AnalysisRequest, principal: CurrentUser, request: Request, conn: Conn, redis: Redis
) -> UploadTicket:
    """Start an analysis: returns a presigned S3 PUT URL (5 min). PUT the image there with the given
    headers, then call ``upload-complete``."""
    settings = request.app.state.settings
    if body.size_bytes is not None and body.size_bytes > settings.max_upload_bytes:
        raise _too_large(body.size_bytes, settings.max_upload_bytes)
    job_id = uuid.uuid4().hex
    key = object_key(principal.user_id, job_id, body.content_type)
    uploads: Uploads = request.app.state.uploads
    url = await _s3(request, uploads.presign_put, key, body.content_type, network=False)
    await conn.execute(
        "INSERT INTO waste.analyses (job_id, user_id, object_key, content_type, source)"
        " VALUES (%s, %s, %s, %s, 'presigned')",
        (job_id, principal.user_id, key, body.content_type),
    )
    await job_status.advance_async(redis, job_id, STEP_PENDING_UPLOAD)
    return UploadTicket(
        job_id=job_id,
        object_key=key,
        upload_url=url,
        upload_headers={"Content-Type": body.content_type},
        expires_in=settings.presigned_url_ttl_s,
        status=JobStatus.PENDING_UPLOAD,
    )


@router.post(
    "/analyses/{job_id}/upload-complete",
    status_code=202,
    response_model=Accepted,
    responses={
        **JOB,
        409: {"description": "Nothing uploaded yet"},
        410: {"description": "Expired: the image never arrived in time; start a new analysis"},
        413: {"description": "Too large"},
    },
)
async def upload_complete(
    job_id: JobId, principal: CurrentUser, request: Request, conn: Conn, redis: Redis
) -> Accepted:
    """Enqueue the uploaded image for processing. Idempotent: a repeated call does not enqueue twice."""
    row = await _owned(conn, job_id, principal.user_id)
    if row["expired_at"] is not None:
        raise _expired()
    if row["enqueued_at"] is not None:
        current = await job_status.read_async(redis, job_id)
        return Accepted(job_id=job_id, status=current.status if current else JobStatus.QUEUED, enqueued=False)
    uploads: Uploads = request.app.state.uploads
    size = await _s3(request, uploads.size_of, row["object_key"])
    if size is None:
        raise ProblemError(
            409, "Conflict", "Nothing was uploaded for this analysis yet; PUT the image first."
        )
    limit = request.app.state.settings.max_upload_bytes
    if size > limit:
        await _s3(request, uploads.delete, row["object_key"])
        raise _too_large(size, limit)
    # Row lock + enqueued_at IS NULL: of two concurrent calls only one publishes. The cleanup holds
    # the same lock while it expires the row, so it and this call cannot both win.
    cur = await conn.execute(
        "UPDATE waste.analyses SET enqueued_at = now(), uploaded_bytes = %s"
        " WHERE job_id = %s AND enqueued_at IS NULL AND expired_at IS NULL RETURNING job_id",
        (size, job_id),
    )
    if await cur.fetchone() is None:
        if (await _owned(conn, job_id, principal.user_id))["expired_at"] is not None:
            raise _expired()
        return Accepted(job_id=job_id, status=JobStatus.QUEUED, enqueued=False)
    await _enqueue(request, redis, job_id, principal.user_id, row["object_key"])
    return Accepted(job_id=job_id, status=JobStatus.QUEUED, enqueued=True)


async def _enqueue(request: Request, redis: aioredis.Redis, job_id: str, user_id: str, key: str) -> None:
    # Status first: a fast worker may move the job on before send_task even returns.
    await job_status.advance_async(redis, job_id, STEP_QUEUED)
    try:
        await _publish(request, job_id, user_id, key)
    except ProblemError:
        # Not enqueued: the transaction rolls back, so the client can retry upload-complete. Only
        # while the job still shows queued: a worker that already has it got the message after all.
        await job_status.revert_async(redis, job_id, JobStatus.QUEUED, STEP_PENDING_UPLOAD)
        raise


@router.post(
    "/analyses/upload",
    status_code=202,
    response_model=Accepted,
    responses={
        **AUTH,
        413: {"description": "Too large"},
        415: {"description": "Not a JPEG, PNG or WebP image"},
    },
)
async def upload_direct(
    principal: CurrentUser,
    request: Request,
    conn: Conn,
    redis: Redis,
    file: Annotated[UploadFile, File(description="JPEG, PNG or WebP image")],
) -> Accepted:
    """Upload a small image in the request itself and enqueue it at once."""
    limit = request.app.state.settings.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise _too_large(len(data), limit)
    content_type = sniff_image(data)
    if content_type is None:
        raise ProblemError(415, "Unsupported Media Type", "The file is not a JPEG, PNG or WebP image.")
    job_id = uuid.uuid4().hex
    key = object_key(principal.user_id, job_id, content_type)
    uploads: Uploads = request.app.state.uploads
    await _s3(request, uploads.put, key, data, content_type)
    await conn.execute(
        "INSERT INTO waste.analyses (job_id, user_id, object_key, content_type, source, uploaded_bytes, enqueued_at)"
        " VALUES (%s, %s, %s, %s, 'direct', %s, now())",
        (job_id, principal.user_id, key, content_type, len(data)),
    )
    try:
        await _enqueue(request, redis, job_id, principal.user_id, key)
    except ProblemError:
        await _s3(request, uploads.delete, key)  # the row rolls back; do not leave an orphan object
        await job_status.forget_async(redis, job_id)
        raise
    return Accepted(job_id=job_id, status=JobStatus.QUEUED, enqueued=True)


async def _current(conn: psycopg.AsyncConnection, redis: aioredis.Redis, row: dict[str, Any]) -> JobView:
    if row["expired_at"] is not None:
        return JobView.of(step_ended(JobStatus.FAILED, "upload"), error=EXPIRED_ERROR)
    view = await job_status.read_async(redis, row["job_id"])
    if view is None:
        view = await job_status.read_synced(conn, row["job_id"])
    if view is None:
        view = JobView.of(STEP_QUEUED if row["enqueued_at"] else STEP_PENDING_UPLOAD)
    return view


@router.get("/analyses/{job_id}", response_model=AnalysisStatus, responses=JOB)
async def get_status(job_id: JobId, principal: CurrentUser, conn: Conn, redis: Redis) -> AnalysisStatus:
    row = await _owned(conn, job_id, principal.user_id)
    view = await _current(conn, redis, row)
    return AnalysisStatus(
        job_id=job_id,
        status=view.status,
        stage=view.stage,
        progress=view.progress,
        error=view.error,
        updated_at=view.updated_at,
        result_available=view.status == JobStatus.DONE and bool(view.result),
    )


@router.get(
    "/analyses/{job_id}/result",
    response_model=AnalysisResult,
    responses={**JOB, 409: {"description": "Not finished (or failed)"}},
)
async def get_result(
    job_id: JobId, principal: CurrentUser, request: Request, conn: Conn, redis: Redis
) -> AnalysisResult:
    row = await _owned(conn, job_id, principal.user_id)
    view = await _current(conn, redis, row)
    if view.status != JobStatus.DONE or view.result is None:
        raise ProblemError(
            409,
            "Conflict",
            f"The analysis is {view.status}; no result yet."
            if view.status not in (JobStatus.FAILED, JobStatus.DEAD)
            else f"The analysis ended {view.status}: {view.error or 'no detail'}",
            extra={"job_status": str(view.status)},
        )
    result = dict(view.result)  # edited below; the view itself stays as read
    result.pop("user_id", None)
    result["job_id"] = job_id
    if isinstance(result.get("thumb_key"), str):
        uploads: Uploads = request.app.state.uploads
        result["thumbnail_url"] = await _s3(request, uploads.presign_get, result["thumb_key"], network=False)
    return AnalysisResult(**result)
