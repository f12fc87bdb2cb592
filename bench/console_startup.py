"""Launch to first painted overview, against a minimal Textual app launched the same way.

Both run as a fresh Python process under a pty (like an SSH session); the clock stops when the
terminal receives the marker text (the overview's ``control-plane`` tile / the minimal app's
label). ``--live`` launches the real ``ecoeco-console`` on a profile (it must already be
reachable: the bench does not start a sandbox), otherwise the console renders the incident
fixture (no sources, so the figure is the UI's own cost).

    uv run python bench/console_startup.py [--runs 5] [--live --profile sandbox]
        [--bytecode cached|none|both] [--baseline REF]

``--baseline REF`` launches the console of an older commit too (its ``src/`` exported to a temporary
directory and put first on PYTHONPATH), interleaved in the same run: before and after on the same load.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from console_ptyrun import FIXTURES, export_src, python, spawn

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


def launch(
    argv: list[str], marker: bytes, timeout: float, env: dict[str, str | None] | None = None
) -> tuple[float, float]:
    """Wall time to ``marker`` on the terminal, and the CPU time the process had used by then (on a
    loaded machine the wall time is mostly the other jobs'; the CPU time is the launch's own cost)."""
    proc = spawn(argv, env=env)
    try:
        took = proc.pump(timeout, until=marker)
        cpu = proc.cpu_seconds()
    finally:
        proc.stop()
    if took is None:
        raise SystemExit(f"no {marker!r} on the terminal within {timeout}s from {argv[:3]}")
    return took, cpu


def bytecode_env(mode: str, cache: Path) -> dict[str, str | None]:
    """``cached``: byte-compiled modules, as an installed console runs (pip and the image's
    UV_COMPILE_BYTECODE compile them; Python caches them after the first run). ``none``: every module
    compiled from source at each launch (PYTHONDONTWRITEBYTECODE with no __pycache__, as this
    machine's environment sets it)."""
    if mode == "cached":
        return {"PYTHONDONTWRITEBYTECODE": None, "PYTHONPYCACHEPREFIX": str(cache)}
    return {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(cache / "never-written")}


def stats(label: str, values: list[float]) -> str:
    med = statistics.median(values)
    return (
        f"  {label:28s}: {med * 1000:7.0f} ms  (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--live", action="store_true", help="launch ecoeco-console itself on --profile")
    parser.add_argument("--profile", default="sandbox")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument(
        "--bytecode", choices=("cached", "none", "both"), default="both", help="see bytecode_env()"
    )
    parser.add_argument(
        "--baseline", metavar="REF", help="also launch the console of git REF (its src/), same run"
    )
    args = parser.parse_args()

    if args.live:
        exe = shutil.which("ecoeco-console") or str(sys.executable).replace("python", "ecoeco-console")
        console_argv = [exe, "--profile", args.profile]
    else:
        console_argv = python("-c", CONSOLE_FIXED)
    minimal_argv = python("-c", MINIMAL)
    modes = ("cached", "none") if args.bytecode == "both" else (args.bytecode,)
    with tempfile.TemporaryDirectory(prefix="console-startup-") as tmp:
        root = Path(tmp)
        contenders: list[tuple[str, list[str], bytes, dict[str, str | None]]] = [
            ("minimal Textual app", minimal_argv, b"minimal-ready", {}),
            ("ecoeco console (this tree)", console_argv, b"control-plane", {}),
        ]
        if args.baseline:
            (root / "base").mkdir()
            src = export_src(args.baseline, root / "base")
            contenders.append((f"ecoeco console ({args.baseline})", console_argv, b"control-plane",
                               {"PYTHONPATH": str(src)}))  # fmt: skip
        mode_name = f"live profile {args.profile}" if args.live else "fixed incident snapshot"
        for mode in modes:
            cache = root / f"pycache-{mode}"
            times: dict[str, list[float]] = {label: [] for label, *_ in contenders}
            cpu: dict[str, list[float]] = {label: [] for label, *_ in contenders}
            for _label, argv, marker, extra in contenders:  # warm the OS file cache (and the bytecode)
                launch(argv, marker, args.timeout, {**bytecode_env(mode, cache), **extra})
            for _ in range(args.runs):  # interleaved, so machine load hits all alike
                for label, argv, marker, extra in contenders:
                    took, used = launch(argv, marker, args.timeout, {**bytecode_env(mode, cache), **extra})
                    times[label].append(took)
                    cpu[label].append(used)
            minimal = statistics.median(times["minimal Textual app"])
            minimal_cpu = statistics.median(cpu["minimal Textual app"])
            print(f"console startup ({mode_name}), bytecode {mode}, {args.runs} runs, medians, "
                  f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores:")  # fmt: skip
            for label, values in times.items():
                ratio = (
                    ""
                    if label.startswith("minimal")
                    else f"   {statistics.median(values) / minimal:.2f}x minimal"
                )
                print(stats(label, values) + ratio)
            print("  CPU time to the marker (median; the launch's own cost, whatever the load):")
            for label, values in cpu.items():
                ratio = (
                    ""
                    if label.startswith("minimal")
                    else f"   {statistics.median(values) / minimal_cpu:.2f}x minimal"
                )
                print(stats(label, values) + ratio)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
