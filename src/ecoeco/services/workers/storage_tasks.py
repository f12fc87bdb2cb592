"""The storage worker's task: check the upload, strip metadata, thumbnail, store, hand to ``q.ai``.

Keys are derived from the job id only (``images/<job>/image``, ``images/<job>/thumb.jpg``), so a
re-run overwrites the same objects and hands the same task id to the AI worker.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from ecoeco.services.common import job_status
from ecoeco.services.workers import runtime
from ecoeco.services.workers.celery_app import app
from ecoeco.services.workers.clients import s3_for
from ecoeco.services.workers.imaging import ImageRejected, clean_image
from ecoeco.services.workers.journaled import JournaledTask, PermanentTaskError
from ecoeco.shared.jobs import (
    STEP_HANDED_TO_AI,
    STEP_STORAGE_STARTED,
    STEP_STORAGE_STORED,
    TASK_AI,
    TASK_STORAGE,
    task_id,
)


def image_key(job_id: str) -> str:
    return f"images/{job_id}/image"


def thumb_key(job_id: str) -> str:
    return f"images/{job_id}/thumb.jpg"


def _read_upload(s3: Any, bucket: str, object_key: str, job_id: str, max_bytes: int) -> bytes:
    for key in (object_key, image_key(job_id)):  # a re-run after the original was removed uses the clean copy
        try:
            head = s3.head_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                continue
            raise
        if head["ContentLength"] > max_bytes:
            raise PermanentTaskError(f"upload too large: {head['ContentLength']} bytes (max {max_bytes})")
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read(max_bytes + 1)
    raise PermanentTaskError(f"uploaded object {object_key!r} not found in bucket {bucket!r}")


@app.task(bind=True, base=JournaledTask, name=TASK_STORAGE, worker="storage")
def process_upload(self: JournaledTask, job_id: str, user_id: str, object_key: str) -> dict[str, Any]:
    rt = runtime.current()
    settings = rt.settings
    s3 = s3_for(settings)
    job_status.advance(rt.redis, job_id, STEP_STORAGE_STARTED)
    raw = _read_upload(s3, settings.s3_bucket, object_key, job_id, settings.max_upload_bytes)
    try:
        img = clean_image(raw)
    except ImageRejected as exc:
        raise PermanentTaskError(str(exc)) from exc
    meta = {"sha256": img.sha256, "phash": img.phash, "job-id": job_id}
    s3.put_object(
        Bucket=settings.s3_bucket,
        Key=image_key(job_id),
        Body=img.data,
        ContentType=img.content_type,
        Metadata=meta,
    )
    s3.put_object(
        Bucket=settings.s3_bucket,
        Key=thumb_key(job_id),
        Body=img.thumbnail,
        ContentType="image/jpeg",
        Metadata=meta,
    )
    if object_key != image_key(job_id):
        # The original still carries EXIF/GPS; only the cleaned copy is kept.
        s3.delete_object(Bucket=settings.s3_bucket, Key=object_key)
    job_status.advance(rt.redis, job_id, STEP_STORAGE_STORED)
    ai_kwargs = {
        "job_id": job_id,
        "user_id": user_id,
        "image_key": image_key(job_id),
        "thumb_key": thumb_key(job_id),
        "checksum": img.sha256,
        "phash": img.phash,
    }
    # Status before the hand-off, so the AI stage's writes come after it (the guard would refuse
    # this one if they did not, but the job would skip a step).
    job_status.advance(rt.redis, job_id, STEP_HANDED_TO_AI)
    self.app.send_task(TASK_AI, kwargs=ai_kwargs, task_id=task_id(job_id, "ai"))
    return {**ai_kwargs, "width": img.width, "height": img.height, "bytes": len(img.data), "format": img.ext}
