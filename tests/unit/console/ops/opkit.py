"""Small operations for the runner's tests (real threads, real files; nothing mocked).

Imported by the tests as ``tests.unit.console.ops.opkit`` and run as a script by the
single-flight tests, as a second console would be: ``python opkit.py STATE_DIR KIND``.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from pydantic import BaseModel

from ecoeco.console.config import Profile
from ecoeco.console.ops import (
    CancelToken,
    Emit,
    ItemStatus,
    OperationContext,
    OperationRunner,
    OutputLine,
    Plan,
    Progress,
    Result,
)


class WriteParams(BaseModel):
    target: str
    content: str = "hello"
    source_url: str = ""


class WriteFile:
    """Writes ``content`` to ``target``: a mutation whose effect a test can see on disk."""

    name = "test.write"
    kind = "files"
    title = "Write a file"
    params_model = WriteParams
    mutates = True
    changes_infrastructure = False

    def __init__(self) -> None:
        self.runs = 0
        self.plans = 0

    def plan(self, params: WriteParams, ctx: OperationContext) -> Plan[WriteParams]:
        self.plans += 1
        verb = "overwrite" if Path(params.target).exists() else "create"
        return Plan(params=params, summary=(f"{verb} {params.target}",), details={"verb": verb})

    def run(self, plan: Plan[WriteParams], emit: Emit, cancel: CancelToken) -> Result:
        self.runs += 1
        emit(OutputLine(f"writing {plan.params.target} from {plan.params.source_url}"))
        Path(plan.params.target).write_text(plan.params.content)
        return Result(
            message=f"wrote {len(plan.params.content)} bytes", data={"source": plan.params.source_url}
        )


class Rebuild(WriteFile):
    """Changes infrastructure: the environment's name must be typed."""

    name = "test.rebuild"
    kind = "infra"
    title = "Rebuild"
    changes_infrastructure = True


class CountParams(BaseModel):
    items: int = 3


class Check:
    """A read-only check: allowed in read-only profiles, takes no lock."""

    name = "test.check"
    kind = "checks"
    title = "Check"
    params_model = CountParams
    mutates = False
    changes_infrastructure = False

    def __init__(self) -> None:
        self.runs = 0

    def plan(self, params: CountParams, ctx: OperationContext) -> Plan[CountParams]:
        return Plan(params=params, summary=(f"look at {params.items} items",), changes=False)

    def run(self, plan: Plan[CountParams], emit: Emit, cancel: CancelToken) -> Result:
        self.runs += 1
        return Result()


class Stream(Check):
    """Emits a known sequence of every kind of event."""

    name = "test.stream"
    kind = "stream"
    mutates = True

    def expected(self, n: int) -> list[OutputLine | Progress | ItemStatus]:
        out: list[OutputLine | Progress | ItemStatus] = []
        for i in range(n):
            out += [
                OutputLine(f"line {i}", "stdout" if i % 2 else "stderr"),
                ItemStatus(f"host-{i}", "changed" if i % 3 else "ok", detail=f"task {i}", group="stage"),
                Progress(i + 1, n, f"item {i}"),
            ]
        return out

    def run(self, plan: Plan[CountParams], emit: Emit, cancel: CancelToken) -> Result:
        for event in self.expected(plan.params.items):
            emit(event)
        return Result(data={"emitted": plan.params.items * 3})


class Boom(Check):
    """Raises half way, with a credential in the message."""

    name = "test.boom"
    kind = "boom"
    mutates = True

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def run(self, plan: Plan[CountParams], emit: Emit, cancel: CancelToken) -> Result:
        emit(OutputLine("step 1 done"))
        raise ConnectionError(self.message)


class Waits(Check):
    """Runs until cancelled (honours the token) or, with ``stubborn``, until ``release`` is set."""

    name = "test.waits"
    kind = "waits"
    mutates = True

    def __init__(self, *, stubborn: bool = False) -> None:
        super().__init__()
        self.started = threading.Event()
        self.release = threading.Event()
        self.stubborn = stubborn
        self.finished = threading.Event()

    def run(self, plan: Plan[CountParams], emit: Emit, cancel: CancelToken) -> Result:
        self.started.set()
        try:
            if self.stubborn:
                self.release.wait(30)
                emit(OutputLine("still here after the console gave up"))
                return Result()
            for i in range(3000):
                emit(Progress(i, None, "waiting"))
                if cancel.wait(0.01):
                    cancel.check()
            return Result()
        finally:
            self.finished.set()


class HoldParams(BaseModel):
    pass


class Hold:
    """Holds its kind's lock: in the second console until the parent closes our stdin; in the test
    process itself until cancelled."""

    name = "test.hold"
    title = "Hold"
    params_model = HoldParams
    mutates = True
    changes_infrastructure = False

    def __init__(
        self, kind: str, *, until_stdin_closes: bool = False, lock_kinds: tuple[str, ...] = ()
    ) -> None:
        self.kind = kind
        self.until_stdin_closes = until_stdin_closes
        self.lock_kinds = lock_kinds

    def plan(self, params: HoldParams, ctx: OperationContext) -> Plan[HoldParams]:
        return Plan(params=params, summary=("hold the lock",))

    def run(self, plan: Plan[HoldParams], emit: Emit, cancel: CancelToken) -> Result:
        if self.until_stdin_closes:
            print(f"running {os.getpid()}", flush=True)
            sys.stdin.read()
        else:
            while not cancel.wait(0.05):
                pass
            cancel.check()
        return Result()


def prod_profile(**kw: object) -> Profile:
    return Profile.model_validate({"name": "prod", "environment": "prod", **kw})


if __name__ == "__main__":
    # opkit.py STATE KIND [MORE_KINDS...]: holds KIND's lock and those of MORE_KINDS (lock_kinds).
    state, kind, more = Path(sys.argv[1]), sys.argv[2], tuple(sys.argv[3:])
    runner = OperationRunner(prod_profile(), state_dir=state)
    outcome = runner.run(runner.plan(Hold(kind, until_stdin_closes=True, lock_kinds=more), {}))
    sys.exit(0 if outcome.ok else 1)
