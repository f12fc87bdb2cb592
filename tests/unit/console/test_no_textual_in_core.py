"""The console's read/write core never imports textual: `status --json`, scripts and triage run without
a terminal UI (enforced by import-linter, and checked directly by importing the modules)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CORE = [
    "ecoeco.console.config",
    "ecoeco.console.collector",
    "ecoeco.console.snapshot",
    "ecoeco.console.cli",
    "ecoeco.console.sources",
    "ecoeco.console.sources.alerts",
    "ecoeco.console.sources.cluster_kube",
    "ecoeco.console.sources.cluster_local",
    "ecoeco.console.sources.metrics",
    "ecoeco.console.sources.queues",
    "ecoeco.console.sources.services",
    "ecoeco.console.sources.wal",
]


def test_import_linter_contract_is_kept() -> None:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    proc = subprocess.run(
        [exe, "--config", str(ROOT / ".importlinter")], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "never import textual KEPT" in proc.stdout


def test_importing_the_core_loads_no_textual_module() -> None:
    code = (
        "import sys, importlib\n"
        f"for m in {CORE!r}: importlib.import_module(m)\n"
        "print(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
