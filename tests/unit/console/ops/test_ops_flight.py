"""Single flight across processes: a second console (a real Python process running the real runner)
holds ``locks/KIND@ENV.lock``; this one is refused and told who holds it; once the holder is gone,
cleanly or killed, the lock is free again (a dead holder's lock is taken over, and the audit says so)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.unit.console.ops.opkit import Hold, prod_profile

from ecoeco.console.config import Profile
from ecoeco.console.ops import FlightBusy, FlightLock, LockHolder, OperationRunner, read_audit
from ecoeco.console.ops.audit import AUDIT_FILE
from ecoeco.console.ops.base import lock_kinds
from ecoeco.console.ops.state import who
from ecoeco.shared.procs import pid_alive

OPKIT = Path(__file__).with_name("opkit.py")
WAIT = 20.0  # upper bound for the helper to start (imports on a loaded 2-core host); never asserted


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def holder(state: Path) -> Iterator[subprocess.Popen[str]]:
    """A second console on this host, running a `terraform`-kind operation on prod until told to stop."""
    proc = subprocess.Popen(
        [sys.executable, str(OPKIT), str(state), "terraform"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until the helper's run has started (it holds the lock)
        assert line.strip() == f"running {proc.pid}", (line, proc.stderr.read() if proc.stderr else "")
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(WAIT)


def wait_dead(pid: int) -> None:
    deadline = time.monotonic() + WAIT
    while pid_alive(pid):
        assert time.monotonic() < deadline, f"pid {pid} still alive"
        time.sleep(0.01)


def test_a_second_console_is_refused_and_told_who_holds_the_lock(
    state: Path, holder: subprocess.Popen[str]
) -> None:
    runner = OperationRunner(prod_profile(), state_dir=state)
    op = Hold("terraform")
    held_by = runner.holder(op)
    assert held_by is not None and held_by.pid == holder.pid and held_by.operation == "test.hold"
    with pytest.raises(FlightBusy) as info:
        runner.start(runner.plan(op, {}))
    busy = info.value
    assert busy.reason == "busy" and busy.holder is not None and busy.holder.pid == holder.pid
    me = who()
    assert (busy.holder.user, busy.holder.host) == (me.user, me.host)
    message = str(busy)
    assert f"pid {holder.pid}" in message and f"{me.user}@{me.host}" in message and "since 20" in message
    assert "a terraform operation is already running on prod" in message

    # The same kind on another environment, and another kind on prod, are not blocked.
    staging = OperationRunner(Profile(name="staging", environment="staging"), state_dir=state)
    beside = [
        staging.start(staging.plan(Hold("terraform"), {})),
        runner.start(runner.plan(Hold("ansible"), {})),
    ]
    for handle in beside:
        handle.cancel()
        outcome = handle.wait(WAIT)
        assert outcome is not None and outcome.result == "cancelled"  # it ran (and held) until cancelled

    # The holder finishes: the lock is free and the next run takes it.
    assert holder.stdin is not None
    holder.stdin.close()
    assert holder.wait(WAIT) == 0
    assert runner.holder(op) is None
    lock = FlightLock(runner.locks_dir, "terraform", "prod")
    assert lock.acquire(LockHolder.of(me, "test.hold", "next", time.time())) is None  # released cleanly
    lock.release()

    read = read_audit(state / AUDIT_FILE)
    by_result = {(e.result, e.operation, e.pid) for e in read.entries if e.environment == "prod"}
    assert ("succeeded", "test.hold", holder.pid) in by_result
    assert ("refused", "test.hold", os.getpid()) in by_result


def test_the_lock_of_a_killed_console_is_taken_over_and_its_run_shows_unfinished(
    state: Path, holder: subprocess.Popen[str]
) -> None:
    runner = OperationRunner(prod_profile(), state_dir=state)
    op = Hold("terraform")
    os.kill(holder.pid, signal.SIGKILL)  # no chance to release or to write its end record
    holder.wait(WAIT)
    wait_dead(holder.pid)
    lock_file = runner.locks_dir / "terraform@prod.lock"
    assert json.loads(lock_file.read_text())["pid"] == holder.pid  # the dead holder's record is still there
    assert runner.holder(op) is None  # a screen does not show a dead holder as running

    handle = runner.start(runner.plan(op, {}))
    assert json.loads(lock_file.read_text())["run_id"] == handle.run_id
    handle.cancel()
    assert handle.wait(WAIT) is not None
    starts = [json.loads(x) for x in (state / AUDIT_FILE).read_text().splitlines()]
    mine = next(r for r in starts if r.get("run_id") == handle.run_id and r["record"] == "start")
    assert f"pid {holder.pid}" in mine["lock_taken_over"]

    entries = read_audit(state / AUDIT_FILE).entries
    dead = next(e for e in entries if e.pid == holder.pid)
    assert dead.result == "unfinished" and dead.ended is None


def test_a_lock_left_by_a_dead_pid_is_taken_over(state: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(WAIT)
    stale = LockHolder("test.hold", "old-run", "alice", who().host, gone.pid, time.time() - 3600)
    lock_dir = state / "locks"
    lock_dir.mkdir(parents=True)
    (lock_dir / "terraform@prod.lock").write_text(json.dumps(stale.to_json()))
    lock = FlightLock(lock_dir, "terraform", "prod")
    assert lock.peek() is None
    taken = lock.acquire(LockHolder.of(who(), "test.hold", "new-run", time.time()))
    try:
        assert taken == stale
        assert lock.peek() is not None and lock.peek().run_id == "new-run"  # type: ignore[union-attr]
        with pytest.raises(FlightBusy):  # and it is really held, even within one process
            FlightLock(lock_dir, "terraform", "prod").acquire(LockHolder.of(who(), "x", "third", time.time()))
    finally:
        lock.release()
    assert (lock_dir / "terraform@prod.lock").read_text() == ""


# --- an operation that needs the locks of several kinds (the rebuild: terraform, ansible, restart) ---


def test_an_operation_holds_every_lock_kind_it_declares_and_conflicts_both_ways(state: Path) -> None:
    runner = OperationRunner(prod_profile(), state_dir=state)
    me = who()
    wide = Hold("terraform", lock_kinds=("ansible", "restart"))
    handle = runner.start(runner.plan(wide, {}))
    try:
        for kind in ("terraform", "ansible", "restart"):
            lock_file = runner.locks_dir / f"{kind}@prod.lock"
            assert json.loads(lock_file.read_text())["run_id"] == handle.run_id
        # An ansible-kind run is refused, told which run of which operation holds its lock, and since when.
        with pytest.raises(FlightBusy) as info:
            runner.start(runner.plan(Hold("ansible"), {}))
        message = str(info.value)
        assert message.startswith("test.hold is running on prod and holds its ansible lock: ")
        assert f"test.hold run {handle.run_id} by {me.user}@{me.host}" in message and "since 20" in message
        assert info.value.holder is not None and info.value.holder.run_id == handle.run_id
        assert runner.holder(Hold("restart")) is not None  # what a screen shows before offering it
        # Kinds it does not declare still run beside it.
        other = runner.start(runner.plan(Hold("cdn"), {}))
        other.cancel()
        assert other.wait(WAIT) is not None
    finally:
        handle.cancel()
        assert handle.wait(WAIT) is not None
    # Released, every one of them.
    for kind in ("terraform", "ansible", "restart"):
        assert (runner.locks_dir / f"{kind}@prod.lock").read_text() == ""
    assert runner.holder(wide) is None


def test_all_or_none_a_wide_operation_is_refused_by_any_one_of_its_kinds_and_keeps_none(state: Path) -> None:
    runner = OperationRunner(prod_profile(), state_dir=state)
    narrow = runner.start(runner.plan(Hold("ansible"), {}))
    try:
        wide = Hold("terraform", lock_kinds=("ansible",))
        assert runner.holder(wide) is not None and runner.holder(wide).run_id == narrow.run_id  # type: ignore[union-attr]
        with pytest.raises(FlightBusy) as info:
            runner.start(runner.plan(wide, {}))
        assert "an ansible operation is already running on prod: test.hold run" in str(info.value)
        # The terraform lock it took first was given back: a terraform run starts.
        assert (runner.locks_dir / "terraform@prod.lock").read_text() == ""
        beside = runner.start(runner.plan(Hold("terraform"), {}))
        beside.cancel()
        assert beside.wait(WAIT) is not None
    finally:
        narrow.cancel()
        assert narrow.wait(WAIT) is not None
    refused = [json.loads(x) for x in (state / AUDIT_FILE).read_text().splitlines()]
    assert [r["reason"] for r in refused if r["record"] == "refused"] == ["busy"]


def test_a_second_console_holding_the_wide_locks_refuses_ours(state: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, str(OPKIT), str(state), "terraform", "ansible"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == f"running {proc.pid}"
        runner = OperationRunner(prod_profile(), state_dir=state)
        with pytest.raises(FlightBusy) as info:
            runner.start(runner.plan(Hold("ansible"), {}))
        assert f"pid {proc.pid}" in str(info.value) and "holds its ansible lock" in str(info.value)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(WAIT)


def test_lock_kinds_are_checked_like_kinds(state: Path) -> None:
    runner = OperationRunner(prod_profile(), state_dir=state)
    with pytest.raises(TypeError, match="lock_kinds"):
        runner.plan(Hold("terraform", lock_kinds=("Not A Kind",)), {})
    assert lock_kinds(Hold("terraform", lock_kinds=("ansible", "terraform"))) == ("terraform", "ansible")
    assert lock_kinds(Hold("cdn")) == ("cdn",)
