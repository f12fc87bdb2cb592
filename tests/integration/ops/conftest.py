"""Fixtures of the operations' tests: a state dir per test, a runner that collects every event, and
the real tools (moto server mode for AWS, the terraform binary, ansible-runner, RabbitMQ)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import moto_server

from ecoeco.console.config import Profile
from ecoeco.console.ops import Event, Finished, OperationRunner, RunHandle
from ecoeco.console.ops.audit import AUDIT_FILE


class Recorder:
    """``on_event`` for a runner: keeps every event; ``on`` runs a hook per event (e.g. cancel)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.lock = threading.Lock()
        self.hooks: list[Callable[[RunHandle, Event], None]] = []

    def __call__(self, handle: RunHandle, event: Event) -> None:
        with self.lock:
            self.events.append(event)
        for hook in self.hooks:
            hook(handle, event)

    def of(self, kind: type) -> list[Any]:
        with self.lock:
            return [e for e in self.events if isinstance(e, kind)]

    def finished(self) -> Finished:
        (last,) = self.of(Finished)
        return last


def audit_records(state: Path) -> list[dict[str, Any]]:
    path = state / AUDIT_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def make_runner(state: Path, recorder: Recorder) -> Callable[..., OperationRunner]:
    def make(**settings: Any) -> OperationRunner:
        profile = Profile.model_validate({"name": "staging", "environment": "staging"} | settings)
        return OperationRunner(profile, on_event=recorder, state_dir=state)

    return make


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """CloudFront and service-quotas as moto's server mode answers them, on a free loopback port."""
    with moto_server() as url:
        yield url


TERRAFORM = shutil.which("terraform") or "/usr/local/bin/terraform"
# For the modules that drive the real terraform binary: `pytestmark = needs_terraform`.
needs_terraform = pytest.mark.skipif(not Path(TERRAFORM).exists(), reason="terraform binary not installed")


@pytest.fixture
def quiet_terraform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty CLI config (the machine's points at a missing file, which terraform warns about)."""
    rc = tmp_path / "terraformrc"
    rc.write_text("")
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(rc))


CONSOLE = Path(sys.executable).with_name("ecoeco-console")


def console(args: list[str], state: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    """``ecoeco-console ARGS`` with no config file (the built-in sandbox profile), ``settings`` as
    ``ECOECO_CONSOLE_*`` overrides, the state dir ``state``; nothing of this machine's AWS settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOECO_CONSOLE_", "AWS_"))}
    env["ECOECO_CONSOLE_STATE_DIR"] = str(state)
    env["ECOECO_CONSOLE_CONFIG"] = str(state / "absent.toml")
    env.update({f"ECOECO_CONSOLE_{k.upper()}": v for k, v in settings.items()})
    return subprocess.run([str(CONSOLE), *args], env=env, capture_output=True, text=True, timeout=120)
