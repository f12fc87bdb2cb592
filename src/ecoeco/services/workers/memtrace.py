"""A worker's memory: glibc malloc arenas and trimming, and opt-in tracing (a diagnosis aid).

Under load both workers' RSS grew in steps while the Python heap stayed flat (tracemalloc: +0.2 MB
over ten minutes, see docs/decisions/performance-platform.md): the growth is native — glibc gives
each thread that mallocs its own arena (up to 8 per core), the task threads, the metrics server's
per-scrape threads, boto3/Pillow buffers, and freed memory stays in those arenas. The worker caps
the arenas (``ECOECO_WORKER_MALLOC_ARENAS``, default 2; 0 leaves glibc's default) before any
thread starts, and the syncer returns free heap to the OS (``malloc_trim``) after each sync.

Tracing: ``ECOECO_WORKER_TRACEMALLOC_DIR``.

When the variable names a directory, the worker starts ``tracemalloc`` and a daemon thread writes
a snapshot there every ``ECOECO_WORKER_TRACEMALLOC_EVERY_S`` seconds (default 120) as
``<worker>-<pid>-<n>.snap``; ``bench/worker_rss_soak.py --tracemalloc`` diffs the first and the
last. Off by default: tracing costs CPU and memory of its own.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
import tracemalloc
from pathlib import Path

ENV_ARENAS = "ECOECO_WORKER_MALLOC_ARENAS"
ENV_DIR = "ECOECO_WORKER_TRACEMALLOC_DIR"
ENV_EVERY = "ECOECO_WORKER_TRACEMALLOC_EVERY_S"


M_ARENA_MAX = -8
_libc: ctypes.CDLL | None = None


def _glibc() -> ctypes.CDLL | None:
    global _libc
    if _libc is None:
        name = ctypes.util.find_library("c")
        try:
            lib = ctypes.CDLL(name or "libc.so.6")
            lib.mallopt  # noqa: B018  (glibc only; musl and macOS have neither)
            lib.malloc_trim  # noqa: B018
        except (OSError, AttributeError):
            return None
        _libc = lib
    return _libc


def limit_arenas(default: int = 2) -> int | None:
    """Cap glibc's malloc arenas (call before threads start); returns the cap set, or None."""
    arenas = int(os.environ.get(ENV_ARENAS, str(default)))
    libc = _glibc()
    if arenas <= 0 or libc is None:
        return None
    return arenas if libc.mallopt(M_ARENA_MAX, arenas) == 1 else None


def trim() -> None:
    """Give free heap pages back to the OS (glibc ``malloc_trim``); a no-op elsewhere."""
    libc = _glibc()
    if libc is not None and os.environ.get(ENV_ARENAS, "2") != "0":
        libc.malloc_trim(0)


def start_from_env(worker: str) -> threading.Thread | None:
    directory = os.environ.get(ENV_DIR)
    if not directory:
        return None
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    every = float(os.environ.get(ENV_EVERY, "120"))
    if not tracemalloc.is_tracing():
        tracemalloc.start(8)
    stop = threading.Event()

    def loop() -> None:
        n = 0
        while not stop.wait(every):
            try:
                snap = tracemalloc.take_snapshot()
            except RuntimeError:  # someone stopped tracing: nothing more to write
                return
            snap = snap.filter_traces((tracemalloc.Filter(False, tracemalloc.__file__),))
            tmp = out / f"{worker}-{os.getpid()}-{n:03d}.snap.tmp"
            snap.dump(str(tmp))
            tmp.rename(tmp.with_suffix(""))
            n += 1

    thread = threading.Thread(target=loop, name=f"memtrace-{worker}", daemon=True)
    thread.start()
    return thread
