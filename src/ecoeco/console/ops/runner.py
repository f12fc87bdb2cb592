"""The one runner of operations: the only place where read-only, typed confirmation, single flight and
the audit log are enforced. Built like the read side's collector: plain threads, no textual, callbacks
(the UI turns each into a ``post_message``, which does not wait for the screen); the CLI and tests use
it without a terminal.

    runner = OperationRunner(profile, on_event=show)
    plan = runner.plan(op, {"paths": ["/index.html"]})   # no side effects; shows plan.summary
    handle = runner.start(plan, confirm="prod")          # refuses, or runs in its own thread
    outcome = handle.wait()                              # Outcome: succeeded|failed|cancelled|abandoned

Every run that starts ends with exactly one end record and one ``Finished`` event, whether the
operation returned, raised or was cancelled; only a console killed outright leaves a start record
without an end, which the audit reader shows as unfinished.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, SecretStr, ValidationError

from ecoeco.console.config import SECRET_FIELDS, Profile
from ecoeco.console.errors import OperatorError, short_error
from ecoeco.console.ops import state
from ecoeco.console.ops.audit import AUDIT_FILE, AuditLog, scrub
from ecoeco.console.ops.base import (
    Cancelled,
    CancelToken,
    Event,
    Finished,
    ItemStatus,
    Operation,
    OperationContext,
    Outcome,
    OutputLine,
    Plan,
    Progress,
    Refused,
    Result,
    RunResult,
    check_operation,
    frozen_details,
    lock_kinds,
)
from ecoeco.console.ops.lock import FlightBusy, FlightLock, LockHolder
from ecoeco.shared.redact import redact

__all__ = ["EXIT_CANCELLED", "EXIT_FAILED", "OperationRunner", "RunHandle", "profile_secrets"]

P = TypeVar("P", bound=BaseModel)

EXIT_FAILED = 1
EXIT_CANCELLED = 130  # as a shell reports a command stopped by Ctrl-C
MAX_KEPT_EVENTS = 10_000  # per run, for a screen opened after the run started
MESSAGE_LIMIT = 2000

OnEvent = Callable[["RunHandle", Event], None]


def profile_secrets(profile: Profile) -> tuple[str, ...]:
    """Every secret of the profile (its SecretStr fields and any password inside one of its URLs),
    raw and URL-decoded, for literal masking on top of the redactor's patterns."""
    found: list[str] = []
    for name in SECRET_FIELDS:
        value = getattr(profile, name)
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())

    def urls(value: Any) -> list[str]:
        if isinstance(value, str):
            return [value] if "://" in value else []
        if isinstance(value, Mapping):
            return [u for v in value.values() for u in urls(v)]
        if isinstance(value, list):
            return [u for v in value for u in urls(v)]
        return []

    for url in [*found, *urls(profile.model_dump())]:
        with contextlib.suppress(ValueError):
            password = urlsplit(url).password
            if password:
                found += [password, unquote(password)]
    return tuple(dict.fromkeys(s for s in found if s))


class RunHandle:
    """One started run: its events so far, its cancel token, and (once done) its outcome."""

    def __init__(self, run_id: str, plan: Plan[Any], locks: tuple[FlightLock, ...], secrets: tuple[str, ...]):
        self.run_id = run_id
        self.plan = plan
        self.cancel_token = CancelToken()
        self.started_at = time.time()
        self.outcome: Outcome | None = None
        self._t0 = time.monotonic()
        self._locks = locks
        self._secrets = secrets
        self._events: deque[Event] = deque(maxlen=MAX_KEPT_EVENTS)
        # Re-entrant: an on_event callback may call events() on the run it is told about.
        self._emit_lock = threading.RLock()
        self._ended = False
        self._done = threading.Event()
        self.thread: threading.Thread | None = None

    @property
    def operation(self) -> str:
        return self.plan.operation

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def cancel(self, reason: str = "cancelled by the operator") -> None:
        self.cancel_token.cancel(reason)

    def wait(self, timeout: float | None = None) -> Outcome | None:
        """The outcome once the run has ended; None if it is still going after ``timeout``."""
        self._done.wait(timeout)
        return self.outcome

    def events(self) -> list[Event]:
        with self._emit_lock:
            return list(self._events)

    def elapsed(self) -> float:
        return time.monotonic() - self._t0


