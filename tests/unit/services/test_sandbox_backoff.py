"""The watchdog's back-off: at once after one crash, then doubling, capped (CrashLoopBackOff's shape)."""

from __future__ import annotations

from ecoeco.services.sandbox.watchdog import Backoff


def test_first_restart_is_immediate_then_doubles_up_to_the_cap() -> None:
    backoff = Backoff(initial_s=1.0, cap_s=30.0)
    assert [backoff.delay(n) for n in range(8)] == [0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
