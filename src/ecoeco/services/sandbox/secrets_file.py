"""The sandbox's JWT signing secret: generated once into the state dir (0600), never printed."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_FILE = "jwt_secret"


def ensure_jwt_secret(state_dir: Path) -> str:
    path = state_dir / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
        path.unlink()  # an empty file left by an interrupted write: make a new secret
        return ensure_jwt_secret(state_dir)
    value = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value + "\n")
    return value
