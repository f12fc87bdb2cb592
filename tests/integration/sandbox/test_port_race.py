"""A sandbox process whose port was taken between choosing and binding it starts again on another."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from ecoeco.services.sandbox import supervisor
from ecoeco.services.sandbox.processes import stop_group
from ecoeco.services.sandbox.settings import SandboxSettings
from ecoeco.shared.sandbox_state import load_state


def fresh(tmp_path: Path, start_timeout_s: float) -> tuple[SandboxSettings, Path, dict[str, Any]]:
    """Settings, state directory and an empty state for a sandbox of one component."""
    settings = SandboxSettings(dir=tmp_path, start_timeout_s=start_timeout_s)
    return settings, supervisor.state_dir(settings), supervisor._new_state(settings)


def test_a_component_that_lost_its_port_is_started_on_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, directory, state = fresh(tmp_path, 60)
    # Another process binds the port the supervisor just found free (the race seen under parallel tests).
    thief = socket.socket()
    thief.bind(("127.0.0.1", 0))
    thief.listen()
    taken = thief.getsockname()[1]
    real_choose = supervisor._choose_port
    monkeypatch.setattr(supervisor, "_choose_port", lambda previous, wait_s=0.0: taken)
    try:
        supervisor.spawn("aws", settings, directory, state, "unused")
        monkeypatch.setattr(supervisor, "_choose_port", real_choose)
        supervisor.wait_healthy(["aws"], settings, directory, state)
        entry = state["components"]["aws"]
        assert entry["port"] != taken
        assert httpx.get(entry["health_url"], timeout=5).status_code == 200
        assert load_state(directory)["components"]["aws"]["port"] == entry["port"]  # saved for the console
        assert supervisor.lost_port_race(directory, "aws") is False  # the latest start bound its port
        assert "address already in use" in supervisor.log_tail(directory, "aws", 200).lower()
    finally:
        thief.close()
        entry = state["components"].get("aws") or {}
        if entry.get("pid"):
            stop_group(entry["pid"], entry.get("start_time"), 5)


def test_a_component_that_fails_otherwise_is_reported_not_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, directory, state = fresh(tmp_path, 30)
    monkeypatch.setattr(
        supervisor, "command", lambda name, port, **_: ["python3", "-c", "raise SystemExit('bad config')"]
    )
    supervisor.spawn("aws", settings, directory, state, "unused")
    with pytest.raises(supervisor.StartError, match="exited during start-up"):
        supervisor.wait_healthy(["aws"], settings, directory, state)
    assert supervisor.log_tail(directory, "aws").count("starting") == 1  # started once: not a port race
