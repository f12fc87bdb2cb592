"""The platform's main path through the public API: an image uploaded to the waste API goes
storage worker -> ai worker -> result, the status only moves forward, and after a sync the result
is in PostgreSQL exactly once and credited once in userinfo. Real worker processes, RabbitMQ,
Redis, PostgreSQL and a moto S3 endpoint."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from celery import Celery
from PIL import Image
from tests.conftest import create_vhost, delete_vhost
from tests.integration.api.conftest import bearer, mint_access_token
from tests.integration.api.live_server import serve, wait_ready
from tests.integration.workers.conftest import WorkerProcess, broadcast, wait_for

from ecoeco.services.common.settings import Settings
from ecoeco.shared.jobs import WASTE_CATEGORIES

pytestmark = pytest.mark.integration


def photo() -> bytes:
    img = Image.effect_noise((320, 240), 40).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


@pytest.fixture
def pipeline(
    waste_settings: Settings, tmp_path: Path
) -> Iterator[tuple[str, Settings, Celery, dict[str, str]]]:
    vhost = create_vhost("ecoeco-test-pipeline")
    settings = waste_settings.model_copy(update={"broker_url": f"amqp://guest:guest@127.0.0.1:5672/{vhost}"})
    control = Celery(broker=settings.broker_url, set_as_current=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOECO_")}
    env.update(
        {
            "ECOECO_DATABASE_URL": settings.database_url,
            "ECOECO_BROKER_URL": settings.broker_url,
            "ECOECO_REDIS_URL": settings.redis_url,
            "ECOECO_S3_ENDPOINT_URL": str(settings.s3_endpoint_url),
            "ECOECO_S3_BUCKET": settings.s3_bucket,
            "ECOECO_MAX_UPLOAD_BYTES": str(settings.max_upload_bytes),
            "ECOECO_WAL_DIR": str(tmp_path / "wal"),
            "ECOECO_WAL_SYNC_INTERVAL_S": "300",  # only the explicit wal_sync below syncs
        }
    )
    from ecoeco.services.waste.app import create_app

    try:
        with serve(create_app(settings)) as base:
            wait_ready(base)
            yield base, settings, control, env
    finally:
        control.close()
        delete_vhost(vhost)


def test_upload_through_the_api_reaches_a_result_synced_exactly_once(
    pipeline: tuple[str, Settings, Celery, dict[str, str]], userinfo_url: str, tmp_path: Path
) -> None:
    base, settings, control, env = pipeline
    workers = [WorkerProcess(name, env, tmp_path) for name in ("storage", "ai")]
    try:
        for worker in workers:
            worker.start(control)
        user_id = f"pipeline-{time.time_ns()}"
        headers = bearer(mint_access_token(settings, user_id, "pipe@example.com"))

        ticket = httpx.post(f"{base}/api/v1/waste/analyses", headers=headers, json={}).json()
        httpx.put(ticket["upload_url"], content=photo(), headers=ticket["upload_headers"]).raise_for_status()
        job_id = ticket["job_id"]
        assert (
            httpx.post(f"{base}/api/v1/waste/analyses/{job_id}/upload-complete", headers=headers).status_code
            == 202
        )

        seen: list[int] = []

        def done() -> dict | None:
            status = httpx.get(f"{base}/api/v1/waste/analyses/{job_id}", headers=headers).json()
            seen.append(status["progress"])
            assert status["status"] not in ("failed", "dead"), status
            return status if status["status"] == "done" else None

        wait_for(done, timeout=90, what="analysis done")
        assert seen == sorted(seen), f"progress went backwards: {seen}"
        result = httpx.get(f"{base}/api/v1/waste/analyses/{job_id}/result", headers=headers).json()
        assert result["category"] in WASTE_CATEGORIES and result["points"] >= 0
        thumb = httpx.get(result["thumbnail_url"])
        assert thumb.status_code == 200
        assert max(Image.open(io.BytesIO(thumb.content)).size) <= 300

        # Asking again does not enqueue the job a second time.
        again = httpx.post(f"{base}/api/v1/waste/analyses/{job_id}/upload-complete", headers=headers).json()
        assert again["enqueued"] is False

        for worker in workers:
            assert broadcast(control, "wal_sync", worker.node)["ok"] is True

        def synced() -> list[tuple] | None:
            with psycopg.connect(settings.database_url) as conn:
                rows = conn.execute(
                    "SELECT worker, state, count(*) OVER (PARTITION BY task_id) FROM tasks.task_results"
                    " WHERE job_id = %s ORDER BY worker",
                    (job_id,),
                ).fetchall()
            return rows if len(rows) == 2 else None

        rows = wait_for(synced, timeout=30, what="both tasks synced")
        assert rows == [("ai", "succeeded", 1), ("storage", "succeeded", 1)]

        points = httpx.get(f"{userinfo_url}/api/v1/users/me/points", headers=headers).json()
        assert points["points"] == result["points"] and points["analyses"] == 1
        history = httpx.get(f"{userinfo_url}/api/v1/users/me/activities", headers=headers).json()
        assert [a["job_id"] for a in history["items"]] == [job_id]
    finally:
        for worker in workers:
            worker.stop()
            print(f"--- {worker.worker} log ---\n{worker.log()}")
