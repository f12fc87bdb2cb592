"""The floor plan in `.importlinter` holds: the real tree keeps every contract, and a tree with
deliberately broken imports is caught, naming each broken contract. Also checked directly: importing
the console's core loads no textual module (`status --json`, scripts and triage run without a UI)."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
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


def contract_names() -> dict[str, str]:
    """Contract id (the part after ``importlinter:contract:``) -> the name lint-imports prints."""
    parser = configparser.ConfigParser()
    parser.read(CONFIG, encoding="utf-8")
    prefix = "importlinter:contract:"
    return {s.removeprefix(prefix): parser[s]["name"] for s in parser.sections() if s.startswith(prefix)}


def lint_imports(cwd: Path, pythonpath: Path | None = None) -> tuple[int, str]:
    """Exit status and the report with its whitespace collapsed (lint-imports wraps to the terminal)."""
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    proc = subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--no-logo", ".importlinter"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return proc.returncode, " ".join((proc.stdout + proc.stderr).split())


def test_the_tree_keeps_every_contract() -> None:
    code, out = lint_imports(ROOT)
    assert code == 0, out[-3000:]
    names = contract_names()
    assert set(names) == {"sides", "console-layers", "no-textual-below-ui", "services-layers"}
    for name in names.values():
        assert f"{name} KEPT" in out


def test_broken_imports_in_a_copy_of_the_tree_are_caught(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "ecoeco", src / "ecoeco", ignore=shutil.ignore_patterns("__pycache__"))
    console = src / "ecoeco" / "console"
    # the read side reaches into the platform (console | services must stay independent)
    (console / "sources" / "_broken.py").write_text("from ecoeco.services.common import settings\n")
    # the core imports textual, and a core module reaches up into the read side
    with (console / "health.py").open("a", encoding="utf-8") as f:
        f.write("\nimport textual  # deliberately broken\nfrom ecoeco.console.sources import base\n")
    # the platform's common layer reaches up into a service
    (src / "ecoeco" / "services" / "common" / "_broken.py").write_text("from ecoeco.services import waste\n")
    workdir = tmp_path / "work"
    workdir.mkdir()
    shutil.copy(CONFIG, workdir / ".importlinter")

    code, out = lint_imports(workdir, pythonpath=src)

    assert code != 0, out
    names = contract_names()
    for contract in ("sides", "console-layers", "no-textual-below-ui", "services-layers"):
        assert f"{names[contract]} BROKEN" in out, out[-3000:]
    # it read the copy (the installed tree is clean), and each report names the offending import
    assert "ecoeco.console.sources._broken -> ecoeco.services.common" in out
    assert "ecoeco.console.health -> textual" in out
    assert "ecoeco.console.health -> ecoeco.console.sources.base" in out
    assert "ecoeco.services.common._broken -> ecoeco.services.waste" in out


def test_importing_the_core_loads_no_textual_module() -> None:
    code = (
        "import sys, importlib\n"
        f"for m in {CORE!r}: importlib.import_module(m)\n"
        "print(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
