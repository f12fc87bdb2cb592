"""The module-scoped sandbox: started once through the real CLI, purged afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sandbox_support import HAND_EDITED_CONFIG, Sandbox, make_sandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    box = make_sandbox(tmp_path_factory.mktemp("sandbox"))
    # An operator's hand-edited config: `up` must leave it byte for byte as it is.
    box.console_config.write_text(HAND_EDITED_CONFIG, encoding="utf-8")
    up = box.run("up", "--timeout", "180")
    try:
        assert up.returncode == 0, f"up failed:\n{up.stdout}\n{up.stderr}"
        box.first_up = up
        yield box
    finally:
        box.run("down", "--purge")
