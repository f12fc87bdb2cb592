"""The Ansible command-line tools of this Python environment, run as subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


class ToolMissing(RuntimeError):
    pass


def venv_tool(name: str) -> str:
    """A console script installed next to this interpreter (ansible-playbook, ansible-lint, ...)."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise ToolMissing(f"{name} is not installed in this environment")
    return str(path)


def run_tool(args: list[str], cwd: Path, timeout: int = 110) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def ansible_inventory(path: Path) -> dict[str, Any]:
    """`ansible-inventory --list` of an inventory file, as Ansible itself parses it."""
    proc = run_tool([venv_tool("ansible-inventory"), "-i", str(path), "--list"], cwd=path.parent)
    if proc.returncode != 0:
        raise RuntimeError(f"ansible-inventory failed:\n{proc.stderr}")
    return json.loads(proc.stdout)
