"""What an operation is: validated parameters, a side-effect-free ``plan`` that says what will change,
and a ``run`` that streams typed events and honours a cancel token.

An operation never checks read-only, asks for confirmation, takes a lock or writes the audit log: the
``OperationRunner`` does all four, for every operation, in one place. Named "operation" (not "action")
so that it cannot be confused with Textual's ``action_*`` methods. See docs/decisions/write-side.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel

from ecoeco.console.config import Profile
from ecoeco.console.errors import OperatorError
from ecoeco.shared.redact import redact

__all__ = [
    "CancelToken",
    "Cancelled",
    "Emit",
    "Event",
    "Finished",
    "ItemState",
    "ItemStatus",
    "Operation",
    "OperationContext",
    "Outcome",
    "OutputLine",
    "Plan",
    "Progress",
    "Refused",
    "Result",
    "RunResult",
    "check_operation",
    "lock_kinds",
    "plan_digest",
]

P = TypeVar("P", bound=BaseModel)

# Operation names and kinds end up in file names (locks) and audit records: keep them plain.
NAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")


class Refused(OperatorError):
    """The runner would not run (or plan) it; nothing was run. ``reason`` is one of
    read-only | confirmation | busy | stale-plan, as the audit log records it."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


# --- cancellation -----------------------------------------------------------------------------------


class Cancelled(OperatorError):
    """Raised by ``CancelToken.check()``: the run stops here and is recorded as cancelled."""


class CancelToken:
    """Set once by the operator (or by the console shutting down); read by the run.

    A run polls ``check()`` between safe points, sleeps with ``wait()``, and registers ``on_cancel``
    callbacks for what cannot poll (e.g. sending SIGINT to a child process that is streaming).
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []
        self.reason = ""

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self, reason: str = "cancelled by the operator") -> None:
        with self._lock:
            if self._event.is_set():
                return
            self.reason = reason
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for fn in callbacks:
            # A failing callback must not stop the others (nor the caller, often the UI thread).
            with contextlib.suppress(Exception):
                fn()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled(self.reason or "cancelled")

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True as soon as the run is cancelled."""
        return self._event.wait(seconds)

    def on_cancel(self, fn: Callable[[], None]) -> Callable[[], None]:
        """Call ``fn`` on cancellation (at once if already cancelled); returns an unregister function."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(fn)

                def unregister() -> None:
                    with self._lock:
                        if fn in self._callbacks:
                            self._callbacks.remove(fn)

                return unregister
        fn()
        return lambda: None


# --- events a run streams ---------------------------------------------------------------------------

ItemState = Literal["pending", "running", "ok", "changed", "skipped", "failed", "unreachable"]
RunResult = Literal["succeeded", "failed", "cancelled", "abandoned"]


@dataclass(frozen=True, slots=True)
class OutputLine:
    """One line of a tool's output (no trailing newline)."""

    text: str
    stream: Literal["stdout", "stderr", "info"] = "stdout"


