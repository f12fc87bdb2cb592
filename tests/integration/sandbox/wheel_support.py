"""The console as an operator installs it: a wheel built from this tree (``uv build --wheel``), put in a
fresh ``python -m venv`` WITHOUT the ``platform`` extra. Versions are the lock's (``uv export`` as
constraints), so the install comes from the local uv cache and matches ``uv.lock``; what gets installed
is only what the wheel's own metadata asks for."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "src" / "ecoeco"
# import names of the `platform` extra's distributions: none may be in a console-only install
PLATFORM_MODULES = [
    "fastapi", "uvicorn", "moto", "PIL", "psycopg", "psycopg_pool", "argon2", "redis", "pydantic_settings",
    "jwt", "multipart", "prometheus_client", "uvloop", "httptools",
]  # fmt: skip


def _uv() -> str:
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    assert Path(uv).exists(), "uv is needed to build the wheel (./scripts/dev installs it)"
    return uv


def _run(*args: str, cwd: Path, timeout: float = 300) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    proc = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def package_data() -> set[str]:
    """Every file under src/ecoeco that is not Python source, as a path inside the wheel."""
    return {
        p.relative_to(PACKAGE.parent).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    }


def wheel_files(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


@dataclass
class ConsoleVenv:
    wheel: Path
    venv: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def env(self, base: dict[str, str]) -> dict[str, str]:
        """``base`` (the sandbox's ECOECO_* settings) with nothing of the project's environment: no
        PYTHONPATH, no active venv, and only the console venv's scripts on PATH."""
        env = {k: v for k, v in base.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
        env["PATH"] = f"{self.bin}:/usr/local/bin:/usr/bin:/bin"
        return env

    def run(self, script: str, *args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:  # fmt: skip
        """One of the venv's scripts (``python``, ``ecoeco-console``, ...), run from the venv's directory."""
        return subprocess.run(
            [str(self.bin / script), *args],
            cwd=self.venv,
            env=self.env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def python(self, code: str, env: dict[str, str]) -> str:
        proc = self.run("python", "-c", code, env=env)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()

    def importable(self, modules: list[str], env: dict[str, str]) -> list[str]:
        """Those of ``modules`` that the venv's Python finds."""
        code = (
            f"import importlib.util as u, json; print(json.dumps([m for m in {modules!r} if u.find_spec(m)]))"
        )
        return json.loads(self.python(code, env))


def build_console_venv(tmp: Path) -> ConsoleVenv:
    uv = _uv()
    dist = tmp / "dist"
    _run(uv, "build", "--wheel", "--out-dir", str(dist), cwd=ROOT)
    (wheel,) = dist.glob("ecoeco-*.whl")
    constraints = tmp / "constraints.txt"
    _run(
        uv, "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes", "--quiet",
        "--output-file", str(constraints), cwd=ROOT,
    )  # fmt: skip
    venv = tmp / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", str(venv), cwd=tmp)
    python = str(venv / "bin" / "python")
    _run(uv, "pip", "install", "--python", python, "--constraints", str(constraints), str(wheel), cwd=tmp)
    return ConsoleVenv(wheel=wheel, venv=venv)
