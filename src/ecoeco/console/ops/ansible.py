"""Ansible: the stages of ``site.yml`` (listed in ``stages.yaml``), run one, several or all, in check
mode or for real, with per-host per-task events from ansible-runner.

A stage is an imported playbook with a stable tag (``infra/ansible/site.yml``), so running stages is
``--tags`` of their tags; the preflight is tagged ``always`` and runs first whatever is chosen.
ansible-runner writes each run's artefacts (the full output, every event) under the console's state
dir, ``STATE/work/ansible/ENV/runs/<time>/``: the log of a run is kept.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import uuid
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from ecoeco.console.config import Profile
from ecoeco.console.errors import NotConfigured, OperatorError
from ecoeco.console.infra import (
    INVENTORY_OUTPUT,
    LAST_USED,
    inventory_drift,
    inventory_hosts,
)
from ecoeco.console.ops.base import (
    CancelToken,
    Emit,
    ItemState,
    ItemStatus,
    OperationContext,
    OutputLine,
    Plan,
    Progress,
    Result,
)
from ecoeco.console.ops.proc import find_binary

__all__ = ["AnsibleCheck", "AnsibleList", "AnsibleRun", "Stage", "load_stages"]

KIND = "ansible"
SITE = "site.yml"
STAGES_FILE = "stages.yaml"
ALL = "all"

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # ansible colours its stdout even when told not to

# ansible-runner event -> item state.
EVENT_STATES: dict[str, ItemState] = {
    "runner_on_ok": "ok",
    "runner_on_failed": "failed",
    "runner_on_unreachable": "unreachable",
    "runner_on_skipped": "skipped",
}


class Stage(BaseModel):
    id: str
    tag: str
    playbook: str
    title: str = ""


def ansible_dir(profile: Profile) -> Path:
    if profile.ansible_dir:
        directory = Path(profile.ansible_dir).expanduser()
    else:
        # A checkout: infra/ansible beside src/ (the console installed from a wheel needs the setting).
        directory = Path(__file__).resolve().parents[4] / "infra" / "ansible"
    if not (directory / SITE).is_file():
        raise NotConfigured(f"{directory} has no {SITE}: set ansible_dir in profile {profile.name}")
    return directory


def load_stages(directory: Path) -> list[Stage]:
    path = directory / STAGES_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise OperatorError(f"cannot read {path}: {exc}") from exc
    stages = [Stage.model_validate(s) for s in raw.get("stages") or []]
    if not stages:
        raise OperatorError(f"{path} lists no stages")
    return stages


def _inventory(profile: Profile, directory: Path, given: str | None) -> str | None:
    name = given or profile.ansible_inventory
    if not name:
        return None  # ansible.cfg's own
    path = Path(name) if Path(name).is_absolute() else directory / name
    if not path.exists():
        raise NotConfigured(f"inventory {path} does not exist")
    return str(path)


class StagesParams(BaseModel):
    stages: list[str] = Field(default_factory=lambda: [ALL], description="stage ids, or all")
    limit: str | None = Field(None, description="only these hosts (an ansible --limit pattern)")
    inventory: str | None = Field(None, description="else the profile's (or ansible.cfg's)")


def _select(stages: list[Stage], wanted: list[str]) -> list[Stage]:
    if not wanted or ALL in wanted:
        return stages
    by_id = {s.id: s for s in stages}
    unknown = [w for w in wanted if w not in by_id]
    if unknown:
        raise OperatorError(f"unknown stage(s) {', '.join(unknown)} (stages: {', '.join(by_id)})")
    chosen = set(wanted)
    return [s for s in stages if s.id in chosen]  # site.yml's order, whatever order they were typed in


def render_inventory(ctx: OperationContext) -> tuple[Path, str, list[str]] | None:
    """The inventory from ``terraform output`` (written under the work dir, the one place a plan may
    write), its sha256, and the summary lines with the drift from the last one used. None when the
    profile has no terraform_dir (then the configured inventory is used, and the summary says so)."""
    from ecoeco.console.ops import terraform

    if not ctx.profile.terraform_dir:
        return None
    # terraform's own work dir (its TF_DATA_DIR) is the sibling kind's: STATE/work/terraform/ENV.
    tf = terraform.setup(ctx.profile, ctx.work_dir.parents[1] / terraform.KIND / ctx.profile.environment)
    outputs = terraform.read_outputs(tf, ctx.cancel)
    value = (outputs.get(INVENTORY_OUTPUT) or {}).get("value")
    if not isinstance(value, str) or not value.strip():
        known = ", ".join(sorted(outputs)) or "none (apply first?)"
        raise OperatorError(
            f"terraform has no {INVENTORY_OUTPUT} output to render the inventory from ({known})"
        )
    digest = hashlib.sha256(value.encode()).hexdigest()
    folder = ctx.work_dir / "inventory"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{digest[:16]}.yml"
    path.write_text(value, encoding="utf-8")
    now = inventory_hosts(value)
    lines = [f"inventory rendered from terraform output {INVENTORY_OUTPUT}: {len(now)} host(s)"]
    last = folder / LAST_USED
    if not last.exists():
        lines.append("  first run with a rendered inventory: no earlier one to compare")
    else:
        drift = inventory_drift(inventory_hosts(last.read_text(encoding="utf-8")), now)
        lines += (
            [f"  DRIFT since the last run ({len(drift)}):", *(f"    {d}" for d in drift)]
            if drift
            else ["  no drift since the last run"]
        )
    return path, digest, lines


class _Stages:
    kind = KIND
    params_model = StagesParams
    check_mode = False

    def plan(self, params: StagesParams, ctx: OperationContext) -> Plan[StagesParams]:
        directory = ansible_dir(ctx.profile)
        everything = load_stages(directory)
        chosen = _select(everything, params.stages)
        rendered = None if params.inventory else render_inventory(ctx)
        inventory = str(rendered[0]) if rendered else _inventory(ctx.profile, directory, params.inventory)
        mode = "in check mode (changes nothing)" if self.check_mode else "FOR REAL"
        whole = len(chosen) == len(everything)
        summary = [
            f"{SITE}: {'every stage' if whole else f'{len(chosen)} of {len(everything)} stages'} {mode}",
            f"inventory {inventory or 'from ansible.cfg'}"
            + (f", limit {params.limit}" if params.limit else ""),
            *(f"  {s.tag}: {s.title}" for s in chosen),
            *(rendered[2] if rendered else ["inventory not rendered from terraform (no terraform_dir)"]),
        ]
        return Plan(
            params=params,
            summary=tuple(summary),
            details={
                "dir": str(directory),
                "inventory": inventory,
                "tags": [] if whole else [s.tag for s in chosen],
                "stages": [s.id for s in chosen],
                "check": self.check_mode,
                "inventory_sha256": rendered[1] if rendered else None,
            },
            changes=not self.check_mode,
        )

    def run(self, plan: Plan[StagesParams], emit: Emit, cancel: CancelToken) -> Result:
        assert plan.context is not None
        d = plan.details
        directory = Path(d["dir"])
        if d.get("inventory_sha256"):
            # Exactly the inventory that was shown; from now on it is the one "last used".
            rendered = Path(d["inventory"])
            text = rendered.read_text(encoding="utf-8") if rendered.is_file() else ""
            if hashlib.sha256(text.encode()).hexdigest() != d["inventory_sha256"]:
                return Result(ok=False, message=f"the rendered inventory {rendered.name} changed; plan again")
            (rendered.parent / LAST_USED).write_text(text, encoding="utf-8")
        run_dir = plan.context.work_dir / "runs" / f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Said before importing ansible-runner (a slow first import), so the operator sees it start.
        emit(OutputLine(f"ansible-playbook {SITE} ({', '.join(d['stages'])}); log in {run_dir}", "info"))
        import ansible_runner

        cmdline = ["--check", "--diff"] if d["check"] else []
        tracker = _Tracker(emit)
        playbook_bin = find_binary("ansible-playbook")
        kwargs: dict[str, Any] = {
            "private_data_dir": str(run_dir),
            "project_dir": str(directory),
            "playbook": str(directory / SITE),  # absolute: a relative one is looked up in the run dir
            "event_handler": tracker.event,
            "cancel_callback": lambda: cancel.cancelled,
            "quiet": True,
            "suppress_env_files": True,  # nothing of the environment written to the run dir
            "envvars": {
                "ANSIBLE_CONFIG": str(directory / "ansible.cfg"),
                "ANSIBLE_FORCE_COLOR": "0",
                "ANSIBLE_NOCOLOR": "1",
                # The ansible-playbook we found first on PATH (ansible-runner's `binary` would drop
                # the playbook from the command line).
                "PATH": os.pathsep.join([str(Path(playbook_bin).parent), os.environ.get("PATH", "")]),
            },
            "settings": {"suppress_ansible_output": True},
        }
        if d["tags"]:
            kwargs["tags"] = ",".join(d["tags"])
        if d["inventory"]:
            kwargs["inventory"] = d["inventory"]
        if plan.params.limit:
            kwargs["limit"] = plan.params.limit
        if cmdline:
            kwargs["cmdline"] = " ".join(cmdline)
        try:
            runner = ansible_runner.run(**kwargs)
        finally:
            # ansible-runner's "command" artefact holds the whole environment (AWS keys, vault tokens):
            # the run's log keeps its output and events, not that.
            for leaked in run_dir.glob("artifacts/*/command"):
                leaked.unlink(missing_ok=True)
        stats = runner.stats or {}
        data = {
            "status": runner.status,
            "rc": runner.rc,
            "stats": {
                k: v for k, v in stats.items() if k in ("ok", "changed", "failures", "dark", "skipped")
            },
            "run_dir": str(run_dir),
        }
        if runner.status == "canceled" or cancel.cancelled:
            return Result(
                ok=False, exit_code=130, message=f"cancelled during {tracker.task or 'start-up'}", data=data
            )
        if runner.status != "successful":
            why = (
                tracker.failures[0]
                if tracker.failures
                else f"ansible-playbook {runner.status} (rc {runner.rc})"
            )
            more = f" (+{len(tracker.failures) - 1} more)" if len(tracker.failures) > 1 else ""
            return Result(ok=False, exit_code=runner.rc or 1, message=why + more, data=data)
        changed = sum((stats.get("changed") or {}).values())
        hosts = len(set().union(*(set(v) for v in stats.values() if isinstance(v, dict)))) if stats else 0
        verb = "would change" if d["check"] else "changed"
        return Result(
            message=f"{len(d['stages'])} stage(s) on {hosts} host(s): {changed} task(s) {verb}", data=data
        )


class _Tracker:
    """ansible-runner events -> console events; remembers the failing tasks' full messages."""

    def __init__(self, emit: Emit) -> None:
        self.emit = emit
        self.task = ""
        self.play = ""
        self.tasks_seen = 0
        self.failures: list[str] = []

    def event(self, ev: dict[str, Any]) -> bool:
        kind = ev.get("event", "")
        data = ev.get("event_data") or {}
        if kind == "playbook_on_play_start":
            self.play = str(data.get("play", ""))
        elif kind == "playbook_on_task_start":
            self.task = str(data.get("task", ""))
            self.tasks_seen += 1
            self.emit(Progress(self.tasks_seen, None, f"{self.play}: {self.task}"))
        elif kind in EVENT_STATES:
            res = data.get("res") or {}
            state: ItemState = EVENT_STATES[kind]
            if state == "ok" and res.get("changed"):
                state = "changed"
            if state == "failed" and data.get("ignore_errors"):
                state = "ok"
            host = str(data.get("host", "?"))
            task = str(data.get("task", self.task))
            detail = task
            if state in ("failed", "unreachable"):
                msg = str(res.get("msg") or res.get("stderr") or res.get("reason") or "").strip()
                detail = f"{task}: {msg}" if msg else task
                self.failures.append(f"{host}: {detail}")
            self.emit(ItemStatus(host, state, detail=detail, group=self.play))
        for line in ANSI.sub("", str(ev.get("stdout") or "")).splitlines():
            if line.strip():
                self.emit(OutputLine(line))
        return True  # keep the event in the run's artefacts (the kept log)


class AnsibleCheck(_Stages):
    name = "ansible.check"
    title = "Ansible stages in check mode (changes nothing)"
    mutates = False
    changes_infrastructure = False
    check_mode = True


class AnsibleRun(_Stages):
    name = "ansible.run"
    title = "Ansible stages, for real"
    mutates = True
    changes_infrastructure = True
    check_mode = False


class ListParams(BaseModel):
    pass


class AnsibleList:
    name = "ansible.stages"
    kind = KIND
    title = "The stages of site.yml"
    params_model = ListParams
    mutates = False
    changes_infrastructure = False

    def plan(self, params: ListParams, ctx: OperationContext) -> Plan[ListParams]:
        directory = ansible_dir(ctx.profile)
        return Plan(
            params=params,
            summary=(f"list the stages of {directory / SITE}",),
            details={"dir": str(directory)},
            changes=False,
        )

    def run(self, plan: Plan[ListParams], emit: Emit, cancel: CancelToken) -> Result:
        stages = load_stages(Path(plan.details["dir"]))
        for s in stages:
            emit(OutputLine(f"{s.id:22} {s.tag:32} {s.title}"))
        return Result(message=f"{len(stages)} stages", data={"stages": [s.model_dump() for s in stages]})
