"""Which parts of the ``ecoeco`` distribution are installed. ``pip install ecoeco`` gives the console;
the platform (the APIs, the workers, ``ecoeco-sandbox``) needs the ``platform`` extra. The wheel ships
the platform's modules and entry points either way, so "installed" means: the extra's requirements are.
"""

from __future__ import annotations

import re
from importlib import metadata

DISTRIBUTION = "ecoeco"
PLATFORM = "platform"
INSTALL_PLATFORM = "pip install 'ecoeco[platform]'"

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_EXTRA = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")


def missing(extra: str) -> list[str]:
    """The distributions ``extra`` requires that are not installed (empty: the extra is installed).

    Read from the installed metadata (``Requires-Dist: fastapi>=0.115; extra == 'platform'``), so the
    list in pyproject.toml is the only one. Without metadata (a bare source tree) nothing is missing.
    """
    try:
        requires = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        return []
    out: list[str] = []
    for requirement in requires:
        spec, _, marker = requirement.partition(";")
        wanted = _EXTRA.search(marker)
        name = _NAME.match(spec.strip())
        if wanted is None or wanted.group(1) != extra or name is None:
            continue
        try:
            metadata.distribution(name.group(0))
        except metadata.PackageNotFoundError:
            out.append(name.group(0))
    return out
