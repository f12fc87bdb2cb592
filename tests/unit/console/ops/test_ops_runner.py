"""The runner's guarantees with small real operations: plans change nothing; read-only and typed
confirmation refuse before anything runs; every run ends recorded (succeeded, failed, cancelled,
abandoned); events arrive in order; secrets never reach the audit file or the events."""

from __future__ import annotations

import dataclasses
import json
import threading
from pathlib import Path

import pytest
from tests.unit.console.ops.opkit import (
    Boom,
    Check,
    Rebuild,
    Stream,
    Waits,
    WriteFile,
    WriteParams,
    prod_profile,
)

from ecoeco.console.config import Profile
from ecoeco.console.errors import OperatorError
from ecoeco.console.ops import (
    CancelToken,
    Emit,
    Event,
    Finished,
    OperationContext,
    OperationRunner,
    OutputLine,
    Plan,
    Refused,
    Result,
    RunHandle,
    read_audit,
)
from ecoeco.console.ops.audit import AUDIT_FILE

WAIT = 10.0  # generous upper bound for a run to end; never asserted as a duration


def records(state: Path) -> list[dict[str, object]]:
    path = state / AUDIT_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def runner(state: Path) -> OperationRunner:
    return OperationRunner(prod_profile(), state_dir=state)


# --- plan ---------------------------------------------------------------------------------------------


def test_planning_changes_nothing_and_its_digest_is_stable(runner: OperationRunner, tmp_path: Path) -> None:
    op, target = WriteFile(), tmp_path / "out.txt"
    plan = runner.plan(op, {"target": str(target)})
    assert plan.summary == (f"create {target}",)
    assert op.plans == 1 and op.runs == 0
    # Nothing written: not the target, not the audit log, not a lock, not the work dir.
    assert not target.exists()
    assert not runner.state_dir.exists()
    again = runner.plan(op, {"target": str(target)})
    assert again.digest == plan.digest == plan.sealed_digest
    assert len(plan.digest) == 64
    assert runner.plan(op, {"target": str(target), "content": "other"}).digest != plan.digest
    staging = OperationRunner(Profile(name="staging", environment="staging"), state_dir=runner.state_dir)
    assert staging.plan(op, {"target": str(target)}).digest != plan.digest  # bound to its environment


def test_bad_parameters_are_an_operator_error_naming_the_field(runner: OperationRunner) -> None:
    with pytest.raises(OperatorError, match=r"test.write: target: Field required"):
        runner.plan(WriteFile(), {"content": "x"})
    with pytest.raises(OperatorError, match=r"items: Input should be a valid integer"):
        runner.plan(Check(), {"items": "many"})


def test_a_failing_plan_is_an_operator_error_with_secrets_masked(state: Path, tmp_path: Path) -> None:
    class CannotPlan(WriteFile):
        name = "test.cannot-plan"

        def plan(self, params: WriteParams, ctx: OperationContext) -> Plan[WriteParams]:
            raise PermissionError(f"backend refused amqp://ops:{PROFILE_PW}@mq (Access denied)")

    runner = OperationRunner(prod_profile(rabbitmq_password=PROFILE_PW), state_dir=state)
    with pytest.raises(OperatorError) as info:
        runner.plan(CannotPlan(), {"target": str(tmp_path / "a")})
    assert (
        str(info.value)
        == "test.cannot-plan: cannot plan: PermissionError: backend refused amqp://ops:***@mq (Access denied)"
    )
    assert isinstance(info.value.__cause__, PermissionError)
    assert not state.exists()  # nothing ran, so nothing to record


def test_a_plan_changed_after_it_was_shown_is_refused(runner: OperationRunner, tmp_path: Path) -> None:
    op = WriteFile()
    plan = runner.plan(op, {"target": str(tmp_path / "a")})
    forged = dataclasses.replace(plan, summary=("create something harmless",))
    with pytest.raises(Refused, match="the plan changed after it was shown") as info:
        runner.start(forged)
    assert info.value.reason == "stale-plan"
    assert op.runs == 0 and not (tmp_path / "a").exists()


