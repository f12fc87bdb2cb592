"""The worker's memory knobs: arena cap (0 = glibc's default), trim, opt-in tracemalloc snapshots."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from ecoeco.services.workers import memtrace


def test_arena_cap_follows_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(memtrace.ENV_ARENAS, "0")
    assert memtrace.limit_arenas() is None  # glibc's default left alone
    memtrace.trim()  # a no-op then, never an error
    monkeypatch.setenv(memtrace.ENV_ARENAS, "2")
    if memtrace._glibc() is None:
        pytest.skip("not glibc")
    assert memtrace.limit_arenas() == 2
    memtrace.trim()


def test_tracing_is_off_unless_asked_and_writes_snapshots_when_asked(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.delenv(memtrace.ENV_DIR, raising=False)
    assert memtrace.start_from_env("storage") is None
    monkeypatch.setenv(memtrace.ENV_DIR, str(tmp_path))
    monkeypatch.setenv(memtrace.ENV_EVERY, "0.05")
    was_tracing = tracemalloc.is_tracing()
    try:
        assert memtrace.start_from_env("storage") is not None
        deadline = time.monotonic() + 10
        while not list(tmp_path.glob("storage-*.snap")) and time.monotonic() < deadline:
            time.sleep(0.05)
        snap = sorted(tmp_path.glob("storage-*.snap"))[0]
        assert tracemalloc.Snapshot.load(str(snap)).traces is not None
    finally:
        if not was_tracing:
            tracemalloc.stop()
