"""The watchdog's liveness probe: a process that is alive but answers nothing (stopped, deadlocked)
is stopped and restarted, as the kubelet does with a failing liveness probe; the restart says why."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import httpx
import pytest
from sandbox_support import Sandbox, eventually, make_sandbox

from ecoeco.shared.procs import pid_alive

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    sandbox = make_sandbox(
        tmp_path_factory.mktemp("liveness"),
        ECOECO_SANDBOX_LIVENESS_PERIOD_S="1",
        ECOECO_SANDBOX_LIVENESS_FAILURES="3",
        ECOECO_SANDBOX_LIVENESS_TIMEOUT_S="2",
        ECOECO_SANDBOX_LIVENESS_GRACE_S="3",
    )
    up = sandbox.run("up", "--timeout", "180")
    try:
        assert up.returncode == 0, f"up failed:\n{up.stdout}\n{up.stderr}"
        yield sandbox
    finally:
        sandbox.run("down", "--purge")


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_stopped_api_is_restarted_by_its_liveness_probe(box: Sandbox) -> None:
    before = box.state()["components"]["location"]
    pid, started = before["pid"], before.get("start_time")
    os.kill(pid, signal.SIGSTOP)  # alive, holding its port, answering nothing
    try:
        after = eventually(
            lambda: (e := box.state()["components"]["location"])["pid"] != pid and e, timeout=90
        )
    finally:
        if pid_alive(pid, started):
            os.kill(pid, signal.SIGCONT)
    assert after, "the stopped process was not replaced"
    assert after["restarts"] == before["restarts"] + 1
    assert after["last_exit"].startswith("liveness probe failed 3 times (timed out"), after["last_exit"]
    assert not pid_alive(pid, started)  # the stopped one was ended, not left beside the new one
    assert eventually(lambda: answers(after["health_url"]), timeout=60)
    # What an operator reads: the console's process view counts the restart and says why.
    component = box.component("location")
    assert component["alive"] and component["restarts"] == after["restarts"]


def test_a_healthy_sandbox_is_left_alone(box: Sandbox) -> None:
    # Probed every second for as long as the test above ran: nothing else was restarted.
    restarts = {n: c.get("restarts", 0) for n, c in box.state()["components"].items() if c.get("pid")}
    assert {n: r for n, r in restarts.items() if r and n != "location"} == {}