class OperationRunner:
    """Plans and runs operations for one profile. Thread-safe; one per console process."""

    def __init__(
        self,
        profile: Profile,
        *,
        on_event: OnEvent | None = None,
        state_dir: Path | None = None,
        who: state.Who | None = None,
    ) -> None:
        self.profile = profile
        self.on_event = on_event
        self.state_dir = state.state_dir(state_dir)
        self.audit = AuditLog(self.state_dir / AUDIT_FILE)
        self.locks_dir = self.state_dir / "locks"
        self.who = who or state.who()
        self.secrets = profile_secrets(profile)
        self._runs: dict[str, RunHandle] = {}  # the active ones: a long TUI session keeps no history here
        self._lock = threading.Lock()

    # --- what the UI asks before offering an operation ---------------------------------------------

    def unavailable(self, op: Operation[Any]) -> str | None:
        """Why ``op`` cannot run in this profile (the TUI hides it), or None."""
        if op.mutates and self.profile.read_only:
            return f"{self.profile.name} is read-only: {op.name} changes {self.profile.environment}"
        return None

    def needs_confirmation(self, op: Operation[Any]) -> bool:
        return op.changes_infrastructure

    def holder(self, op: Operation[Any]) -> LockHolder | None:
        """Who holds one of the locks ``op`` needs on this environment now (any console on the host):
        a run of its own kind, or one (a rebuild) that holds its kind too."""
        for kind in lock_kinds(op):
            found = FlightLock(self.locks_dir, kind, self.profile.environment).peek()
            if found is not None:
                return found
        return None

    def active(self) -> list[RunHandle]:
        with self._lock:
            return [h for h in self._runs.values() if not h.done]

    # --- plan ---------------------------------------------------------------------------------------

    def plan(
        self, op: Operation[P], params: P | Mapping[str, Any], *, cancel: CancelToken | None = None
    ) -> Plan[P]:
        """Validate ``params`` and ask ``op`` what it would change. Runs in the caller's thread (the
        TUI calls it from a thread worker). Raises ``OperatorError`` (``Refused`` in read-only)."""
        check_operation(op)
        try:
            raw = params.model_dump() if isinstance(params, BaseModel) else dict(params)
            model = op.params_model.model_validate(raw)
        except ValidationError as exc:
            raise OperatorError(f"{op.name}: {_validation_message(exc, self.secrets)}") from exc
        reason = self.unavailable(op)
        if reason:
            self._refused(op, model, None, "read-only", reason + "; nothing was run")
        ctx = OperationContext(
            profile=self.profile,
            work_dir=self.state_dir / "work" / op.kind / self.profile.environment,
            secrets=self.secrets,
            cancel=cancel or CancelToken(),
        )
        try:
            made = op.plan(model, ctx)
        except Cancelled:
            raise
        except Exception as exc:  # shown to the operator, secrets masked; chained (re-raised) for debugging
            raise OperatorError(
                f"{op.name}: cannot plan: {short_error(exc, self.secrets, MESSAGE_LIMIT)}"
            ) from exc
        if not isinstance(made, Plan) or not isinstance(made.params, op.params_model):
            raise TypeError(f"{op.name}.plan must return a Plan of {op.params_model.__name__}")
        bound = dataclasses.replace(
            made,
            summary=tuple(str(line) for line in made.summary),
            details=frozen_details(made.details),
            operation=op.name,
            environment=self.profile.environment,
            created_at=time.time(),
            context=ctx,
            op=op,
        )
        return dataclasses.replace(bound, sealed_digest=bound.digest)

    # --- run ----------------------------------------------------------------------------------------

    def confirm_phrase(self, op: Operation[Any]) -> str | None:
        """The second phrase ``op`` asks to be typed on top of the environment's name (terraform
        destroy: ``destroy prod``), or None. An operation opts in with a ``confirm_phrase`` attribute
        (a format string with ``{environment}``)."""
        template = getattr(op, "confirm_phrase", None)
        return template.format(environment=self.profile.environment) if template else None

    def start(
        self, plan: Plan[Any], *, confirm: str | None = None, confirm_phrase: str | None = None
    ) -> RunHandle:
        """Check, lock, record, and run ``plan`` in its own thread. Raises ``Refused`` (nothing ran)."""
        op = plan.op
        if op is None or plan.context is None:
            raise OperatorError("this plan was not made by OperationRunner.plan(); plan again")
        if plan.environment != self.profile.environment or plan.context.profile.name != self.profile.name:
            self._refused(
                op, plan.params, plan, "stale-plan",
                f"this plan was made for {plan.context.profile.name} ({plan.environment}), not for "
                f"{self.profile.name} ({self.profile.environment}); nothing was run",
            )  # fmt: skip
        if plan.digest != plan.sealed_digest:
            self._refused(
                op, plan.params, plan, "stale-plan",
                f"{op.name}: the plan changed after it was shown; plan again (nothing was run)",
            )  # fmt: skip
        reason = self.unavailable(op)
        if reason:
            self._refused(op, plan.params, plan, "read-only", reason + "; nothing was run")
        if op.changes_infrastructure:
            env = self.profile.environment
            typed = (confirm or "").strip()
            if not typed:
                self._refused(
                    op, plan.params, plan, "confirmation",
                    f"{op.name} changes the infrastructure of {env}: type the environment name to "
                    f"confirm (--confirm {env}); nothing was run",
                )  # fmt: skip
            if typed != env:
                # The typed text is not echoed: it may be anything, even a password typed in the wrong box.
                self._refused(
                    op, plan.params, plan, "confirmation",
                    f"the confirmation does not match the environment name {env!r}; nothing was run",
                )  # fmt: skip
            phrase = self.confirm_phrase(op)
            if phrase is not None and (confirm_phrase or "").strip() != phrase:
                self._refused(
                    op, plan.params, plan, "confirmation",
                    f"{op.name} also asks for the phrase {phrase!r} typed in full "
                    f"(--confirm-phrase '{phrase}'); nothing was run",
                )  # fmt: skip

        run_id = uuid.uuid4().hex[:12]
        secrets = tuple(dict.fromkeys((*self.secrets, *plan.secrets)))
        locks: tuple[FlightLock, ...] = ()
        taken_over: list[LockHolder] = []
        started_at = time.time()
        if op.mutates:
            # Read-only checks may run side by side; anything that changes the environment may not.
            # Every lock the operation needs (its kind and those it declares), all or none, in a fixed
            # order; none of them blocks (flock LOCK_NB), so two such runs cannot wait on each other.
            locks = tuple(FlightLock(self.locks_dir, k, self.profile.environment) for k in lock_kinds(op))
            holder = LockHolder.of(self.who, op.name, run_id, started_at, kind=op.kind)
            taken: list[FlightLock] = []
            try:
                for lock in locks:
                    previous = lock.acquire(holder)
                    taken.append(lock)
                    if previous is not None:
                        taken_over.append(previous)
            except FlightBusy as exc:
                for lock in taken:
                    lock.release()
                self._record_refusal(op, plan.params, plan, "busy", str(exc), secrets)
                raise  # with the holder, for a screen to show
            except OSError as exc:
                for lock in taken:
                    lock.release()
                raise OperatorError(
                    f"cannot take the lock {lock.path}: {exc.strerror}; nothing was run"
                ) from exc
            except BaseException:
                for lock in taken:
                    lock.release()
                raise
        handle = RunHandle(run_id, plan, locks, secrets)
        record = self._base_record("start", run_id, op, plan.params, plan, secrets) | {
            "confirmed": op.changes_infrastructure,
            "summary": scrub(list(plan.summary), secrets),
            "changes": plan.changes,
        }
        if taken_over:
            # One dead holder usually held all of them: say each once.
            dead = dict.fromkeys(h.describe() for h in taken_over)
            record["lock_taken_over"] = scrub("; ".join(dead), secrets)
        try:
            self.audit.append(record)
        except OSError as exc:
            # No audit, no run: an unrecorded change is what the log exists to prevent.
            for lock in locks:
                lock.release()
            raise OperatorError(
                f"cannot write the audit log {self.audit.path}: {exc.strerror}; nothing was run"
            ) from exc
        with self._lock:
            self._runs = {k: h for k, h in self._runs.items() if not h.done}
            self._runs[run_id] = handle
        handle.thread = threading.Thread(
            target=self._execute, args=(op, handle), name=f"op-{op.name}-{run_id}", daemon=True
        )
        try:
            handle.thread.start()
        except RuntimeError as exc:  # no thread left: end what the start record began
            self._end(handle, "failed", EXIT_FAILED, f"could not start: {exc}", {})
            raise OperatorError(f"{op.name}: could not start a thread ({exc})") from exc
        return handle

    def run(
        self,
        plan: Plan[Any],
        *,
        confirm: str | None = None,
        timeout: float | None = None,
        confirm_phrase: str | None = None,
    ) -> Outcome:
        """``start`` and wait (the CLI). Ctrl-C cancels the run and still waits for its outcome."""
        handle = self.start(plan, confirm=confirm, confirm_phrase=confirm_phrase)
        try:
            outcome = handle.wait(timeout)
        except KeyboardInterrupt:
            handle.cancel("interrupted (Ctrl-C)")
            outcome = handle.wait()
        if outcome is None:
            handle.cancel(f"no result within {timeout:g}s")
            outcome = handle.wait()
        assert outcome is not None  # wait() without a timeout returns only once ended
        return outcome

    def close(self, timeout: float = 5.0) -> None:
        """Cancel every run and wait up to ``timeout`` for them. A run still going after that is
        recorded as abandoned (its effect unknown) before the console exits under it."""
        runs = self.active()
        for handle in runs:
            handle.cancel("the console is exiting")
        deadline = time.monotonic() + timeout
        for handle in runs:
            if handle.wait(max(0.0, deadline - time.monotonic())) is None:
                self._end(
                    handle,
                    "abandoned",
                    None,
                    "the console exited while the run was still going; its effect is unknown",
                    {},
                )

    # --- the run thread -----------------------------------------------------------------------------

    def _execute(self, op: Operation[Any], handle: RunHandle) -> None:
        token = handle.cancel_token
        result: RunResult = "failed"
        code: int | None = EXIT_FAILED
        message = ""
        data: Mapping[str, Any] = {}
        try:
            returned = op.run(handle.plan, lambda event: self._emit(handle, event), token)
            if not isinstance(returned, Result):
                message = f"{op.name}.run returned {type(returned).__name__}, not a Result"
            elif returned.ok:
                result, code, message = "succeeded", returned.exit_code or 0, returned.message
            else:
                result = "cancelled" if token.cancelled else "failed"
                fallback = EXIT_CANCELLED if token.cancelled else EXIT_FAILED
                code, message = returned.exit_code or fallback, returned.message
            if isinstance(returned, Result):
                data = returned.data
        except Cancelled as exc:
            result, code, message = "cancelled", EXIT_CANCELLED, str(exc) or token.reason
        except BaseException as exc:  # noqa: BLE001 - whatever a run raises is its failure, recorded
            if token.cancelled:
                # Cancelling often breaks what the run was reading (a killed child's pipe): still a cancel.
                result, code = "cancelled", EXIT_CANCELLED
                message = f"{token.reason} ({short_error(exc, handle._secrets)})"
            else:
                result, code, message = (
                    "failed",
                    EXIT_FAILED,
                    short_error(exc, handle._secrets, MESSAGE_LIMIT),
                )
        finally:
            self._end(handle, result, code, message, data)

    def _emit(self, handle: RunHandle, event: OutputLine | Progress | ItemStatus) -> None:
        s = handle._secrets
        if isinstance(event, OutputLine):
            event = dataclasses.replace(event, text=redact(event.text, s))
        elif isinstance(event, ItemStatus):
            event = dataclasses.replace(
                event,
                item=redact(event.item, s),
                detail=redact(event.detail, s),
                group=redact(event.group, s),
            )
        elif isinstance(event, Progress):
            event = dataclasses.replace(event, label=redact(event.label, s))
        else:
            raise TypeError(
                f"an operation emits OutputLine, Progress or ItemStatus, not {type(event).__name__}"
            )
        # One lock per run keeps the order of events emitted from several threads of one run.
        with handle._emit_lock:
            if handle._ended:
                return  # a late event of an abandoned run: its Finished is already out
            handle._events.append(event)
            self._notify(handle, event)

    def _end(
        self,
        handle: RunHandle,
        result: RunResult,
        code: int | None,
        message: str,
        data: Mapping[str, Any],
    ) -> None:
        with handle._emit_lock:
            if handle._ended:
                return
            handle._ended = True
        s = handle._secrets
        outcome = Outcome(
            result=result,
            exit_code=code,
            message=redact(message, s)[:MESSAGE_LIMIT],
            duration_s=round(handle.elapsed(), 3),
            data=scrub(dict(data), s),
        )
        op = handle.plan.op
        assert op is not None
        record = self._base_record("end", handle.run_id, op, handle.plan.params, handle.plan, s) | {
            "result": outcome.result,
            "exit_code": outcome.exit_code,
            "message": outcome.message,
            "duration_s": outcome.duration_s,
            "cancel_requested": handle.cancel_token.cancelled,
            "data": outcome.data,
        }
        try:
            self.audit.append(record)
        except OSError as exc:
            # The run is over either way; say so where the operator is looking.
            outcome = dataclasses.replace(
                outcome, message=f"{outcome.message} (audit log not written: {exc.strerror})".strip()
            )
        finally:
            # After the end record, so that a run started next is logged after this one ended.
            for lock in handle._locks:
                lock.release()
        handle.outcome = outcome
        finished = Finished(outcome)
        with handle._emit_lock:
            handle._events.append(finished)
        self._notify(handle, finished)
        handle._done.set()

    def _notify(self, handle: RunHandle, event: Event) -> None:
        if self.on_event is not None:
            # A failing UI callback must not kill the run (the collector's rule too).
            with contextlib.suppress(Exception):
                self.on_event(handle, event)

    # --- audit records ------------------------------------------------------------------------------

    def _base_record(
        self,
        kind: str,
        run_id: str | None,
        op: Operation[Any],
        params: BaseModel,
        plan: Plan[Any] | None,
        secrets: tuple[str, ...] | None = None,
    ) -> dict[str, Any]:
        s = self.secrets if secrets is None else secrets
        now = time.time()
        record: dict[str, Any] = {"record": kind} | ({"run_id": run_id} if run_id else {})
        return record | {
            "time": state.iso_utc(now),
            "ts": round(now, 3),
            **self.who.as_record(),  # user and host are not secrets (and must stay readable)
            "profile": self.profile.name,
            "environment": self.profile.environment,
            "operation": op.name,
            "kind": op.kind,
            "mutates": op.mutates,
            "changes_infrastructure": op.changes_infrastructure,
            "arguments": scrub(params.model_dump(mode="json"), s),
            "plan_digest": plan.sealed_digest if plan is not None else None,
        }

    def _record_refusal(
        self,
        op: Operation[Any],
        params: BaseModel,
        plan: Plan[Any] | None,
        reason: str,
        message: str,
        secrets: tuple[str, ...],
    ) -> None:
        record = self._base_record("refused", None, op, params, plan, secrets) | {
            "reason": reason,
            "message": redact(message, secrets),
        }
        # A refusal is worth a record (someone tried), but failing to write it must not hide why.
        with contextlib.suppress(OSError):
            self.audit.append(record)

    def _refused(
        self, op: Operation[Any], params: BaseModel, plan: Plan[Any] | None, reason: str, message: str
    ) -> NoReturn:
        message = redact(message, self.secrets)
        self._record_refusal(op, params, plan, reason, message, self.secrets)
        raise Refused(reason, message)


def _validation_message(exc: ValidationError, secrets: tuple[str, ...]) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "parameters"
        parts.append(f"{where}: {str(err['msg']).removeprefix('Value error, ')}")
    return redact("; ".join(parts), secrets)
