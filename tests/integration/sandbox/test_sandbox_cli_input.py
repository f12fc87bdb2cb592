"""Bad arguments get a clear error before anything is started or sent."""

from __future__ import annotations

from pathlib import Path

import pytest
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


@pytest.mark.integration  # `up` checks PostgreSQL, RabbitMQ and Redis before it reads the state
def test_an_unreadable_state_file_is_reported_and_left_as_it_is(tmp_path: Path) -> None:
    box = make_sandbox(tmp_path)
    box.state_dir.mkdir(parents=True)
    state_file = box.state_dir / "state.json"
    state_file.write_text('{"components": {"auth": ')
    for command in (["status"], ["up"], ["down"]):
        result = box.run(*command, timeout=60)
        assert result.returncode == 1, command
        assert f"state file {state_file} is unreadable" in result.stderr
        assert "Traceback" not in result.stderr
    assert state_file.read_text() == '{"components": {"auth": '
