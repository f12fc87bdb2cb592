"""End to end on a fresh machine: no console config, no sandbox -> the console starts the sandbox
(as ``ecoeco-console`` does before opening the TUI) and every source reads the live platform."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.sandbox.sandbox_support import Sandbox, make_sandbox

from ecoeco.console.cli import failed_sources, main, start_sandbox
from ecoeco.console.snapshot import Snapshot

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def fresh_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    box = make_sandbox(tmp_path)
    for key in [k for k in os.environ if k.startswith("ECOECO_")]:
        monkeypatch.delenv(key)
    for key, value in box.env.items():
        if key.startswith("ECOECO_"):
            monkeypatch.setenv(key, value)
    try:
        yield box
    finally:
        box.run("down", "--purge")


def test_console_starts_the_sandbox_and_reads_it_live(
    fresh_machine: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not fresh_machine.console_config.exists()
    rc = main(["status", "--json"])  # nothing runs yet: status says so, and starts nothing
    before = Snapshot.model_validate_json(capsys.readouterr().out)
    assert rc & 1 and "cluster" in failed_sources(rc)
    assert "sandbox is not running" in before.sources["cluster"].error
    assert not fresh_machine.state_dir.joinpath("state.json").exists()

    assert start_sandbox() == 0
    assert not fresh_machine.console_config.exists()  # `up` writes only its own state ...

    capsys.readouterr()
    deadline = time.monotonic() + 30  # consumer counts reach the management API's stats every 5 s
    while True:
        rc = main(["status", "--json"])
        snap = Snapshot.model_validate_json(capsys.readouterr().out)
        consumers = {q.name: q.consumers for q in snap.queues}
        if (rc == 0 and consumers.get("q.storage") and consumers.get("q.ai")) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert rc == 0, {n: s.error for n, s in snap.sources.items() if not s.ok}
    nodes = {n.name: n for n in snap.cluster.nodes}
    for name in ("k8s-api-auth", "k8s-api-waste", "k8s-worker-storage", "k8s-worker-ai", "k8s-postgresql"):
        assert nodes[name].status == "Ready", name
    assert nodes["k8s-api-auth"].pods[0].kind == "Process" and nodes["k8s-api-auth"].pods[0].mem_bytes
    assert {s.name for s in snap.services if s.live and s.ready} == {
        "auth", "userinfo", "location", "waste", "recycle-info", "chat-llm"
    }  # fmt: skip
    queues = {q.name: q for q in snap.queues}
    assert queues["q.storage"].consumers == 1 and queues["q.ai"].consumers == 1
    assert {w.worker for w in snap.wal if "control" in w.via} == {"storage", "ai"}
