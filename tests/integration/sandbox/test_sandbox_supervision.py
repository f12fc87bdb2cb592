"""The sandbox supervises its processes as Kubernetes would (issue 13 item 8, issue 9's restart): a
worker killed with kill -9 is back within 5 s on its port and the console shows the restart; a crash
loop backs off; ``ecoeco-sandbox restart`` and the console's ``restart`` operation replace a process
one at a time, nothing lost; one watchdog however often ``up`` runs, and ``down`` stops it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sandbox_support import CLI, Sandbox, eventually

from ecoeco.services.sandbox.processes import group_members
from ecoeco.shared.procs import pid_alive

pytestmark = pytest.mark.integration

BACK_WITHIN_S = 5.0  # issue 13: "it is back within 5 s"


def contention() -> float:
    """How many times over the CPUs are booked (1 on a machine with CPU to spare). The issue's 5 s
    holds there; with four other test runs on 2 cores a worker's own start-up (~1.3 s of CPU, mostly
    imports) stretches in proportion, which is not the watchdog's doing."""
    return max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))


def healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def watchdogs_of(state_dir: Path) -> list[int]:
    """Pids of ``ecoeco-sandbox watch`` processes guarding ``state_dir`` (another sandbox's do not count)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        ours = f"ECOECO_SANDBOX_DIR={state_dir}".encode() in environ
        if ours and b"watch" in cmdline and any(c.endswith(b"ecoeco-sandbox") for c in cmdline):
            found.append(int(proc.name))
    return found


def console_pods(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    """The pods as the console's own data shows them (``ecoeco-console status --json``)."""
    result = sandbox.console("status", "--json")
    data = json.loads(result.stdout)
    return {p["name"]: p for node in data["cluster"]["nodes"] for p in node["pods"]}


def test_up_starts_one_watchdog_however_often_it_runs(sandbox: Sandbox) -> None:
    _, status = sandbox.status()
    assert status["watchdog"]["alive"]
    first = status["watchdog"]["pid"]
    again = sandbox.run("up")
    assert again.returncode == 0, again.stderr
    assert "watchdog" not in again.stdout.split("sandbox:")[0]  # not started again
    assert watchdogs_of(sandbox.state_dir) == [first]


def test_a_worker_killed_with_kill_9_is_back_within_5_s_and_the_console_shows_the_restart(
    sandbox: Sandbox,
) -> None:
    before = sandbox.state()["components"]["ai"]
    assert before["restarts"] == 0
    os.kill(before["pid"], signal.SIGKILL)

    # The watchdog's own part: the dead worker is started again, on its port, well within the 5 s.
    restarted = eventually(
        lambda: sandbox.state()["components"]["ai"]["pid"] != before["pid"],
        timeout=BACK_WITHIN_S,
        interval=0.1,
    )
    assert restarted, f"ai not restarted within {BACK_WITHIN_S} s: {sandbox.state()['components']['ai']}"

    def back() -> dict[str, Any] | None:
        now = sandbox.state()["components"]["ai"]
        return now if now["pid"] != before["pid"] and healthy(now["health_url"]) else None

    bound = BACK_WITHIN_S * contention()
    after = eventually(back, interval=0.1, timeout=bound)
    assert after, f"ai not healthy within {bound:.0f} s: {sandbox.state()['components']['ai']}"
    assert after["port"] == before["port"]  # Prometheus and the console keep their URL
    assert after["restarts"] == 1 and after["last_restart_at"]

    pod = console_pods(sandbox)["ai"]
    assert pod["restarts"] >= 1 and pod["phase"] == "Running" and pod["ready"]
    status = sandbox.run("status")
    assert "ai: restarted 1x" in status.stdout


def test_a_crash_loop_backs_off_and_says_how_the_process_ended(sandbox: Sandbox) -> None:
    first = sandbox.state()["components"]["ai"]
    os.kill(first["pid"], signal.SIGKILL)
    second = eventually(
        lambda: (c := sandbox.state()["components"]["ai"])["pid"] != first["pid"] and c,
        interval=0.1,
        timeout=30,
    )
    assert second, "ai not restarted"
    # A second crash soon after the first restart waits before the next restart, as CrashLoopBackOff does.
    assert eventually(lambda: healthy(second["health_url"]), interval=0.1, timeout=60)
    os.kill(second["pid"], signal.SIGKILL)
    third = eventually(
        lambda: (c := sandbox.state()["components"]["ai"])["pid"] != second["pid"] and c,
        interval=0.1,
        timeout=30,
    )
    assert third, "ai not restarted after the second crash"
    log = (sandbox.state_dir / "logs" / "watchdog.log").read_text()
    # The second crash waits (1 s, or more when an earlier test's kill is still inside the minute that
    # resets the back-off), never "restart in 0 s" as the first crash of a quiet process does.
    delays = [int(d) for d in re.findall(r"ai: killed by SIGKILL; restart in (\d+) s", log)]
    assert delays and delays[-1] >= 1, log
    # The watchdog started the killed process, so it learnt how it ended.
    assert third["last_exit"] == "killed by SIGKILL" and third["restarts"] == first["restarts"] + 2
    assert eventually(lambda: healthy(third["health_url"]), interval=0.1, timeout=60)


