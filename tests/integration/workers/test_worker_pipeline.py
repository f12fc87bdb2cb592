"""storage -> ai -> result, end to end through real worker processes, RabbitMQ, Redis, S3 (moto)
and PostgreSQL; after a sync each task is in ``tasks.task_results`` exactly once."""

from __future__ import annotations

import io
import json

import psycopg
import pytest
import redis
from PIL import Image
from tests.integration.workers.conftest import (
    BUCKET,
    broadcast,
    new_job_id,
    photo_bytes,
    send_storage,
    upload,
    wait_for,
)

from ecoeco.shared.jobs import WASTE_CATEGORIES, job_status_key, task_id

pytestmark = pytest.mark.integration


def pg_rows(pg_url: str, job_id: str) -> list[tuple]:
    with psycopg.connect(pg_url) as conn:
        return conn.execute(
            "SELECT task_id, worker, state, attempts, result FROM tasks.task_results"
            " WHERE job_id = %s ORDER BY task_id",
            (job_id,),
        ).fetchall()


def test_upload_is_cleaned_classified_and_synced_once(
    worker_env, start_worker, client_app, s3_client, pg_url, redis_url
):
    storage = start_worker("storage", worker_env)
    ai = start_worker("ai", worker_env)
    job_id = new_job_id()
    key = upload(s3_client, job_id, photo_bytes(seed=3))

    send_storage(client_app, job_id, key)
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    status = wait_for(
        lambda: (s := r.hgetall(job_status_key(job_id))).get("status") == "done" and s,
        timeout=60,
        what="job status done",
    )
    result = json.loads(status["result"])
    assert result["category"] in WASTE_CATEGORIES
    assert result["state"] in ("clean", "dirty", "mixed")
    # The offline classifier says what it is.
    assert result["classifier"] == {"backend": "heuristic", "is_model": False}
    assert result["disposal"] and result["disposal"]["how"]
    assert result["points"] > 0

    # Stored image: metadata gone; thumbnail within 300 px; the original with EXIF removed.
    clean = s3_client.get_object(Bucket=BUCKET, Key=f"images/{job_id}/image")["Body"].read()
    assert not Image.open(io.BytesIO(clean)).getexif()
    thumb = Image.open(
        io.BytesIO(s3_client.get_object(Bucket=BUCKET, Key=f"images/{job_id}/thumb.jpg")["Body"].read())
    )
    assert max(thumb.size) == 300
    assert s3_client.list_objects_v2(Bucket=BUCKET, Prefix=f"uploads/{job_id}/")["KeyCount"] == 0

    # Both journals hold their own task only (the AI worker never writes the storage journal).
    assert storage.states() == {task_id(job_id, "storage"): "succeeded"}
    assert ai.states() == {task_id(job_id, "ai"): "succeeded"}

    # A duplicate delivery of the same task is recognised and not run again.
    send_storage(client_app, job_id, key)
    wait_for(lambda: _skipped(storage), what="the duplicate delivery skipped")

    for proc in (storage, ai):
        assert broadcast(client_app, "wal_sync", proc.node) == {"ok": True, "accepted": "sync"}
    rows = wait_for(
        lambda: len(pg_rows(pg_url, job_id)) == 2 and pg_rows(pg_url, job_id), what="rows in PostgreSQL"
    )
    assert [(t, w, s, a) for t, w, s, a, _ in rows] == [
        (task_id(job_id, "ai"), "ai", "succeeded", 1),
        (task_id(job_id, "storage"), "storage", "succeeded", 1),
    ]
    assert rows[0][4]["category"] == result["category"]
    wait_for(lambda: storage.metric("ecoeco_wal_unsynced_rows") == 0, what="storage backlog drained")

    # Syncing again changes nothing: still exactly one row per task.
    broadcast(client_app, "wal_sync", storage.node)
    wait_for(lambda: storage.metric("ecoeco_wal_last_sync_success_timestamp_seconds"), what="sync")
    assert len(pg_rows(pg_url, job_id)) == 2

    # The same picture uploaded again is answered from the perceptual-hash cache.
    again = new_job_id()
    send_storage(client_app, again, upload(s3_client, again, photo_bytes(seed=3)))
    status2 = wait_for(
        lambda: (s := r.hgetall(job_status_key(again))).get("status") == "done" and s, what="second job done"
    )
    second = json.loads(status2["result"])
    assert second["cache"] == "hit"
    assert (second["category"], second["phash"]) == (result["category"], result["phash"])


def _skipped(proc) -> bool:
    for line in proc.metrics().splitlines():
        if line.startswith("ecoeco_worker_tasks_total{") and 'outcome="skipped"' in line:
            return float(line.rsplit(" ", 1)[1]) >= 1
    return False
