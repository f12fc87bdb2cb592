"""Child processes of operations (terraform, ansible-playbook): streamed line by line, cancellable.

Each child runs in its own session (process group), so that a cancel reaches the tool and everything it
started, and so that a Ctrl-C typed at the console's terminal does not reach it behind the runner's
back (the runner decides how a run stops). Stopping is graceful first: SIGINT, which terraform treats
as "finish the resource in flight, write the state, exit"; then SIGTERM, then SIGKILL, each after a
grace period.

Driven by asyncio (DESIGN.md §4): stdout and stderr are read concurrently without a thread each, and
the cancel token (set from another thread) wakes the loop through ``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ecoeco.console.errors import OperatorError
from ecoeco.console.ops.base import CancelToken

__all__ = ["ProcResult", "find_binary", "run_streaming"]

Stream = Literal["stdout", "stderr"]
OnLine = Callable[[str, Stream], None]

# Terraform may need a while after SIGINT to write its state; killing it earlier loses the state.
DEFAULT_INTERRUPT_GRACE_S = 60.0
TERM_GRACE_S = 10.0
LINE_LIMIT = 1 << 20  # a single JSON line of terraform can be large (a plan's diagnostics)


@dataclass(frozen=True, slots=True)
class ProcResult:
    returncode: int
    cancelled: bool  # the cancel token was set while the child ran
    timed_out: bool
    signals_sent: tuple[str, ...] = ()


def find_binary(name: str, explicit: str | None = None) -> str:
    """The tool's path: ``explicit`` when given, else beside this interpreter, else on PATH.

    Raises ``OperatorError`` naming what is missing (a missing binary is an operator's problem)."""
    if explicit:
        if Path(explicit).is_file() and os.access(explicit, os.X_OK):
            return explicit
        raise OperatorError(f"{name}: {explicit} is not an executable file")
    import sys

    beside = Path(sys.executable).with_name(name)
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise OperatorError(f"{name} is not installed (not on PATH nor beside {sys.executable})")
    return found


def run_streaming(
    argv: Sequence[str],
    *,
    cwd: Path | str | None,
    env: Mapping[str, str] | None,
    on_line: OnLine,
    cancel: CancelToken,
    timeout_s: float | None = None,
    interrupt_grace_s: float = DEFAULT_INTERRUPT_GRACE_S,
) -> ProcResult:
    """Run ``argv`` to the end, calling ``on_line(text, stream)`` for each line as it comes.

    Returns when the child has exited (also after a cancel or a timeout: never leaves it behind).
    Raises ``OperatorError`` when the binary cannot be started."""
    return asyncio.run(_run(list(argv), cwd, env, on_line, cancel, timeout_s, interrupt_grace_s))


async def _run(
    argv: list[str],
    cwd: Path | str | None,
    env: Mapping[str, str] | None,
    on_line: OnLine,
    cancel: CancelToken,
    timeout_s: float | None,
    interrupt_grace_s: float,
) -> ProcResult:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def wake() -> None:  # called from whichever thread cancels
        loop.call_soon_threadsafe(stop.set)

    unregister = cancel.on_cancel(wake)
    try:
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                cwd=str(cwd) if cwd is not None else None,
                env=dict(env) if env is not None else None,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
                limit=LINE_LIMIT,
            )
        except OSError as exc:
            raise OperatorError(f"cannot start {argv[0]}: {exc.strerror or exc}") from exc

        async def pump(reader: asyncio.StreamReader, stream: Stream) -> None:
            while True:
                try:
                    raw = await reader.readline()
                except ValueError:  # a line over LINE_LIMIT: pass it on in pieces
                    raw = await reader.read(LINE_LIMIT)
                if not raw:
                    return
                on_line(raw.decode("utf-8", errors="replace").rstrip("\r\n"), stream)

        assert proc.stdout is not None and proc.stderr is not None
        pumps = asyncio.gather(pump(proc.stdout, "stdout"), pump(proc.stderr, "stderr"))
        exited = asyncio.ensure_future(proc.wait())
        stopping = asyncio.ensure_future(stop.wait())
        waits = [exited, stopping]
        done, _ = await asyncio.wait(waits, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        timed_out = not done
        sent: list[str] = []
        if exited not in done:
            # Cancelled or out of time: ask the whole group to stop, then insist.
            for sig, grace in (
                (signal.SIGINT, interrupt_grace_s),
                (signal.SIGTERM, TERM_GRACE_S),
                (signal.SIGKILL, TERM_GRACE_S),
            ):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, sig)
                sent.append(signal.Signals(sig).name)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(asyncio.shield(exited), grace)
                    break
        stopping.cancel()
        returncode = await exited
        # The group may still hold the pipes (a grandchild): do not wait forever for their EOF.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(pumps, TERM_GRACE_S)
        if not pumps.done():
            pumps.cancel()
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        return ProcResult(returncode, cancel.cancelled, timed_out, tuple(sent))
    finally:
        unregister()
