"""The audit log on disk: the reader joins start and end records, survives a torn last line (and the
next append repairs it), shows a start without an end as unfinished; ``ecoeco-console audit``."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from tests.unit.console.ops.opkit import Boom, Check, WriteFile, prod_profile

from ecoeco.console.cli import main
from ecoeco.console.ops import OperationRunner, read_audit
from ecoeco.console.ops.audit import AUDIT_FILE, AuditLog, scrub
from ecoeco.console.ops.state import STATE_DIR_ENV


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "state"
    monkeypatch.setenv(STATE_DIR_ENV, str(path))
    return path


def three_runs(state: Path, tmp_path: Path) -> OperationRunner:
    runner = OperationRunner(prod_profile(), state_dir=state)
    assert runner.run(runner.plan(WriteFile(), {"target": str(tmp_path / "a")})).ok
    assert runner.run(runner.plan(Boom("exploded"), {})).result == "failed"
    assert runner.run(runner.plan(Check(), {"items": 7})).ok
    return runner


def test_the_reader_joins_start_and_end_records(state: Path, tmp_path: Path) -> None:
    three_runs(state, tmp_path)
    read = read_audit(state / AUDIT_FILE)
    assert read.damaged == 0
    assert [(e.operation, e.result, e.exit_code) for e in read.entries] == [
        ("test.write", "succeeded", 0),
        ("test.boom", "failed", 1),
        ("test.check", "succeeded", 0),
    ]
    assert read.entries[1].message == "ConnectionError: exploded"
    assert all(e.ended and e.duration_s is not None and e.plan_digest for e in read.entries)


def test_a_torn_last_line_is_skipped_and_the_next_append_repairs_it(state: Path, tmp_path: Path) -> None:
    runner = three_runs(state, tmp_path)
    path = state / AUDIT_FILE
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"v":1,"record":"start","run_id":"dead","oper')  # a writer killed mid-line
    read = read_audit(path)
    assert read.damaged == 1 and len(read.entries) == 3
    assert runner.run(runner.plan(Check(), {})).ok
    read = read_audit(path)
    assert read.damaged == 1 and len(read.entries) == 4 and read.entries[-1].result == "succeeded"
    assert read.entries[-1].summary == ["look at 3 items"]  # its start record (not only its end) was read
    assert path.read_bytes().startswith(whole) and path.read_bytes().endswith(b"}\n")


def test_a_start_without_an_end_is_unfinished_unless_its_process_still_runs(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / AUDIT_FILE)
    me = {"host": socket.gethostname(), "pid": os.getpid()}
    log.append({"record": "start", "run_id": "r1", "operation": "test.a", "host": "elsewhere", "pid": 1})
    log.append({"record": "start", "run_id": "r2", "operation": "test.b", **me})
    log.append({"record": "end", "run_id": "r3", "operation": "test.c", "result": "succeeded"})  # start lost
    log.append({"record": "mystery"})
    read = read_audit(tmp_path / AUDIT_FILE)
    assert [(e.run_id, e.result) for e in read.entries] == [
        ("r1", "unfinished"),
        ("r2", "running"),
        ("r3", "succeeded"),
    ]
    assert read.damaged == 1
    assert read_audit(tmp_path / "absent.jsonl").entries == []


def test_scrub_masks_sensitive_keys_and_urls_and_keeps_structure() -> None:
    value = {
        "password": "p4ss",
        "api_key": 1234,
        "dry_run": True,
        "nested": {"token": "t0k3n", "paths": ["/a", "https://u:pw9@h/x"]},
        "note": "uses literal-secret inside",
    }
    assert scrub(value, ("literal-secret",)) == {
        "password": "***",
        "api_key": "***",
        "dry_run": True,
        "nested": {"token": "***", "paths": ["/a", "https://u:***@h/x"]},
        "note": "uses *** inside",
    }


def test_cli_audit_prints_the_newest_first(
    state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["audit"]) == 0
    assert "no operations recorded yet" in capsys.readouterr().out
    monkeypatch.setenv("SSH_CONNECTION", "198.51.100.7 40000 10.0.0.5 22")
    three_runs(state, tmp_path)
    assert main(["audit", "--limit", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "== audit" and out[1].split()[:4] == ["time", "(UTC)", "env", "operation"]
    assert [line.split()[3:5] for line in out[2:]] == [["test.check", "succeeded"], ["test.boom", "failed"]]
    assert "(198.51.100.7)" in out[2] and "ConnectionError: exploded" in out[3]


def test_cli_audit_json(state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    three_runs(state, tmp_path)
    with (state / AUDIT_FILE).open("a") as fh:
        fh.write('{"torn')
    assert main(["audit", "--json", "--limit", "1"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["path"] == str(state / AUDIT_FILE) and data["damaged"] == 1
    [entry] = data["entries"]
    assert entry["operation"] == "test.check" and entry["arguments"] == {"items": 7}
    assert "1 unreadable line(s) skipped" in captured.err


def test_cli_audit_rejects_a_bad_limit(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["audit", "--limit", "0"])
    assert info.value.code == 2 and "must be at least 1" in capsys.readouterr().err