@dataclass(frozen=True, slots=True)
class Progress:
    """``done`` of ``total`` (None: unknown total), with what is being done."""

    done: float
    total: float | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class ItemStatus:
    """The state of one item: a host (ansible), a resource address (terraform), a path (cdn), a message."""

    item: str
    state: ItemState
    detail: str = ""
    group: str = ""  # e.g. the ansible stage or task the item belongs to


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a run ended, as recorded in the audit log. Written by the runner only."""

    result: RunResult
    exit_code: int | None
    message: str
    duration_s: float
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.result == "succeeded"


@dataclass(frozen=True, slots=True)
class Finished:
    """The last event of every run, emitted by the runner (never by an operation)."""

    outcome: Outcome


Event = OutputLine | Progress | ItemStatus | Finished
Emit = Callable[[OutputLine | Progress | ItemStatus], None]


@dataclass(frozen=True, slots=True)
class Result:
    """What ``run`` returns when it ends by itself (raising ``Cancelled`` or anything else is also fine)."""

    ok: bool = True
    exit_code: int | None = None  # the tool's own exit code, when there is one
    message: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)  # JSON-able; recorded in the audit (redacted)


# --- plan -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OperationContext:
    """What ``plan`` may read. ``work_dir`` is the one place it may write (e.g. a saved Terraform plan
    file); it is not created in advance."""

    profile: Profile
    work_dir: Path
    secrets: tuple[str, ...] = field(default=(), repr=False)
    # A long plan (terraform plan) checks it like a run does; cancelling a plan changes nothing.
    cancel: CancelToken = field(default_factory=CancelToken, repr=False)

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)


@dataclass(frozen=True)
class Plan(Generic[P]):
    """What a run will change, made by ``Operation.plan`` and shown before anything runs.

    An operation fills ``params``, ``summary`` (lines an operator reads in the confirmation),
    ``details`` (JSON-able data its ``run`` needs, e.g. a saved plan file and its hash) and ``changes``
    (False: nothing to do). The runner fills ``operation`` and ``environment`` (both in the digest)
    and ``created_at``, ``context``, ``op`` and ``sealed_digest`` (outside it). The digest covers
    everything that decides what happens, so the run is checked against exactly what was shown and
    the audit record names it.
    """

    params: P
    summary: tuple[str, ...]
    details: Mapping[str, Any] = field(default_factory=dict)
    changes: bool = True
    # Credentials the plan learned (e.g. from a credentials file) and the runner must mask too.
    secrets: tuple[str, ...] = field(default=(), repr=False, compare=False)
    operation: str = ""
    environment: str = ""
    created_at: float = field(default=0.0, compare=False)
    context: OperationContext | None = field(default=None, repr=False, compare=False)
    op: Operation[P] | None = field(default=None, repr=False, compare=False)
    sealed_digest: str = field(default="", compare=False)  # the digest when it was shown

    @property
    def digest(self) -> str:
        return plan_digest(self)

    @property
    def profile(self) -> Profile:
        if self.context is None:
            raise RuntimeError("plan not bound to a runner: make it with OperationRunner.plan()")
        return self.context.profile


def plan_digest(plan: Plan[Any]) -> str:
    """sha256 of the canonical JSON of what decides the run: operation, environment, parameters,
    summary, details and whether anything changes. Stable across processes and Python versions."""
    body = {
        "operation": plan.operation,
        "environment": plan.environment,
        "params": plan.params.model_dump(mode="json"),
        "summary": list(plan.summary),
        "details": plan.details,
        "changes": plan.changes,
    }
    try:
        canonical = json.dumps(
            body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_mapping_as_dict
        )
    except TypeError as exc:
        raise TypeError(f"{plan.operation}: plan details must be JSON-able ({exc})") from exc
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _mapping_as_dict(value: object) -> dict[str, Any]:
    if isinstance(value, Mapping):  # the read-only view of details, or a nested one
        return dict(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def frozen_details(details: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only view, so a run cannot quietly change what was shown (the runner re-checks anyway)."""
    return MappingProxyType(dict(details))


# --- the operation ----------------------------------------------------------------------------------


class Operation(Protocol[P]):
    """One thing the console can do to an environment.

    ``name`` is what the operator types (``ecoeco-console op NAME``) and the audit records;
    ``kind`` is the single-flight key: two operations of one kind never run at once on one
    environment (e.g. every terraform operation shares the kind ``terraform``). An operation that
    touches what other kinds own also declares ``lock_kinds`` (optional; its own kind is always one):
    a mutating run holds the lock of every one of them, so none of those kinds runs beside it (the
    rebuild runs terraform and ansible and restarts the workloads: ``("terraform", "ansible",
    "restart")``). See ``lock_kinds()``.
    """

    name: str
    kind: str
    title: str
    params_model: type[P]
    mutates: bool  # False: a read-only check; allowed in read-only profiles, no lock, no confirmation
    changes_infrastructure: bool  # True: the environment's name must be typed in full to run it

    def plan(self, params: P, ctx: OperationContext) -> Plan[P]:
        """What a run with ``params`` would change. No side effects on any system; may write only
        under ``ctx.work_dir``. Raise ``OperatorError`` with a readable message when it cannot plan."""
        ...

    def run(self, plan: Plan[P], emit: Emit, cancel: CancelToken) -> Result:
        """Do exactly what ``plan`` says, emitting events as it goes (from any thread: ``emit`` is
        thread-safe). Stop at the next safe point once ``cancel`` is set (``cancel.check()``)."""
        ...


def lock_kinds(op: Operation[Any]) -> tuple[str, ...]:
    """The single-flight locks a mutating run of ``op`` holds: its own kind first, then what it
    declares in ``lock_kinds`` (an optional attribute), each once."""
    declared = getattr(op, "lock_kinds", None) or ()
    if isinstance(declared, str):
        declared = (declared,)
    return tuple(dict.fromkeys((op.kind, *declared)))


def check_operation(op: Operation[Any]) -> None:
    """Refuse a malformed operation early: a programming error, not an operator's."""
    for attr in ("name", "kind"):
        value = getattr(op, attr, None)
        if not isinstance(value, str) or not NAME_RE.match(value):
            raise TypeError(f"{type(op).__name__}.{attr} must match {NAME_RE.pattern}, got {value!r}")
    for kind in lock_kinds(op):
        if not isinstance(kind, str) or not NAME_RE.match(kind):
            raise TypeError(f"{type(op).__name__}.lock_kinds: {kind!r} must match {NAME_RE.pattern}")
    model = getattr(op, "params_model", None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"{op.name}: params_model must be a pydantic model class")
    if op.changes_infrastructure and not op.mutates:
        raise TypeError(f"{op.name}: an operation that changes infrastructure mutates")
