"""Launch to first painted overview, against a minimal Textual app launched the same way.

Both run as a fresh Python process under a pty (like an SSH session); the clock stops when the
terminal receives the marker text (the overview's ``control-plane`` tile / the minimal app's
label). ``--live`` launches the real ``ecoeco-console`` on a profile (it must already be
reachable: the bench does not start a sandbox), otherwise the console renders the incident
fixture (no sources, so the figure is the UI's own cost).

    uv run python bench/console_startup.py [--runs 5] [--live --profile sandbox]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys

from console_ptyrun import FIXTURES, python, spawn

MINIMAL = """
from textual.app import App
from textual.widgets import Static
class Minimal(App):
    def compose(self):
        yield Static("minimal-ready")
Minimal().run()
"""

CONSOLE_FIXED = f"""
from pathlib import Path
from ecoeco.console.app import EcoApp
from ecoeco.console.screenshots import load_fixture
EcoApp(snapshot=load_fixture(Path({str(FIXTURES / "incident.json")!r})), handle_signals=True).run()
"""


def launch(argv: list[str], marker: bytes, timeout: float) -> float:
    proc = spawn(argv)
    try:
        took = proc.pump(timeout, until=marker)
    finally:
        proc.stop()
    if took is None:
        raise SystemExit(f"no {marker!r} on the terminal within {timeout}s from {argv[:3]}")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--live", action="store_true", help="launch ecoeco-console itself on --profile")
    parser.add_argument("--profile", default="sandbox")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()

    if args.live:
        exe = shutil.which("ecoeco-console") or str(sys.executable).replace("python", "ecoeco-console")
        console_argv = [exe, "--profile", args.profile]
    else:
        console_argv = python("-c", CONSOLE_FIXED)
    minimal_argv = python("-c", MINIMAL)

    launch(minimal_argv, b"minimal-ready", args.timeout)  # warm the OS file cache for both
    launch(console_argv, b"control-plane", args.timeout)
    minimal, console = [], []
    for _ in range(args.runs):  # interleaved, so machine load hits both alike
        minimal.append(launch(minimal_argv, b"minimal-ready", args.timeout))
        console.append(launch(console_argv, b"control-plane", args.timeout))
    m, c = statistics.median(minimal), statistics.median(console)
    mode = f"live profile {args.profile}" if args.live else "fixed incident snapshot"
    print(f"console startup ({mode}), {args.runs} runs, medians:")
    print(
        f"  minimal Textual app : {m * 1000:7.0f} ms  (min {min(minimal) * 1000:.0f}, max {max(minimal) * 1000:.0f})"
    )
    print(
        f"  ecoeco console      : {c * 1000:7.0f} ms  (min {min(console) * 1000:.0f}, max {max(console) * 1000:.0f})"
    )
    print(f"  ratio console/minimal: {c / m:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
