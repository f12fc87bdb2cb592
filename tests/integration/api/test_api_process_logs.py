"""``ecoeco-api auth`` as a real process: it migrates and serves, its log lines are JSON, and no
password, token or database password reaches them — even at DEBUG."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from tests.conftest import free_port

pytestmark = pytest.mark.integration

PASSWORD = "p4ssw0rd-never-logged"


def test_auth_process_logs_json_without_secrets(pg_url: str, redis_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        # A password in the URL (trust auth ignores it) must not show up either.
        "ECOECO_DATABASE_URL": pg_url.replace("postgres@", "postgres:dbpass-never-logged@"),
        "ECOECO_REDIS_URL": redis_url,
        "ECOECO_LOG_LEVEL": "DEBUG",
    }
    log_path = tmp_path / "auth.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ecoeco.services.api_cli", "auth", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        email = f"log{uuid.uuid4().hex[:8]}@example.com"
        tokens = httpx.post(
            f"{base}/api/v1/auth/register", json={"email": email, "password": PASSWORD}
        ).json()
        httpx.post(f"{base}/api/v1/auth/login", json={"email": email, "password": PASSWORD + "x"})
        me = httpx.get(
            f"{base}/api/v1/auth/me",
            headers={"Authorization": f"Bearer {tokens['access_token']}", "X-Request-ID": "trace-me-1"},
        )
        assert me.headers["x-request-id"] == "trace-me-1"  # a caller's id is kept, so a trace spans services
        generated = httpx.get(f"{base}/health", headers={"X-Request-ID": "bad id with spaces"})
        assert generated.headers["x-request-id"] != "bad id with spaces"
        httpx.post(f"{base}/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        httpx.post(f"{base}/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})  # reuse
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)

    text = log_path.read_text()
    for secret in (PASSWORD, tokens["access_token"], tokens["refresh_token"], "dbpass-never-logged"):
        assert secret not in text
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line is JSON
    requests = [line for line in lines if line.get("logger") == "ecoeco.access"]
    assert {(r["route"], r["status"]) for r in requests} >= {
        ("/api/v1/auth/register", 201),
        ("/api/v1/auth/login", 401),
        ("/api/v1/auth/me", 200),
        ("/api/v1/auth/refresh", 401),
    }
    assert all(line["service"] == "auth" for line in lines)
    me_line = next(r for r in requests if r["route"] == "/api/v1/auth/me")
    assert me_line["request_id"] == "trace-me-1"
    assert all(r.get("request_id") for r in requests)
