"""The platform's console scripts: ``ecoeco-sandbox``, ``ecoeco-api``, ``ecoeco-worker``.

The wheel installs them along with the console; without the ``platform`` extra they say what to
install instead of failing with a traceback on the first missing import.
"""

from __future__ import annotations

import sys

from ecoeco.shared.extras import INSTALL_PLATFORM, PLATFORM, missing

EXIT_NOT_INSTALLED = 2


def _not_installed(script: str, exc: ModuleNotFoundError) -> int:
    absent = missing(PLATFORM)
    if not absent:
        raise exc  # the platform is installed: a real bug, keep the traceback
    print(
        f"{script}: the Eco² platform is not installed (missing: {', '.join(absent)}); {INSTALL_PLATFORM}",
        file=sys.stderr,
    )
    return EXIT_NOT_INSTALLED


def sandbox() -> int:
    try:
        from ecoeco.services.sandbox.cli import main
    except ModuleNotFoundError as exc:
        return _not_installed("ecoeco-sandbox", exc)
    return main()


def api() -> int:
    try:
        from ecoeco.services.api_cli import main
    except ModuleNotFoundError as exc:
        return _not_installed("ecoeco-api", exc)
    return main()


def worker() -> int:
    try:
        from ecoeco.services.workers.cli import main
    except ModuleNotFoundError as exc:
        return _not_installed("ecoeco-worker", exc)
    return main()