def test_a_plan_of_another_profile_is_refused(state: Path, tmp_path: Path) -> None:
    staging = OperationRunner(Profile(name="staging", environment="staging"), state_dir=state)
    plan = staging.plan(WriteFile(), {"target": str(tmp_path / "a")})
    with pytest.raises(Refused, match="made for staging"):
        OperationRunner(prod_profile(), state_dir=state).start(plan)
    assert not (tmp_path / "a").exists()


# --- read-only ----------------------------------------------------------------------------------------


def test_read_only_refuses_a_mutating_operation_and_records_the_refusal(state: Path, tmp_path: Path) -> None:
    runner = OperationRunner(prod_profile(read_only=True), state_dir=state)
    op, target = WriteFile(), tmp_path / "out.txt"
    assert runner.unavailable(op) == "prod is read-only: test.write changes prod"
    with pytest.raises(Refused, match="prod is read-only") as info:
        runner.plan(op, {"target": str(target)})
    assert info.value.reason == "read-only"
    assert op.plans == 0 and op.runs == 0 and not target.exists()
    [rec] = records(state)
    assert rec["record"] == "refused" and rec["reason"] == "read-only" and rec["operation"] == "test.write"
    # A read-only check still runs there.
    check = Check()
    assert runner.unavailable(check) is None
    assert runner.run(runner.plan(check, {})).result == "succeeded" and check.runs == 1


def test_read_only_is_enforced_again_at_start(state: Path, tmp_path: Path) -> None:
    # A plan made while the profile was writable (e.g. before --read-only was given to a new runner).
    op, target = WriteFile(), tmp_path / "out.txt"
    plan = OperationRunner(prod_profile(), state_dir=state).plan(op, {"target": str(target)})
    with pytest.raises(Refused, match="read-only"):
        OperationRunner(prod_profile(read_only=True), state_dir=state).start(plan)
    assert op.runs == 0 and not target.exists()


# --- typed confirmation -------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", [None, "", "staging", "PROD", "pro", "prod prod"])
def test_infrastructure_changes_need_the_environment_name_typed(
    runner: OperationRunner, tmp_path: Path, typed: str | None
) -> None:
    op, target = Rebuild(), tmp_path / "cluster"
    plan = runner.plan(op, {"target": str(target)})
    with pytest.raises(Refused, match="nothing was run") as info:
        runner.start(plan, confirm=typed)
    assert info.value.reason == "confirmation"
    if typed:
        assert typed not in str(info.value).replace("'prod'", "")  # what was typed is never echoed
    assert op.runs == 0 and not target.exists()
    assert runner.holder(op) is None
    assert [r["record"] for r in records(runner.state_dir)] == ["refused"]


def test_the_right_confirmation_runs_it(runner: OperationRunner, tmp_path: Path) -> None:
    op, target = Rebuild(), tmp_path / "cluster"
    outcome = runner.run(runner.plan(op, {"target": str(target)}), confirm="prod")
    assert outcome.result == "succeeded" and target.read_text() == "hello"
    start = records(runner.state_dir)[0]
    assert (
        start["record"] == "start" and start["confirmed"] is True and start["changes_infrastructure"] is True
    )


def test_a_mutation_that_is_not_infrastructure_needs_no_confirmation(
    runner: OperationRunner, tmp_path: Path
) -> None:
    op = WriteFile()
    assert not runner.needs_confirmation(op)
    assert runner.run(runner.plan(op, {"target": str(tmp_path / "f")})).ok


# --- outcomes and the audit log -----------------------------------------------------------------------


