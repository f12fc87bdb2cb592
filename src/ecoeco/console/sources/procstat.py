"""CPU and memory of local processes from /proc (Linux), for the sandbox's process "pods"."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass
class ProcSample:
    cpu_percent: float | None  # of one core; None on the first sample
    rss_bytes: int
    state: str = "?"  # /proc/PID/stat's state: R running, S sleeping, T stopped (SIGSTOP), Z zombie, ...

    @property
    def stopped(self) -> bool:
        """Stopped by a signal (SIGSTOP, SIGTSTP) or a debugger: alive, yet it runs no code."""
        return self.state in ("T", "t")


def _stat(pid: int) -> tuple[float, str]:
    """CPU seconds used and the state letter of ``pid``."""
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
        raw = fh.read()
    # Fields after the parenthesised command name (which may itself contain spaces).
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS, fields[0]


def _rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * _PAGE


def mem_total_bytes() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class ProcSampler:
    """Remembers the last CPU reading per pid so each sample gives CPU% since the previous one."""

    def __init__(self) -> None:
        self._last: dict[int, tuple[float, float]] = {}

    def sample(self, pid: int) -> ProcSample | None:
        """None when the process is gone or unreadable."""
        try:
            (cpu_s, state), rss = _stat(pid), _rss_bytes(pid)
        except (OSError, ValueError, IndexError):
            self._last.pop(pid, None)
            return None
        now = time.monotonic()
        prev = self._last.get(pid)
        self._last[pid] = (now, cpu_s)
        pct = None
        if prev is not None and now > prev[0]:
            pct = max(0.0, 100.0 * (cpu_s - prev[1]) / (now - prev[0]))
        return ProcSample(cpu_percent=pct, rss_bytes=rss, state=state)