def _enqueued_without_a_storage_result(pg_url: str) -> list[str]:
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT a.job_id FROM waste.analyses a LEFT JOIN tasks.task_results t"
            " ON t.job_id = a.job_id AND t.worker = 'storage' AND t.state = 'succeeded'"
            " WHERE a.enqueued_at IS NOT NULL AND t.task_id IS NULL"
        ).fetchall()
    return [r[0] for r in rows]


def test_rolling_restart_replaces_the_worker_under_load_and_loses_nothing(sandbox: Sandbox) -> None:
    before = sandbox.state()["components"]["storage"]
    load = subprocess.Popen(
        [*CLI, "load", "--rate", "3", "--duration", "8", "--kind", "upload"],
        env=sandbox.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(2)  # uploads are flowing into q.storage
        result = sandbox.run("restart", "storage", timeout=120)
    finally:
        out, _ = load.communicate(timeout=120)
    assert result.returncode == 0, result.stderr
    assert "storage: stopped" in result.stdout and "storage: healthy" in result.stdout
    after = sandbox.state()["components"]["storage"]
    assert after["pid"] != before["pid"] and after["port"] == before["port"]
    assert not pid_alive(before["pid"]) and group_members(before["pid"]) == []
    assert after["restarts"] == 0  # a new process, as a rollout makes new pods
    assert healthy(after["health_url"])
    assert load.returncode == 0, out

    pg_url = sandbox.state()["external_urls"]["postgresql"]
    with psycopg.connect(pg_url) as conn:
        accepted = conn.execute(
            "SELECT count(*) FROM waste.analyses WHERE enqueued_at IS NOT NULL"
        ).fetchone()
    assert accepted and accepted[0] > 0
    # Every accepted upload is processed once the journals sync (every 5 s here): none lost.
    missing = eventually(lambda: not _enqueued_without_a_storage_result(pg_url), timeout=120, interval=1)
    assert missing, f"not processed: {_enqueued_without_a_storage_result(pg_url)}"


def test_restart_refuses_what_it_cannot_restart(sandbox: Sandbox) -> None:
    unknown = sandbox.run("restart", "postgresql")
    assert unknown.returncode == 2 and "unknown component(s) postgresql" in unknown.stderr


def test_the_console_restart_operation_goes_through_the_sandbox(sandbox: Sandbox) -> None:
    before = sandbox.state()["components"]["ai"]
    refused = sandbox.console("--read-only", "op", "restart", "-p", "target=ai")
    assert refused.returncode == 3 and "read-only" in refused.stderr
    plan = sandbox.console("op", "restart", "-p", "target=ai", "--plan-only")
    assert plan.returncode == 0, plan.stderr
    assert "simulated:" in plan.stdout and "StatefulSet ecoeco/worker-ai" in plan.stdout

    done = sandbox.console("op", "restart", "-p", "target=ai", "--confirm", "sandbox", "--json", timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert any(e["event"] == "output" and "ai: healthy" in e.get("text", "") for e in events), events
    assert events[-1]["event"] == "finished" and events[-1]["result"] == "succeeded"
    after = sandbox.state()["components"]["ai"]
    assert after["pid"] != before["pid"] and healthy(after["health_url"])
    assert sandbox.state()["watchdog"]["pid"] in watchdogs_of(sandbox.state_dir)


def test_down_stops_the_watchdog_and_nothing_comes_back(sandbox: Sandbox) -> None:
    state = sandbox.state()
    watchdog = state["watchdog"]
    result = sandbox.run("down")
    assert result.returncode == 0, result.stderr
    assert not pid_alive(watchdog["pid"]) and watchdogs_of(sandbox.state_dir) == []
    time.sleep(2)  # longer than a watchdog round: had it survived, it would restart something here
    for name, entry in state["components"].items():
        if entry.get("pid"):
            assert not pid_alive(entry["pid"]), name
    code, status = sandbox.status()
    assert code == 1 and not any(c["alive"] for c in status["components"] if c["kind"] != "external")
