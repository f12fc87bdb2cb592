"""Fixtures for the worker tests: a moto S3 server, a fresh RabbitMQ vhost per test, and real
``ecoeco-worker`` subprocesses started with ``ECOECO_*`` settings."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
import redis
from celery import Celery
from kombu import Connection
from PIL import Image
from tests.conftest import create_vhost, delete_vhost, free_port, moto_server

from ecoeco.services.workers.celery_app import make_app
from ecoeco.shared.jobs import TASK_STORAGE, task_id
from ecoeco.shared.names import Q_DLQ

BUCKET = "ecoeco-images"
WORKER_BIN = Path(sys.executable).parent / "ecoeco-worker"


def wait_for(
    predicate: Callable[[], Any], timeout: float = 60.0, interval: float = 0.2, what: str = ""
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="ap-northeast-2",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"}
        )
        yield endpoint


@pytest.fixture
def s3_client(s3_endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="ap-northeast-2",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def vhost_broker_url() -> Iterator[str]:
    """A RabbitMQ vhost of its own per test: no test sees another's queues or leftovers."""
    vhost = create_vhost("ecoeco-workers-test")
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    finally:
        delete_vhost(vhost)


@pytest.fixture
def client_app(vhost_broker_url: str) -> Iterator[Celery]:
    app = make_app(vhost_broker_url)
    try:
        yield app
    finally:
        app.close()


def photo_bytes(seed: int = 0, size: tuple[int, int] = (640, 480), with_exif: bool = True) -> bytes:
    """A JPEG with a colour pattern (varies with seed) and, optionally, EXIF with GPS-like tags."""
    img = Image.new("RGB", size, (30 + seed * 37 % 200, 120, 200 - seed * 11 % 150))
    px = img.load()
    for x in range(0, size[0], 7):
        for y in range(0, size[1], 5):
            px[x, y] = ((x * seed) % 255, (y * 3) % 255, (x + y) % 255)
    out = io.BytesIO()
    if with_exif:
        exif = Image.Exif()
        exif[0x010F] = "EcoCam"  # Make
        exif[0x0131] = "secret-software"  # Software
        img.save(out, format="JPEG", exif=exif.tobytes())
    else:
        img.save(out, format="JPEG")
    return out.getvalue()


def upload(client: Any, job_id: str, data: bytes) -> str:
    key = f"uploads/{job_id}/photo.jpg"
    client.put_object(Bucket=BUCKET, Key=key, Body=data, ContentType="image/jpeg")
    return key


def send_storage(app: Celery, job_id: str, object_key: str, user_id: str = "user-1") -> str:
    tid = task_id(job_id, "storage")
    app.send_task(
        TASK_STORAGE, kwargs={"job_id": job_id, "user_id": user_id, "object_key": object_key}, task_id=tid
    )
    return tid


# Job ids carry this test process's tag, so the key clean-up below only ever deletes this process's
# keys (test files run in parallel processes against the same Redis db).
PROCESS_TAG = uuid.uuid4().hex[:6]


def new_job_id() -> str:
    return f"job-{PROCESS_TAG}{uuid.uuid4().hex[:12]}"


