"""Which locked packages the image leaves out: ``uv sync --no-install-package`` arguments.

The image runs the six APIs and the two workers (``ecoeco-api``, ``ecoeco-worker``); the console
and the sandbox stay out of it. This reads ``uv.lock`` and prints, one per line, every package
that only the console/sandbox roots below pull in (the rest of the lock's closure of the
project's dependencies is installed, exactly as locked). Standard library only: it runs in the
image's build stage before anything is installed.

    python3 container/image_packages.py uv.lock   # -> --no-install-package=moto ...
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

PROJECT = "ecoeco"
# The image installs the project with its ``platform`` extra (the services' dependencies).
EXTRA = "platform"
# Direct dependencies only the console (textual UI, Kubernetes/Prometheus clients, Ansible
# runner) or the sandbox (moto's S3 server, in the platform extra) import.
CONSOLE_ONLY = frozenset({"textual", "kubernetes", "prometheus-api-client", "ansible-runner", "moto"})
# Not a direct dependency but needed at run time: PyJWT signs RS256 tokens with it (an option of
# the auth service); in the lock it only arrives through console-only packages.
ALSO_KEEP = frozenset({"cryptography"})


def _edges(pkg: dict[str, Any], extras: tuple[str, ...] = ()) -> list[tuple[str, tuple[str, ...]]]:
    deps = list(pkg.get("dependencies", []))
    for extra in extras:
        deps += pkg.get("optional-dependencies", {}).get(extra, [])
    return [(d["name"], tuple(d.get("extra", []))) for d in deps]


def closure(packages: dict[str, dict[str, Any]], roots: list[tuple[str, tuple[str, ...]]]) -> set[str]:
    seen: set[tuple[str, tuple[str, ...]]] = set()
    names: set[str] = set()
    stack = list(roots)
    while stack:
        name, extras = stack.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        names.add(name)
        stack += _edges(packages[name], extras)
    return names


def excluded(lock_path: Path) -> list[str]:
    lock = tomllib.loads(lock_path.read_text(encoding="utf-8"))
    packages = {p["name"]: p for p in lock["package"]}
    direct = _edges(packages[PROJECT], (EXTRA,))
    unknown = CONSOLE_ONLY - {name for name, _ in direct}
    if unknown:
        raise SystemExit(f"image_packages: {sorted(unknown)} are no longer dependencies of {PROJECT}")
    everything = closure(packages, direct)
    kept = closure(packages, [d for d in direct if d[0] not in CONSOLE_ONLY] + [(n, ()) for n in ALSO_KEEP])
    return sorted(everything - kept)


def main(argv: list[str]) -> int:
    lock = Path(argv[1]) if len(argv) > 1 else Path("uv.lock")
    for name in excluded(lock):
        print(f"--no-install-package={name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
