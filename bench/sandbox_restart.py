"""Time from ``kill -9`` of a sandbox process to its health check answering again (prints figures).

Runs against the sandbox of ``ECOECO_SANDBOX_DIR`` (start it with ``ecoeco-sandbox up``). Each kill
waits ``--gap`` seconds after the process is back, so a gap shorter than the watchdog's reset
(60 s) shows the back-off adding 1, 2, 4 … s, and a long gap shows the first-crash time only.

    uv run python bench/sandbox_restart.py [--name ai] [--kills 5] [--gap 2]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import time

import httpx

from ecoeco.shared.sandbox_state import load_state, state_dir


def healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="ai", help="component to kill (default ai)")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--gap", type=float, default=2.0, help="seconds between back and the next kill")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    directory = state_dir()

    def entry() -> dict:
        state = load_state(directory)
        if state is None:
            raise SystemExit(f"no sandbox in {directory}: ecoeco-sandbox up")
        return state["components"][args.name]

    times = []
    for i in range(args.kills):
        before = entry()
        started = time.monotonic()
        os.kill(before["pid"], signal.SIGKILL)
        spawned: float | None = None
        while True:
            now = entry()
            if now["pid"] != before["pid"] and spawned is None:
                spawned = time.monotonic() - started  # the watchdog's part: noticed and started
            if now["pid"] != before["pid"] and healthy(now["health_url"]):
                break
            if time.monotonic() - started > args.timeout:
                raise SystemExit(f"{args.name} not back after {args.timeout:g} s")
            time.sleep(0.05)
        took = time.monotonic() - started
        times.append(took)
        print(
            f"kill {i + 1}: restarted after {spawned or took:.2f} s, healthy after {took:.2f} s "
            f"(port kept: {now['port'] == before['port']}, "
            f"restarts {now['restarts']}, load {os.getloadavg()[0]:.1f})",
            flush=True,
        )
        time.sleep(args.gap)
    print(
        f"{args.name}: median {statistics.median(times):.2f} s, max {max(times):.2f} s over {len(times)} kills"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
