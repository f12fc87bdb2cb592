"""Bad arguments get a clear error before anything is started or sent."""

from __future__ import annotations

from pathlib import Path

from sandbox_support import make_sandbox


def test_load_rejects_unknown_kinds_and_non_positive_rates(tmp_path: Path) -> None:
    box = make_sandbox(tmp_path)
    bad_kind = box.run("load", "--kind", "upload,delete-everything", timeout=60)
    assert bad_kind.returncode == 2
    assert "delete-everything" in bad_kind.stderr and "upload,chat,read" in bad_kind.stderr
    zero_rate = box.run("load", "--rate", "0", timeout=60)
    assert zero_rate.returncode == 2 and "greater than 0" in zero_rate.stderr


def test_load_against_a_sandbox_that_is_not_running_says_how_to_start_it(tmp_path: Path) -> None:
    box = make_sandbox(tmp_path)
    result = box.run("load", "--duration", "1", timeout=60)
    assert result.returncode == 1
    assert "ecoeco-sandbox up" in result.stderr
    assert not box.state_dir.exists()
