"""The AI worker's task: classify (with a perceptual-hash cache), look up the disposal rule,
compute the points, publish the result to the job status and return it (journal, then ack)."""

from __future__ import annotations

import json
import logging
from typing import Any

import redis

from ecoeco.services.common import job_status
from ecoeco.services.common.settings import Settings
from ecoeco.services.workers import runtime
from ecoeco.services.workers.celery_app import app
from ecoeco.services.workers.clients import s3_for
from ecoeco.services.workers.journaled import JournaledTask, PermanentTaskError
from ecoeco.services.workers.vision import VisionBackend, make_backend
from ecoeco.shared.jobs import STEP_ANALYZING, STEP_DONE, TASK_AI

log = logging.getLogger(__name__)

PHASH_CACHE_TTL_S = 30 * 24 * 3600
# Points credited for a completed analysis; the userinfo service reads them from the result.
POINTS_RECYCLABLE = 10
POINTS_NOT_RECYCLABLE = 2


def phash_cache_key(phash: str) -> str:
    return f"ecoeco:ai:phash:{phash}"


_backends: dict[int, VisionBackend] = {}


def _backend(settings: Settings) -> VisionBackend:
    backend = _backends.get(id(settings))
    if backend is None:
        backend = _backends[id(settings)] = make_backend(settings)
    return backend


def disposal_guide(category: str, item: str | None) -> dict[str, Any] | None:
    try:
        from ecoeco.services.recycle_info.guides import disposal_rule  # lazily: recycle-info's data set
    except ImportError:
        log.warning("recycle-info guides not installed; result carries no disposal guide")
        return None
    try:
        return disposal_rule(category, item)
    except ValueError as exc:
        log.warning("no disposal rule for %s/%s: %s", category, item, exc)
        return None


def _cached(client: Any, phash: str) -> dict[str, Any] | None:
    try:
        raw = client.get(phash_cache_key(phash))
    except redis.RedisError as exc:
        log.warning("phash cache unavailable: %s", exc)
        return None
    return json.loads(raw) if raw else None


def _remember(client: Any, phash: str, classification: dict[str, Any]) -> None:
    try:
        client.set(
            phash_cache_key(phash), json.dumps(classification, ensure_ascii=False), ex=PHASH_CACHE_TTL_S
        )
    except redis.RedisError as exc:
        log.warning("phash cache write failed: %s", exc)


@app.task(bind=True, base=JournaledTask, name=TASK_AI, worker="ai", final_stage=True)
def classify(
    self: JournaledTask,
    job_id: str,
    user_id: str,
    image_key: str,
    thumb_key: str,
    checksum: str,
    phash: str,
) -> dict[str, Any]:
    rt = runtime.current()
    job_status.advance(rt.redis, job_id, STEP_ANALYZING)
    classification = _cached(rt.redis, phash) if phash else None
    cache = "hit" if classification else "miss"
    if classification is None:
        s3 = s3_for(rt.settings)
        try:
            image = s3.get_object(Bucket=rt.settings.s3_bucket, Key=thumb_key)["Body"].read()
        except s3.exceptions.NoSuchKey as exc:
            raise PermanentTaskError(f"thumbnail {thumb_key!r} not found") from exc
        classification = _backend(rt.settings).classify(image)
        if phash:
            _remember(rt.redis, phash, classification)
    guide = disposal_guide(classification["category"], classification.get("item"))
    recyclable = bool(guide and guide.get("recyclable"))
    result = {
        "job_id": job_id,
        "user_id": user_id,
        "category": guide["category"] if guide else classification["category"],
        "item": (guide or {}).get("item") or classification.get("item"),
        "state": classification["state"],
        "confidence": classification["confidence"],
        "classifier": {k: classification[k] for k in ("backend", "is_model", "model") if k in classification},
        "disposal": guide,
        "points": POINTS_RECYCLABLE if recyclable else POINTS_NOT_RECYCLABLE,
        "image_key": image_key,
        "thumb_key": thumb_key,
        "checksum": checksum,
        "phash": phash,
        "cache": cache,
    }
    job_status.advance(rt.redis, job_id, STEP_DONE, result=result)
    return result