def test_success_is_recorded_with_who_what_and_the_plan_digest(
    state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSH_CONNECTION", "203.0.113.9 52100 10.0.0.5 22")
    runner = OperationRunner(prod_profile(), state_dir=state)
    op, target = WriteFile(), tmp_path / "out.txt"
    plan = runner.plan(op, {"target": str(target), "content": "abc"})
    handle = runner.start(plan)
    outcome = handle.wait(WAIT)
    assert outcome is not None and outcome.result == "succeeded" and outcome.exit_code == 0
    assert outcome.message == "wrote 3 bytes" and target.read_text() == "abc"
    start, end = records(state)
    assert (
        start["record"] == "start"
        and end["record"] == "end"
        and start["run_id"] == end["run_id"] == handle.run_id
    )
    assert start["ssh_client"] == "203.0.113.9" and start["user"] == runner.who.user
    assert start["host"] == runner.who.host and start["environment"] == "prod" and start["profile"] == "prod"
    assert start["arguments"] == {"target": str(target), "content": "abc", "source_url": ""}
    assert start["plan_digest"] == end["plan_digest"] == plan.digest
    assert start["summary"] == [f"create {target}"]
    assert end["result"] == "succeeded" and end["exit_code"] == 0 and isinstance(end["duration_s"], float)
    [entry] = read_audit(state / AUDIT_FILE).entries
    assert (entry.result, entry.operation, entry.exit_code, entry.ssh_client) == (
        "succeeded", "test.write", 0, "203.0.113.9"
    )  # fmt: skip


def test_a_run_that_raises_is_recorded_as_failed_and_frees_the_lock(runner: OperationRunner) -> None:
    op = Boom("broker refused the connection")
    handle = runner.start(runner.plan(op, {}))
    outcome = handle.wait(WAIT)
    assert outcome is not None and outcome.result == "failed" and outcome.exit_code == 1
    assert outcome.message == "ConnectionError: broker refused the connection"
    events = handle.events()
    assert events[0] == OutputLine("step 1 done") and isinstance(events[-1], Finished)
    end = records(runner.state_dir)[-1]
    assert (end["result"], end["exit_code"], end["message"]) == ("failed", 1, outcome.message)
    assert runner.holder(op) is None
    assert runner.start(runner.plan(op, {})).wait(WAIT) is not None  # the next run is not blocked


def test_a_run_that_returns_not_ok_keeps_the_tools_exit_code(runner: OperationRunner, tmp_path: Path) -> None:
    class Fails(WriteFile):
        name = "test.fails"

        def run(self, plan: Plan[WriteParams], emit: Emit, cancel: CancelToken) -> Result:
            return Result(ok=False, exit_code=3, message="terraform exited 3")

    outcome = runner.run(runner.plan(Fails(), {"target": str(tmp_path / "x")}))
    assert (outcome.result, outcome.exit_code, outcome.message) == ("failed", 3, "terraform exited 3")


def test_cancel_stops_the_run_and_is_recorded(runner: OperationRunner) -> None:
    op = Waits()
    handle = runner.start(runner.plan(op, {}))
    assert op.started.wait(WAIT)
    assert [h.run_id for h in runner.active()] == [handle.run_id]
    handle.cancel("operator pressed c")
    outcome = handle.wait(WAIT)
    assert outcome is not None and outcome.result == "cancelled" and outcome.exit_code == 130
    assert outcome.message == "operator pressed c"
    end = records(runner.state_dir)[-1]
    assert end["result"] == "cancelled" and end["cancel_requested"] is True
    assert runner.active() == [] and runner.holder(op) is None


def test_a_run_that_ignores_cancel_is_recorded_abandoned_once(runner: OperationRunner) -> None:
    op = Waits(stubborn=True)
    handle = runner.start(runner.plan(op, {}))
    assert op.started.wait(WAIT)
    runner.close(timeout=0.05)
    assert handle.outcome is not None and handle.outcome.result == "abandoned"
    assert handle.outcome.exit_code is None
    op.release.set()
    assert op.finished.wait(WAIT)
    assert handle.thread is not None
    handle.thread.join(WAIT)
    ends = [r for r in records(runner.state_dir) if r["record"] == "end"]
    assert [e["result"] for e in ends] == ["abandoned"]  # the late return writes no second end
    assert isinstance(handle.events()[-1], Finished)
    assert not any(isinstance(e, OutputLine) for e in handle.events())  # late output is dropped


def test_events_stream_in_order_with_finished_last(state: Path) -> None:
    seen: list[tuple[str, Event]] = []
    lock = threading.Lock()

    def on_event(handle: RunHandle, event: Event) -> None:
        with lock:
            seen.append((handle.run_id, event))

    runner = OperationRunner(prod_profile(), state_dir=state, on_event=on_event)
    op = Stream()
    handle = runner.start(runner.plan(op, {"items": 50}))
    outcome = handle.wait(WAIT)
    assert outcome is not None and outcome.data == {"emitted": 150}
    assert [e for _, e in seen[:-1]] == op.expected(50) == handle.events()[:-1]
    assert {rid for rid, _ in seen} == {handle.run_id}
    assert seen[-1][1] == Finished(outcome) == handle.events()[-1]


def test_a_callback_may_read_the_runs_events_while_it_streams(state: Path) -> None:
    counts: list[int] = []
    runner = OperationRunner(
        prod_profile(), state_dir=state, on_event=lambda h, e: counts.append(len(h.events()))
    )
    outcome = runner.run(runner.plan(Stream(), {"items": 4}), timeout=WAIT)
    assert outcome.ok and counts == list(range(1, 14))  # 12 events and Finished, each seen once it is kept


def test_a_failing_event_callback_does_not_break_the_run(state: Path) -> None:
    def on_event(handle: RunHandle, event: Event) -> None:
        raise RuntimeError("the screen is gone")

    runner = OperationRunner(prod_profile(), state_dir=state, on_event=on_event)
    assert runner.run(runner.plan(Stream(), {"items": 2})).result == "succeeded"


def test_an_unwritable_audit_log_means_nothing_runs(state: Path, tmp_path: Path) -> None:
    state.mkdir(parents=True)
    (state / AUDIT_FILE).mkdir()  # a directory where the file should be: appending fails
    runner = OperationRunner(prod_profile(), state_dir=state)
    op, target = WriteFile(), tmp_path / "out.txt"
    with pytest.raises(OperatorError, match="cannot write the audit log"):
        runner.start(runner.plan(op, {"target": str(target)}))
    assert op.runs == 0 and not target.exists() and runner.holder(op) is None


# --- secrets ------------------------------------------------------------------------------------------

PROFILE_PW = "Pr0d-Rabbit!pw"
PARAM_PW = "hunter2-deploy"


def test_secrets_never_reach_the_audit_file_nor_the_events(state: Path, tmp_path: Path) -> None:
    profile = prod_profile(
        rabbitmq_password=PROFILE_PW,
        broker_url=f"amqp://ops:{PROFILE_PW}@mq.internal:5672/ecoeco",
    )
    seen: list[Event] = []
    runner = OperationRunner(profile, state_dir=state, on_event=lambda h, e: seen.append(e))
    url = f"https://deploy:{PARAM_PW}@git.example/infra.git"

    class Leaky(WriteFile):
        name = "test.leaky"

        def run(self, plan: Plan[WriteParams], emit: Emit, cancel: CancelToken) -> Result:
            emit(OutputLine(f"connecting with password={PROFILE_PW} to {plan.params.source_url}"))
            return super().run(plan, emit, cancel)

    assert runner.run(runner.plan(Leaky(), {"target": str(tmp_path / "a"), "source_url": url})).ok
    boom = Boom(f"cannot reach amqp://ops:{PROFILE_PW}@mq.internal (tried {PROFILE_PW})")
    assert runner.run(runner.plan(boom, {})).result == "failed"
    read_only = OperationRunner(profile.model_copy(update={"read_only": True}), state_dir=state)
    with pytest.raises(Refused) as info:
        read_only.plan(WriteFile(), {"target": str(tmp_path / "b"), "source_url": url})
    assert PARAM_PW not in str(info.value)

    raw = (state / AUDIT_FILE).read_text()
    assert [r["record"] for r in records(state)] == ["start", "end", "start", "end", "refused"]
    assert PROFILE_PW not in raw and PARAM_PW not in raw
    assert "https://deploy:***@git.example/infra.git" in raw  # redacted, not dropped
    shown = repr(seen)
    assert PROFILE_PW not in shown and PARAM_PW not in shown
    assert "connecting with password=***" in shown


# --- the operation's declaration ----------------------------------------------------------------------


def test_a_malformed_operation_is_a_programming_error(runner: OperationRunner) -> None:
    class NoMutate(Check):
        name = "test.bad"
        changes_infrastructure = True  # but mutates = False

    class BadName(Check):
        name = "Bad Name!"

    with pytest.raises(TypeError, match="changes infrastructure mutates"):
        runner.plan(NoMutate(), {})
    with pytest.raises(TypeError, match="name must match"):
        runner.plan(BadName(), {})
