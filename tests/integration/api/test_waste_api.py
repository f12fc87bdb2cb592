"""waste over HTTP against real PostgreSQL, Redis, RabbitMQ and a moto S3 endpoint."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import psycopg
import pytest
import redis
from kombu import Connection
from PIL import Image
from tests.conftest import free_port
from tests.integration.api.conftest import assert_problem, bearer, mint_access_token
from tests.integration.api.live_server import serve

from ecoeco.services.common import job_status
from ecoeco.services.common.messaging import declare_topology
from ecoeco.services.common.migrations import apply_migrations
from ecoeco.services.common.settings import Settings
from ecoeco.shared.jobs import STEP_DONE, TASK_STORAGE, job_status_key
from ecoeco.shared.names import Q_STORAGE

pytestmark = pytest.mark.integration


def png(size: tuple[int, int] = (32, 24), noise: bool = False) -> bytes:
    img = Image.effect_noise(size, 60).convert("RGB") if noise else Image.new("RGB", size, (0, 128, 255))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def drain_storage_queue(settings: Settings) -> list[dict[str, Any]]:
    """Every message now in q.storage (consumed), as {headers, kwargs}."""
    messages = []
    with Connection(settings.broker_url) as conn:
        channel = conn.default_channel
        declare_topology(channel)
        while (msg := channel.basic_get(Q_STORAGE, no_ack=True)) is not None:
            args, kwargs, _ = json.loads(msg.body)
            messages.append({"headers": msg.headers, "kwargs": kwargs})
    return messages


@pytest.fixture
def s3(waste_settings: Settings) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=waste_settings.s3_endpoint_url,
        region_name=waste_settings.aws_region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def user(waste_settings: Settings) -> Iterator[tuple[str, dict[str, str]]]:
    user_id = str(uuid.uuid4())
    yield user_id, bearer(mint_access_token(waste_settings, user_id))


@pytest.fixture(autouse=True)
def empty_queue(waste_url: str, waste_settings: Settings) -> None:
    drain_storage_queue(waste_settings)


def start(base: str, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    resp = httpx.post(f"{base}/api/v1/waste/analyses", headers=headers, json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_categories_include_the_korean_special_streams(waste_url: str) -> None:
    cats = {c["id"]: c for c in httpx.get(f"{waste_url}/api/v1/waste/categories").json()}
    assert len(cats) == 9
    assert cats["clear_pet"] == {"id": "clear_pet", "name_ko": "투명 페트병", "special_stream": True}
    assert cats["plastic"]["special_stream"] is False


def test_presigned_upload_then_complete_enqueues_exactly_once(
    waste_url: str, waste_settings: Settings, user: tuple[str, dict[str, str]], s3: Any
) -> None:
    user_id, headers = user
    ticket = start(waste_url, headers, content_type="image/png")
    assert ticket["status"] == "pending_upload" and ticket["expires_in"] == 300
    put = httpx.put(ticket["upload_url"], content=png(), headers=ticket["upload_headers"])
    assert put.status_code == 200, put.text
    assert s3.head_object(Bucket=waste_settings.s3_bucket, Key=ticket["object_key"])["ContentLength"] > 0

    job_id = ticket["job_id"]
    done = httpx.post(f"{waste_url}/api/v1/waste/analyses/{job_id}/upload-complete", headers=headers)
    assert done.status_code == 202 and done.json() == {"job_id": job_id, "status": "queued", "enqueued": True}
    again = httpx.post(f"{waste_url}/api/v1/waste/analyses/{job_id}/upload-complete", headers=headers)
    assert again.status_code == 202 and again.json()["enqueued"] is False

    messages = drain_storage_queue(waste_settings)
    assert len(messages) == 1
    assert messages[0]["headers"]["task"] == TASK_STORAGE
    assert messages[0]["headers"]["id"] == f"{job_id}:storage"
    assert messages[0]["kwargs"] == {"job_id": job_id, "user_id": user_id, "object_key": ticket["object_key"]}

    status = httpx.get(f"{waste_url}/api/v1/waste/analyses/{job_id}", headers=headers).json()
    assert status["status"] == "queued" and status["progress"] == 10 and status["result_available"] is False


def test_upload_complete_without_an_upload_is_a_conflict(
    waste_url: str, user: tuple[str, dict[str, str]]
) -> None:
    _, headers = user
    ticket = start(waste_url, headers)
    resp = httpx.post(
        f"{waste_url}/api/v1/waste/analyses/{ticket['job_id']}/upload-complete", headers=headers
    )
    assert_problem(resp, 409)
    status = httpx.get(f"{waste_url}/api/v1/waste/analyses/{ticket['job_id']}", headers=headers).json()
    assert status["status"] == "pending_upload"


def test_oversized_presigned_upload_is_rejected_and_removed(
    waste_url: str, waste_settings: Settings, user: tuple[str, dict[str, str]], s3: Any
) -> None:
    _, headers = user
    ticket = start(waste_url, headers, content_type="image/png")
    big = b"\x89PNG" + b"\0" * (waste_settings.max_upload_bytes + 10)
    httpx.put(ticket["upload_url"], content=big, headers=ticket["upload_headers"]).raise_for_status()
    resp = httpx.post(
        f"{waste_url}/api/v1/waste/analyses/{ticket['job_id']}/upload-complete", headers=headers
    )
    assert_problem(resp, 413)
    listed = s3.list_objects_v2(Bucket=waste_settings.s3_bucket, Prefix=ticket["object_key"])
    assert listed.get("KeyCount", 0) == 0
    assert drain_storage_queue(waste_settings) == []
    announced = httpx.post(
        f"{waste_url}/api/v1/waste/analyses",
        headers=headers,
        json={"size_bytes": waste_settings.max_upload_bytes + 1},
    )
    assert_problem(announced, 413)


def test_jobs_are_private_and_ids_validated(
    waste_url: str, user: tuple[str, dict[str, str]], waste_settings: Settings
) -> None:
    _, headers = user
    ticket = start(waste_url, headers)
    stranger = bearer(mint_access_token(waste_settings))
    for path in ("", "/result"):
        assert_problem(
            httpx.get(f"{waste_url}/api/v1/waste/analyses/{ticket['job_id']}{path}", headers=stranger), 404
        )
    assert_problem(
        httpx.post(f"{waste_url}/api/v1/waste/analyses/{ticket['job_id']}/upload-complete", headers=stranger),
        404,
    )
    assert_problem(httpx.get(f"{waste_url}/api/v1/waste/analyses/not-a-job", headers=headers), 422)
    assert_problem(httpx.get(f"{waste_url}/api/v1/waste/analyses/{ticket['job_id']}"), 401)
    assert_problem(
        httpx.post(f"{waste_url}/api/v1/waste/analyses", headers=headers, json={"content_type": "text/html"}),
        422,
    )


def test_direct_upload_stores_the_image_and_enqueues(
    waste_url: str, waste_settings: Settings, user: tuple[str, dict[str, str]], s3: Any
) -> None:
    user_id, headers = user
    data = png((64, 64))
    # The claimed type is ignored: the bytes are sniffed.
    resp = httpx.post(
        f"{waste_url}/api/v1/waste/analyses/upload",
        headers=headers,
        files={"file": ("x.jpg", data, "image/jpeg")},
    )
    assert resp.status_code == 202, resp.text
    job_id = resp.json()["job_id"]
    key = f"uploads/{user_id}/{job_id}.png"
    assert s3.get_object(Bucket=waste_settings.s3_bucket, Key=key)["Body"].read() == data
    messages = drain_storage_queue(waste_settings)
    assert [m["kwargs"]["object_key"] for m in messages] == [key]


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (b"%PDF-1.4 not an image", 415),
        (b"\x89PNG\r\n\x1a\n truncated", 415),
        (b"", 415),
    ],
)
def test_direct_upload_rejects_non_images(
    waste_url: str, waste_settings: Settings, user: tuple[str, dict[str, str]], payload: bytes, status: int
) -> None:
    _, headers = user
    resp = httpx.post(
        f"{waste_url}/api/v1/waste/analyses/upload",
        headers=headers,
        files={"file": ("a.png", payload, "image/png")},
    )
    assert_problem(resp, status)
    assert drain_storage_queue(waste_settings) == []


def test_direct_upload_rejects_oversize_and_missing_file(
    waste_url: str, waste_settings: Settings, user: tuple[str, dict[str, str]]
) -> None:
    _, headers = user
    big = png((400, 400), noise=True)
    assert len(big) > waste_settings.max_upload_bytes
    resp = httpx.post(
        f"{waste_url}/api/v1/waste/analyses/upload",
        headers=headers,
        files={"file": ("big.png", big, "image/png")},
    )
    assert_problem(resp, 413)
    assert_problem(
        httpx.post(f"{waste_url}/api/v1/waste/analyses/upload", headers=headers, data={"x": "1"}), 422
    )
    assert drain_storage_queue(waste_settings) == []


def test_status_and_result_follow_the_workers(
    waste_url: str, waste_settings: Settings, user: tuple[str, dict[str, str]], pg_url: str
) -> None:
    user_id, headers = user
    resp = httpx.post(
        f"{waste_url}/api/v1/waste/analyses/upload",
        headers=headers,
        files={"file": ("a.png", png(), "image/png")},
    )
    job_id = resp.json()["job_id"]
    assert_problem(httpx.get(f"{waste_url}/api/v1/waste/analyses/{job_id}/result", headers=headers), 409)

    result = {
        "job_id": job_id,
        "user_id": user_id,
        "category": "clear_pet",
        "item": "생수병",
        "state": "clean",
        "confidence": 0.91,
        "points": 10,
        "disposal": {"how": "라벨 제거 후 압착"},
    }
    r = redis.Redis.from_url(waste_settings.redis_url)
    # What the AI worker writes when it finishes (its writer, through the same guard).
    assert job_status.advance(r, job_id, STEP_DONE, result=result)
    status = httpx.get(f"{waste_url}/api/v1/waste/analyses/{job_id}", headers=headers).json()
    assert status["status"] == "done" and status["progress"] == 100 and status["result_available"]
    got = httpx.get(f"{waste_url}/api/v1/waste/analyses/{job_id}/result", headers=headers).json()
    assert got["category"] == "clear_pet" and got["state"] == "clean" and "user_id" not in got

    # After the status hash expires, the synced journal row in PostgreSQL answers.
    r.delete(job_status_key(job_id))
    apply_migrations(pg_url, "tasks", "ecoeco.services.workers")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO tasks.task_results (task_id, job_id, worker, task_name, user_id, state, attempts, result,"
            " finished_at, updated_at) VALUES (%s, %s, 'ai', 'ecoeco.ai.classify', %s, 'succeeded', 1, %s, now(), now())",
            (f"{job_id}:ai", job_id, user_id, json.dumps(result)),
        )
    status = httpx.get(f"{waste_url}/api/v1/waste/analyses/{job_id}", headers=headers).json()
    assert status["status"] == "done" and status["result_available"]
    assert (
        httpx.get(f"{waste_url}/api/v1/waste/analyses/{job_id}/result", headers=headers).json()["item"]
        == "생수병"
    )


def test_broker_down_loses_nothing(
    waste_url: str, waste_settings: Settings, user: tuple[str, dict[str, str]]
) -> None:
    from ecoeco.services.waste.app import create_app

    _, headers = user
    ticket = start(waste_url, headers, content_type="image/png")
    httpx.put(ticket["upload_url"], content=png(), headers=ticket["upload_headers"]).raise_for_status()
    broken = waste_settings.model_copy(update={"broker_url": f"amqp://guest:guest@127.0.0.1:{free_port()}/x"})
    with serve(create_app(broken)) as down:
        ready = httpx.get(f"{down}/ready", timeout=30)
        assert ready.status_code == 503
        assert ready.json()["dependencies"]["rabbitmq"]["ok"] is False
        assert ready.json()["dependencies"]["s3"]["ok"] is True
        resp = httpx.post(
            f"{down}/api/v1/waste/analyses/{ticket['job_id']}/upload-complete", headers=headers, timeout=60
        )
        assert_problem(resp, 503)
        assert httpx.get(f"{down}/api/v1/waste/analyses/{ticket['job_id']}", headers=headers).json()[
            "status"
        ] == ("pending_upload")
    # Once the broker is back, the same call enqueues it.
    resp = httpx.post(
        f"{waste_url}/api/v1/waste/analyses/{ticket['job_id']}/upload-complete", headers=headers
    )
    assert resp.status_code == 202 and resp.json()["enqueued"] is True
    assert len(drain_storage_queue(waste_settings)) == 1


def test_ready_checks_all_four_dependencies(waste_url: str) -> None:
    body = httpx.get(f"{waste_url}/ready", timeout=30).json()
    assert body["status"] == "ready"
    assert set(body["dependencies"]) == {"postgres", "redis", "rabbitmq", "s3"}


def test_a_new_analysis_is_visible_the_moment_its_201_arrives(
    waste_url: str, user: tuple[str, dict[str, str]]
) -> None:
    # The transaction must commit before the response is sent: a client that asks for the job
    # right after the 201 (as the mobile app does) must never get a 404.
    _, headers = user
    with httpx.Client(base_url=waste_url, headers=headers) as client:
        for _ in range(40):
            job_id = client.post("/api/v1/waste/analyses", json={}).json()["job_id"]
            resp = client.get(f"/api/v1/waste/analyses/{job_id}")
            assert resp.status_code == 200, resp.text