class WorkerProcess:
    """One ``ecoeco-worker`` subprocess; its output goes to a log file shown on failure."""

    def __init__(
        self, worker: str, env: dict[str, str], log_dir: Path, metrics_port: int | None = None
    ) -> None:
        self.worker = worker
        self.env = env
        self.metrics_port = metrics_port
        self.log_path = log_dir / f"{worker}-{uuid.uuid4().hex[:6]}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.node = f"{worker}@{socket.gethostname()}"

    @property
    def journal_path(self) -> Path:
        return Path(self.env["ECOECO_WAL_DIR"]) / f"{self.worker}.db"

    def start(self, app: Celery, timeout: float = 60.0) -> WorkerProcess:
        cmd = [str(WORKER_BIN), self.worker, "--loglevel", "INFO"]
        if self.metrics_port is not None:
            cmd += ["--metrics-port", str(self.metrics_port)]
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_for(
            lambda: self._alive_or_fail() and app.control.ping(destination=[self.node], timeout=0.5),
            timeout=timeout,
            what=f"{self.node} to answer ping",
        )
        return self

    def _alive_or_fail(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.worker} exited with {self.proc.returncode}:\n{self.log()}")
        return True

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self, timeout: float = 30.0) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            return None

    def metrics(self) -> str:
        assert self.metrics_port is not None
        return httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5).text

    def metric(self, name: str) -> float | None:
        """The value of an unlabelled-but-``worker`` sample, e.g. ``ecoeco_wal_unsynced_rows``."""
        for line in self.metrics().splitlines():
            if line.startswith(name + "{") or line.startswith(name + " "):
                return float(line.rsplit(" ", 1)[1])
        return None

    def journal_rows(self) -> list[dict[str, Any]]:
        """Read the journal directly, read-only (the way an operator would inspect the file)."""
        if not self.journal_path.exists():
            return []
        conn = sqlite3.connect(f"file:{self.journal_path}?mode=ro", uri=True, timeout=5)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute("SELECT * FROM task_journal")]
        except sqlite3.OperationalError:
            return []
        finally:
            conn.close()

    def states(self) -> dict[str, str]:
        return {r["task_id"]: r["state"] for r in self.journal_rows()}


@pytest.fixture(autouse=True)
def _clean_redis_keys(redis_url: str) -> Iterator[None]:
    """Delete the job-status and phash-cache keys a test created (Redis db 1 is shared)."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    patterns = (f"ecoeco:waste:job:job-{PROCESS_TAG}*", "ecoeco:ai:phash:*")
    before = {k for p in patterns for k in client.scan_iter(p)}
    yield
    new = {k for p in patterns for k in client.scan_iter(p)} - before
    if new:
        client.delete(*new)
    client.close()


@pytest.fixture
def worker_env(
    tmp_path: Path, pg_url: str, vhost_broker_url: str, redis_url: str, s3_endpoint: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOECO_")}
    env.update(
        {
            "ECOECO_DATABASE_URL": pg_url,
            "ECOECO_BROKER_URL": vhost_broker_url,
            "ECOECO_REDIS_URL": redis_url,
            "ECOECO_S3_ENDPOINT_URL": s3_endpoint,
            "ECOECO_S3_BUCKET": BUCKET,
            "ECOECO_WAL_DIR": str(tmp_path / "wal"),
            "ECOECO_WAL_SYNC_INTERVAL_S": "300",
            "ECOECO_MAX_ATTEMPTS": "3",
            "ECOECO_LOG_LEVEL": "INFO",
        }
    )
    return env


@pytest.fixture
def start_worker(tmp_path: Path, client_app: Celery) -> Iterator[Callable[..., WorkerProcess]]:
    started: list[WorkerProcess] = []

    def _start(worker: str, env: dict[str, str], metrics: bool = True) -> WorkerProcess:
        proc = WorkerProcess(worker, env, tmp_path, free_port() if metrics else None)
        started.append(proc)
        return proc.start(client_app)

    yield _start
    for proc in started:
        proc.stop()
        # Shown by pytest only when the test failed.
        print(f"--- {proc.worker} log ({proc.log_path}) ---\n{proc.log()}")


def broadcast(app: Celery, command: str, node: str, **arguments: Any) -> dict[str, Any]:
    replies = app.control.broadcast(command, reply=True, timeout=2.0, destination=[node], arguments=arguments)
    for reply in replies:
        if node in reply:
            return reply[node]
    raise AssertionError(f"no reply to {command} from {node}: {replies}")


def dlq_messages(broker_url: str) -> list[dict[str, Any]]:
    """Drain q.dlq and return each message's headers and decoded body (or raw text)."""
    out: list[dict[str, Any]] = []
    with Connection(broker_url) as conn:
        channel = conn.default_channel
        while True:
            msg = channel.basic_get(Q_DLQ, no_ack=True)
            if msg is None:
                break
            try:
                body: Any = json.loads(msg.body)
            except (ValueError, UnicodeDecodeError):
                body = msg.body if isinstance(msg.body, str) else msg.body.decode("latin-1")
            out.append({"headers": dict(msg.headers or {}), "body": body})
    return out
