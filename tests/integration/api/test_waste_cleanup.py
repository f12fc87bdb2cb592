"""Abandoned presigned uploads are expired and their objects deleted (issue 13, defect 12), against
the real PostgreSQL and the moto S3 server."""

from __future__ import annotations

import asyncio
import io
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import psycopg
import pytest
from botocore.exceptions import ClientError
from PIL import Image
from tests.integration.api.conftest import assert_problem, bearer, mint_access_token
from tests.integration.api.live_server import serve, wait_ready

from ecoeco.services.common.db import make_pool
from ecoeco.services.common.settings import Settings
from ecoeco.services.waste.cleanup import expire_abandoned
from ecoeco.services.waste.uploads import Uploads

pytestmark = pytest.mark.integration

HOURS_AGO = "UPDATE waste.analyses SET created_at = now() - make_interval(hours => %s) WHERE job_id = %s"


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 10, 10)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def cleanup_settings(waste_settings: Settings) -> Settings:
    # A short interval so the service's own periodic run is observed; the age stays the default.
    return waste_settings.model_copy(update={"upload_cleanup_interval_s": 0.3})


@pytest.fixture(scope="module")
def waste_base(cleanup_settings: Settings) -> Iterator[str]:
    from ecoeco.services.waste.app import create_app

    with serve(create_app(cleanup_settings)) as base:
        wait_ready(base)
        yield base


@pytest.fixture
def s3(cleanup_settings: Settings) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=cleanup_settings.s3_endpoint_url,
        region_name=cleanup_settings.aws_region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def headers(cleanup_settings: Settings) -> dict[str, str]:
    return bearer(mint_access_token(cleanup_settings, str(uuid.uuid4())))


def start(base: str, headers: dict[str, str], *, upload: bool) -> dict[str, Any]:
    resp = httpx.post(f"{base}/api/v1/waste/analyses", headers=headers, json={"content_type": "image/png"})
    assert resp.status_code == 201, resp.text
    ticket = resp.json()
    if upload:
        put = httpx.put(ticket["upload_url"], content=png(), headers=ticket["upload_headers"])
        assert put.status_code == 200, put.text
    return ticket


def age(settings: Settings, job_id: str, hours: float) -> None:
    with psycopg.connect(settings.database_url) as conn:
        conn.execute(HOURS_AGO, (hours, job_id))


def expired_at(settings: Settings, job_id: str) -> Any:
    with psycopg.connect(settings.database_url) as conn:
        return conn.execute("SELECT expired_at FROM waste.analyses WHERE job_id = %s", (job_id,)).fetchone()[
            0
        ]


def exists(s3: Any, settings: Settings, key: str) -> bool:
    try:
        s3.head_object(Bucket=settings.s3_bucket, Key=key)
    except ClientError:
        return False
    return True


def test_the_service_expires_abandoned_uploads_and_deletes_their_objects(
    waste_base: str, cleanup_settings: Settings, headers: dict[str, str], s3: Any
) -> None:
    settings = cleanup_settings
    uploaded_never_completed = start(waste_base, headers, upload=True)
    never_uploaded = start(waste_base, headers, upload=False)
    recent = start(waste_base, headers, upload=True)
    completed = start(waste_base, headers, upload=True)
    done = httpx.post(
        f"{waste_base}/api/v1/waste/analyses/{completed['job_id']}/upload-complete", headers=headers
    )
    assert done.status_code == 202, done.text
    for ticket in (uploaded_never_completed, never_uploaded, completed):
        age(settings, ticket["job_id"], 7)  # older than the 6 h default
    age(settings, recent["job_id"], 1)

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not all(
        expired_at(settings, t["job_id"]) for t in (uploaded_never_completed, never_uploaded)
    ):
        time.sleep(0.2)
    assert expired_at(settings, uploaded_never_completed["job_id"]) is not None
    assert expired_at(settings, never_uploaded["job_id"]) is not None
    assert not exists(s3, settings, uploaded_never_completed["object_key"])
    # Younger than the limit, or handed to the workers: untouched.
    assert expired_at(settings, recent["job_id"]) is None and exists(s3, settings, recent["object_key"])
    assert expired_at(settings, completed["job_id"]) is None and exists(s3, settings, completed["object_key"])

    job = uploaded_never_completed["job_id"]
    status = httpx.get(f"{waste_base}/api/v1/waste/analyses/{job}", headers=headers).json()
    assert status["status"] == "failed" and "expired" in status["error"]
    late = httpx.post(f"{waste_base}/api/v1/waste/analyses/{job}/upload-complete", headers=headers)
    assert_problem(late, 410)


@pytest.fixture
def own_waste_db(cleanup_settings: Settings) -> Iterator[Settings]:
    """A database with only the waste schema and no service running on it: nothing else expires rows."""
    from tests.conftest import create_database, drop_database

    from ecoeco.services.common.migrations import apply_migrations

    name = create_database("ecoeco_cleanup")
    try:
        url = f"postgresql://postgres@127.0.0.1:5432/{name}"
        apply_migrations(url, "waste", "ecoeco.services.waste")
        yield cleanup_settings.model_copy(update={"database_url": url})
    finally:
        drop_database(name)


def test_a_run_is_bounded_oldest_first_and_the_next_run_continues(own_waste_db: Settings, s3: Any) -> None:
    settings = own_waste_db
    user = str(uuid.uuid4())
    rows = []
    for hours in (30, 20, 10):  # all past the 6 h limit, oldest first
        job = uuid.uuid4().hex
        key = f"uploads/{user}/{job}.png"
        s3.put_object(Bucket=settings.s3_bucket, Key=key, Body=png())
        rows.append((job, key))
        with psycopg.connect(settings.database_url) as conn:
            conn.execute(
                "INSERT INTO waste.analyses (job_id, user_id, object_key, content_type, source, created_at)"
                " VALUES (%s, %s, %s, 'image/png', 'presigned', now() - make_interval(hours => %s))",
                (job, user, key, hours),
            )

    async def run(limit: int) -> int:
        pool = make_pool(settings.database_url)
        await pool.open(wait=False)
        try:
            return await expire_abandoned(pool, Uploads(settings), settings, limit)
        finally:
            await pool.close()

    assert asyncio.run(run(2)) == 2
    assert [expired_at(settings, job) is not None for job, _ in rows] == [True, True, False]
    assert [exists(s3, settings, key) for _, key in rows] == [False, False, True]
    assert asyncio.run(run(2)) == 1
    assert not exists(s3, settings, rows[2][1])
    assert asyncio.run(run(2)) == 0
