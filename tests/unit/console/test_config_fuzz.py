"""A broken console.toml never crashes the console: random bytes, deep nesting and wrong types all end
in one line naming the file and exit 2 (issue 13: a non-UTF-8 file used to give a traceback)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecoeco.console.cli import EXIT_CONFIG, EXIT_OK, main

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@contextmanager
def config_file(data: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "console.toml"
        path.write_bytes(data)
        before = os.environ.get("ECOECO_CONSOLE_CONFIG")
        os.environ["ECOECO_CONSOLE_CONFIG"] = str(path)
        try:
            yield path
        finally:
            if before is None:
                os.environ.pop("ECOECO_CONSOLE_CONFIG", None)
            else:
                os.environ["ECOECO_CONSOLE_CONFIG"] = before


def run_info(data: bytes, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with config_file(data):
        code = main(["info", "--json"])
    out = capsys.readouterr()
    return code, out.err


@SETTINGS
@given(data=st.binary(max_size=3000))
def test_random_bytes_give_a_message_and_exit_2(data: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_info(data, capsys)
    assert code in (EXIT_OK, EXIT_CONFIG)
    if code == EXIT_CONFIG:
        assert err.startswith("ecoeco-console: console.toml") and err.count("\n") == 1


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 5000 + "]" * 5000,  # deeper than Python's recursion limit
        "x = " + "{ y = " * 3000 + "1" + " }" * 3000,
        "default_profile = 3\n",
        '[profiles]\nprod = "not a table"\n',
        '[profiles.prod]\nenvironment = 7\npoll_interval_s = "soon"\nservices = ["a"]\n',
        '[profiles.prod]\nqueues = { q = 1 }\nread_only = "perhaps"\n',
    ],
)
def test_deep_nesting_and_wrong_types_give_a_message_and_exit_2(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run_info(text.encode(), capsys)
    assert code == EXIT_CONFIG, err
    assert err.startswith("ecoeco-console: ") and "Traceback" not in err


@SETTINGS
@given(
    values=st.dictionaries(
        st.sampled_from(["environment", "read_only", "poll_interval_s", "services", "queues", "cluster"]),
        st.one_of(st.integers(), st.text(max_size=20), st.booleans(), st.lists(st.integers(), max_size=3)),
        max_size=4,
    )
)
def test_any_mistyped_profile_is_named_not_raised(values: dict, capsys: pytest.CaptureFixture[str]) -> None:
    import tomli_w

    text = tomli_w.dumps({"default_profile": "p", "profiles": {"p": values}})
    code, err = run_info(text.encode(), capsys)
    assert code in (EXIT_OK, EXIT_CONFIG)
    if code == EXIT_CONFIG:
        assert "profiles.p" in err or "profile p" in err, err
