"""Soak: jobs flow through both workers while a worker is killed with SIGKILL every few seconds
(prints figures; no assertions). At the end: jobs lost, rows in PostgreSQL per task, re-runs,
and ``PRAGMA integrity_check`` of both journals.

    uv run python bench/wal_soak.py [--jobs 200] [--kill-every 4]
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import boto3
import httpx
import psycopg
import redis
from moto.server import ThreadedMotoServer
from PIL import Image

from ecoeco.services.workers.celery_app import make_app
from ecoeco.shared.jobs import TASK_STORAGE, task_id

MGMT = "http://127.0.0.1:15672"
AUTH = ("guest", "guest")
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BUCKET = "ecoeco-images"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def photo(i: int) -> bytes:
    img = Image.effect_noise((800, 600), 40 + i % 50).convert("RGB")
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85)
    return out.getvalue()


def journal_states(path: Path) -> dict[str, tuple[str, int]]:
    if not path.exists():
        return {}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return {t: (s, a) for t, s, a in conn.execute("SELECT task_id, state, attempts FROM task_journal")}
    except sqlite3.OperationalError:
        return {}
    finally:
        conn.close()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--jobs", type=int, default=200)
    p.add_argument("--kill-every", type=float, default=4.0)
    args = p.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log

    vhost = f"ecoeco-soak-{uuid.uuid4().hex[:8]}"
    httpx.put(f"{MGMT}/api/vhosts/{vhost}", auth=AUTH, timeout=10).raise_for_status()
    httpx.put(
        f"{MGMT}/api/permissions/{vhost}/guest",
        auth=AUTH,
        json={"configure": ".*", "write": ".*", "read": ".*"},
    ).raise_for_status()
    db = f"ecoeco_soak_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{db}"')
    moto_port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    procs: dict[str, subprocess.Popen] = {}
    cache = redis.Redis.from_url("redis://127.0.0.1:6379/1", decode_responses=True)
    cached_before = set(cache.scan_iter("ecoeco:ai:phash:*"))
    tmp = tempfile.TemporaryDirectory()
    try:
        endpoint = f"http://127.0.0.1:{moto_port}"
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="ap-northeast-2",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
        broker = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
        pg_url = f"postgresql://postgres@127.0.0.1:5432/{db}"
        wal = Path(tmp.name) / "wal"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ECOECO_")},
            "ECOECO_DATABASE_URL": pg_url,
            "ECOECO_BROKER_URL": broker,
            "ECOECO_REDIS_URL": "redis://127.0.0.1:6379/1",
            "ECOECO_S3_ENDPOINT_URL": endpoint,
            "ECOECO_WAL_DIR": str(wal),
            "ECOECO_WAL_SYNC_INTERVAL_S": "2",
            "ECOECO_MAX_ATTEMPTS": "5",
            "ECOECO_LOG_LEVEL": "WARNING",
        }
        logs = Path(tmp.name)
        binary = str(Path(sys.executable).parent / "ecoeco-worker")

        def start(worker: str) -> None:
            with (logs / f"{worker}.log").open("ab") as log:
                procs[worker] = subprocess.Popen(
                    [binary, worker], env=env, stdout=log, stderr=subprocess.STDOUT
                )

        start("storage")
        start("ai")
        app = make_app(broker)
        jobs = [f"soak-{uuid.uuid4().hex[:10]}" for _ in range(args.jobs)]
        t0 = time.monotonic()
        for i, job in enumerate(jobs):
            key = f"uploads/{job}/photo.jpg"
            s3.put_object(Bucket=BUCKET, Key=key, Body=photo(i))
            app.send_task(
                TASK_STORAGE,
                kwargs={"job_id": job, "user_id": "soak", "object_key": key},
                task_id=task_id(job, "storage"),
            )
        kills = 0
        target = "storage"
        storage_ids = {task_id(j, "storage") for j in jobs}
        ai_ids = {task_id(j, "ai") for j in jobs}

        def done() -> bool:
            s = journal_states(wal / "storage.db")
            a = journal_states(wal / "ai.db")
            return all(s.get(t, ("",))[0] == "succeeded" for t in storage_ids) and all(
                a.get(t, ("",))[0] == "succeeded" for t in ai_ids
            )

        next_kill = time.monotonic() + args.kill_every
        deadline = time.monotonic() + 900
        while not done() and time.monotonic() < deadline:
            if time.monotonic() >= next_kill and kills < 12:
                procs[target].send_signal(signal.SIGKILL)
                procs[target].wait()
                kills += 1
                start(target)
                target = "ai" if target == "storage" else "storage"
                next_kill = time.monotonic() + args.kill_every
            time.sleep(0.2)
        elapsed = time.monotonic() - t0
        for proc in procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            proc.wait(60)  # warm shutdown ends with a last sync
        s, a = journal_states(wal / "storage.db"), journal_states(wal / "ai.db")
        with psycopg.connect(pg_url) as conn:
            rows = dict(
                conn.execute("SELECT worker, count(*) FROM tasks.task_results GROUP BY worker").fetchall()
            )
            dup = conn.execute(
                "SELECT count(*) - count(DISTINCT task_id) FROM tasks.task_results"
            ).fetchone()[0]
        lost = sum(1 for t in storage_ids if s.get(t, ("",))[0] != "succeeded") + sum(
            1 for t in ai_ids if a.get(t, ("",))[0] != "succeeded"
        )
        reruns = sum(1 for st, n in (*s.values(), *a.values()) if n > 1)
        integrity = [
            sqlite3.connect(wal / f"{w}.db").execute("PRAGMA integrity_check").fetchone()[0]
            for w in ("storage", "ai")
        ]
        print(
            f"{args.jobs} jobs, {kills} SIGKILLs (every {args.kill_every:g} s, alternating workers), {elapsed:.1f} s"
        )
        print(f"unfinished/lost tasks: {lost}; tasks run more than once: {reruns}")
        print(
            f"rows in tasks.task_results: storage {rows.get('storage', 0)}, ai {rows.get('ai', 0)}; duplicates: {dup}"
        )
        print(f"integrity_check: storage {integrity[0]}, ai {integrity[1]}")
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        moto.stop()
        tmp.cleanup()
        leftovers = [*cache.scan_iter("ecoeco:waste:job:soak-*")]
        leftovers += [k for k in cache.scan_iter("ecoeco:ai:phash:*") if k not in cached_before]
        if leftovers:
            cache.delete(*leftovers)
        httpx.delete(f"{MGMT}/api/vhosts/{vhost}", auth=AUTH, timeout=10)
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
