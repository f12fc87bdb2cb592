"""Run an ASGI app on a real uvicorn server on 127.0.0.1:<free port> in a background thread."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import uvicorn
from tests.conftest import free_port


@contextlib.contextmanager
def serve(app: Any, *, ready_path: str = "/health", timeout_s: float = 20.0) -> Iterator[str]:
    """Yield the base URL while the app serves; stop the server (and its lifespan) afterwards."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            if not thread.is_alive():
                raise RuntimeError("server thread exited during start-up")
            try:
                if httpx.get(base + ready_path, timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server on {base} not up after {timeout_s}s")
            time.sleep(0.05)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def wait_ready(base: str, timeout_s: float = 20.0) -> dict[str, Any]:
    """Poll /ready until 200 (migrations applied, dependencies up); returns the last body."""
    deadline = time.monotonic() + timeout_s
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        resp = httpx.get(base + "/ready", timeout=5.0)
        body = resp.json()
        if resp.status_code == 200:
            return body
        time.sleep(0.1)
    raise AssertionError(f"{base} not ready: {body}")
