"""Helpers for the sandbox tests: a sandbox of the tests' own (temporary state dir and console config,
unique database and vhost, Redis db 1), driven through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLI = [sys.executable, "-m", "ecoeco.services.sandbox.cli"]
CONSOLE = [sys.executable, "-m", "ecoeco.console.cli"]

HAND_EDITED_CONFIG = """\
# my console profiles — comments and order are mine
default_profile = "sandbox"

[profiles.sandbox]   # the sandbox, but quieter
sandbox = true
theme = "nord"       # easier on the eyes at night
poll_interval_s = 3.0
# a stale endpoint from an old sandbox: the running sandbox's own wins
services = { auth = "http://127.0.0.1:1" }

[profiles.prod]
environment = "prod"
read_only = true
"""


@dataclass
class Sandbox:
    env: dict[str, str]
    state_dir: Path
    console_config: Path
    database: str
    vhost: str
    first_up: subprocess.CompletedProcess[str] | None = None

    def run(self, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def status(self) -> tuple[int, dict[str, Any]]:
        result = self.run("status", "--json", timeout=60)
        return result.returncode, json.loads(result.stdout)

    def console(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CONSOLE, *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def component(self, name: str) -> dict[str, Any]:
        _, status = self.status()
        return next(c for c in status["components"] if c["name"] == name)

    def state(self) -> dict[str, Any]:
        return json.loads((self.state_dir / "state.json").read_text())


def make_sandbox(tmp: Path, **overrides: str) -> Sandbox:
    tag = uuid.uuid4().hex[:8]
    database, vhost = f"ecoeco_sbx_{tag}", f"ecoeco-sbx-{tag}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOECO_")}
    env |= {
        "ECOECO_SANDBOX_DIR": str(tmp / "state"),
        "ECOECO_CONSOLE_CONFIG": str(tmp / "console.toml"),
        "ECOECO_SANDBOX_DATABASE": database,
        "ECOECO_SANDBOX_VHOST": vhost,
        "ECOECO_SANDBOX_REDIS_URL": "redis://127.0.0.1:6379/15",
        "ECOECO_SANDBOX_WAL_SYNC_INTERVAL_S": "5",
        # Tests stop processes on purpose (SIGSTOP) and load the machine: the watchdog's liveness
        # probe would restart them under the test. test_sandbox_liveness.py turns it on.
        "ECOECO_SANDBOX_LIVENESS_PERIOD_S": "0",
        **overrides,
    }
    return Sandbox(env, tmp / "state", tmp / "console.toml", database, vhost)


def eventually(check: Callable[[], Any], timeout: float = 60.0, interval: float = 1.0) -> Any:
    """Poll ``check`` until it returns something truthy; the last value otherwise (for the assert)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
