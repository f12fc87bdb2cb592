"""Terraform: init, plan (a saved plan file, summarised from ``terraform show -json``), apply of exactly
that saved plan, output, destroy (behind a second typed phrase).

The console drives the ``terraform`` CLI itself (docs/decisions/terraform-runner.md says why not
python-terraform): machine-readable ``-json`` UI output streamed line by line, one saved plan per
confirmation, its sha256 in the plan's details so the runner's digest pins "exactly that saved plan".

Where things live, per environment (the profile): ``terraform_dir`` (the root module), the workspace
(``TF_WORKSPACE``: selecting it this way writes nothing), var files, backend config (init only).
Terraform's own data dir (``TF_DATA_DIR``: providers, backend settings) and the saved plans are kept
under the console's state dir, ``STATE/work/terraform/ENV/``, so staging and prod can be driven from
one checkout without sharing a ``.terraform`` directory, and a saved plan (which holds sensitive values
in clear) is never left in the checkout.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ecoeco.console.config import Profile
from ecoeco.console.errors import NotConfigured, OperatorError
from ecoeco.console.ops.base import (
    CancelToken,
    Emit,
    ItemStatus,
    OperationContext,
    OutputLine,
    Plan,
    Progress,
    Result,
)
from ecoeco.console.ops.proc import ProcResult, find_binary, run_streaming

__all__ = [
    "TerraformApply",
    "TerraformDestroy",
    "TerraformInit",
    "TerraformOutput",
    "TerraformPlan",
    "plan_summary",
]

KIND = "terraform"
PLAN_FILES_KEPT_S = 24 * 3600  # plans never applied are removed after a day (they hold secrets)
MAX_SUMMARY_RESOURCES = 200  # lines in a confirmation; the details keep every resource

# terraform show -json actions -> the word an operator reads, and its sign as terraform prints it.
ACTIONS = {
    ("create",): ("create", "+"),
    ("update",): ("update", "~"),
    ("delete",): ("destroy", "-"),
    ("delete", "create"): ("replace", "-/+"),
    ("create", "delete"): ("replace", "+/-"),
    ("read",): ("read", "<="),
}


# --- where and how terraform runs -------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    binary: str
    directory: Path
    data_dir: Path
    plans_dir: Path
    env: Mapping[str, str] = field(repr=False)
    var_files: tuple[str, ...]
    backend_config: tuple[str, ...]
    workspace: str


def setup(profile: Profile, work_dir: Path) -> Setup:
    if not profile.terraform_dir:
        raise NotConfigured(f"profile {profile.name} has no terraform_dir (the root module to drive)")
    directory = Path(profile.terraform_dir).expanduser()
    if not directory.is_dir():
        raise NotConfigured(f"terraform_dir {directory} is not a directory")
    binary = find_binary("terraform", profile.terraform_bin)
    var_files = []
    for name in profile.terraform_var_files:
        path = Path(name) if Path(name).is_absolute() else directory / name
        if not path.is_file():
            raise NotConfigured(f"terraform var file {path} does not exist")
        var_files.append(str(path))
    env = dict(os.environ)
    env.update(
        {
            "TF_IN_AUTOMATION": "1",  # no "run terraform apply next" advice in the output
            "TF_INPUT": "0",  # never wait for an answer nobody can type
            "CHECKPOINT_DISABLE": "1",  # no version check call from a bastion
            "TF_DATA_DIR": str(work_dir / "data"),
        }
    )
    if profile.terraform_workspace:
        env["TF_WORKSPACE"] = profile.terraform_workspace
    else:
        env.pop("TF_WORKSPACE", None)
    return Setup(
        binary=binary,
        directory=directory,
        data_dir=work_dir / "data",
        plans_dir=work_dir / "plans",
        env=env,
        var_files=tuple(var_files),
        backend_config=tuple(profile.terraform_backend_config),
        workspace=profile.terraform_workspace or "default",
    )


def backend_config_secrets(entries: tuple[str, ...]) -> tuple[str, ...]:
    """Values of KEY=VALUE backend settings: may be keys or passwords, so masked wherever shown."""
    return tuple(e.split("=", 1)[1] for e in entries if "=" in e and e.split("=", 1)[1])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- the -json UI stream ------------------------------------------------------------------------------


class UiStream:
    """Turns terraform's ``-json`` lines into events, and remembers what the result needs.

    Never passes on a raw JSON line: ``outputs`` events carry sensitive values in clear; only the
    human ``@message`` goes out (``Outputs: 2``)."""

    def __init__(self, emit: Emit | None, total: int | None = None) -> None:
        self.emit = emit
        self.total = total
        self.done = 0  # resources finished, either way (the progress)
        self.completed = 0
        self.errored: list[str] = []
        self.errors: list[str] = []
        self.changes: dict[str, int] = {}
        self.first_line_at: float | None = None

    def _out(self, event: OutputLine | ItemStatus | Progress) -> None:
        if self.emit is not None:
            self.emit(event)

    def line(self, text: str, stream: str) -> None:
        if self.first_line_at is None:
            self.first_line_at = time.monotonic()
        try:
            msg = json.loads(text) if text.startswith("{") else None
        except json.JSONDecodeError:
            msg = None
        if not isinstance(msg, dict):
            if text.strip():
                self._out(OutputLine(text, "stderr" if stream == "stderr" else "stdout"))
            return
        kind = msg.get("type", "")
        message = str(msg.get("@message", ""))
        level = msg.get("@level", "info")
        if kind == "diagnostic":
            diag = msg.get("diagnostic") or {}
            summary = str(diag.get("summary", message))
            detail = str(diag.get("detail", "")).strip()
            where = (diag.get("range") or {}).get("filename")
            text = f"{diag.get('severity', level)}: {summary}" + (f" ({where})" if where else "")
            if detail:
                text += f": {detail}"
            if diag.get("severity") == "error" or level == "error":
                self.errors.append(text)
            self._out(OutputLine(text, "stderr" if level == "error" else "stdout"))
            return
        hook = msg.get("hook") or msg.get("change") or {}
        address = str((hook.get("resource") or {}).get("addr", ""))
        action = str(hook.get("action", ""))
        if kind == "planned_change" and address:
            self._out(ItemStatus(address, "pending", detail=action, group="plan"))
        elif kind == "apply_start" and address:
            self._out(ItemStatus(address, "running", detail=action, group="apply"))
        elif kind == "apply_complete" and address:
            self.done += 1
            self.completed += 1
            self._out(ItemStatus(address, "changed", detail=action, group="apply"))
            self._out(Progress(self.done, self.total, address))
        elif kind == "apply_errored" and address:
            self.done += 1
            self.errored.append(address)
            self.errors.append(message)
            self._out(ItemStatus(address, "failed", detail=message, group="apply"))
            self._out(Progress(self.done, self.total, address))
        elif kind == "change_summary":
            self.changes = {k: int(v) for k, v in (msg.get("changes") or {}).items() if isinstance(v, int)}
        if message:
            self._out(OutputLine(message, "stderr" if level == "error" else "stdout"))


def _call(
    s: Setup,
    args: list[str],
    stream: UiStream,
    cancel: CancelToken,
    timeout_s: float | None = None,
) -> ProcResult:
    return run_streaming(
        [s.binary, *args],
        cwd=s.directory,
        env=s.env,
        on_line=stream.line,
        cancel=cancel,
        timeout_s=timeout_s,
    )


def _failure(what: str, proc: ProcResult, stream: UiStream) -> str:
    if proc.timed_out:
        return f"terraform {what} timed out and was stopped ({', '.join(proc.signals_sent)})"
    reason = stream.errors[0] if stream.errors else f"exit {proc.returncode}"
    return f"terraform {what} failed: {reason}"


# --- plan summary from show -json ---------------------------------------------------------------------


def plan_summary(show: Mapping[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Lines for the confirmation (counts, then each resource named with its action) and the
    details the run and the audit keep. Reads only addresses and actions: never a value."""
    resources: list[dict[str, str]] = []
    counts = {"add": 0, "change": 0, "destroy": 0}
    for rc in show.get("resource_changes") or []:
        actions = tuple((rc.get("change") or {}).get("actions") or ())
        if actions in (("no-op",), ()):
            continue
        word, sign = ACTIONS.get(actions, ("/".join(actions), "?"))
        if word in ("create", "replace"):
            counts["add"] += 1
        if word in ("destroy", "replace"):
            counts["destroy"] += 1
        if word == "update":
            counts["change"] += 1
        resources.append({"address": str(rc.get("address", "")), "action": word, "sign": sign})
    outputs = {
        name: "/".join(oc.get("actions") or ["no-op"])
        for name, oc in (show.get("output_changes") or {}).items()
        if (oc.get("actions") or ["no-op"]) != ["no-op"]
    }
    lines = [f"Plan: {counts['add']} to add, {counts['change']} to change, {counts['destroy']} to destroy."]
    for r in resources[:MAX_SUMMARY_RESOURCES]:
        lines.append(f"  {r['sign']} {r['address']} ({r['action']})")
    if len(resources) > MAX_SUMMARY_RESOURCES:
        lines.append(f"  … and {len(resources) - MAX_SUMMARY_RESOURCES} more")
    if outputs:
        lines.append("Outputs: " + ", ".join(f"{k} ({v})" for k, v in sorted(outputs.items())))
    details = {"counts": counts, "resources": resources, "outputs": outputs}
    return lines, details


def _plan_to_file(
    s: Setup, ctx: OperationContext, *, destroy: bool, emit: Emit | None = None
) -> tuple[Path, dict[str, Any], list[str]]:
    """``terraform plan -out`` into the work dir, then ``show -json`` of it."""
    s.plans_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    _remove_old_plans(s.plans_dir)
    plan_file = s.plans_dir / f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.tfplan"
    args = ["plan", "-input=false", "-json", f"-out={plan_file}"]
    args += [f"-var-file={f}" for f in s.var_files]
    if destroy:
        args.append("-destroy")
    stream = UiStream(emit)
    proc = _call(s, args, stream, ctx.cancel)
    ctx.cancel.check()
    if proc.returncode != 0 or not plan_file.exists():
        plan_file.unlink(missing_ok=True)
        raise OperatorError(_failure("plan", proc, stream))
    os.chmod(plan_file, 0o600)
    shown = _show_json(s, plan_file, ctx.cancel)
    lines, details = plan_summary(shown)
    return plan_file, details, lines


def _json_of(s: Setup, args: list[str], cancel: CancelToken, *, empty: str = "") -> Any:
    """Run ``terraform ARGS`` (a ``-json`` command) and parse what it printed on stdout."""
    what = " ".join(args[:2])  # the subcommand and its -json, not file paths
    out: list[str] = []
    err: list[str] = []
    proc = run_streaming(
        [s.binary, *args],
        cwd=s.directory,
        env=s.env,
        on_line=lambda text, stream: (out if stream == "stdout" else err).append(text),
        cancel=cancel,
    )
    cancel.check()
    if proc.returncode != 0:
        raise OperatorError(f"terraform {what} failed: {' '.join(err)[:500] or proc.returncode}")
    try:
        return json.loads("\n".join(out) or empty)
    except json.JSONDecodeError as exc:
        raise OperatorError(f"terraform {what} printed no JSON ({exc.msg})") from exc


def _show_json(s: Setup, plan_file: Path, cancel: CancelToken) -> dict[str, Any]:
    shown = _json_of(s, ["show", "-json", str(plan_file)], cancel)
    return shown if isinstance(shown, dict) else {}


def _remove_old_plans(plans_dir: Path) -> None:
    cutoff = time.time() - PLAN_FILES_KEPT_S
    for path in plans_dir.glob("*.tfplan"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue


# --- operations ---------------------------------------------------------------------------------------


class InitParams(BaseModel):
    upgrade: bool = Field(False, description="upgrade providers and modules within their constraints")
    reconfigure: bool = Field(False, description="ignore the saved backend settings")


class TerraformInit:
    name = "terraform.init"
    kind = KIND
    title = "Terraform init (providers, modules, backend)"
    params_model = InitParams
    mutates = True  # writes the lock file and the data dir; nothing in the environment itself
    changes_infrastructure = False

    def plan(self, params: InitParams, ctx: OperationContext) -> Plan[InitParams]:
        s = setup(ctx.profile, ctx.work_dir)
        keys = [e.split("=", 1)[0] for e in s.backend_config]
        summary = [
            f"terraform init in {s.directory} (workspace {s.workspace})",
            "backend config: " + (", ".join(keys) if keys else "none (the module's own)"),
        ]
        if params.upgrade:
            summary.append("upgrade providers and modules")
        return Plan(
            params=params,
            summary=tuple(summary),
            details={"dir": str(s.directory), "workspace": s.workspace},
            secrets=backend_config_secrets(s.backend_config),
        )

    def run(self, plan: Plan[InitParams], emit: Emit, cancel: CancelToken) -> Result:
        s = setup(plan.profile, plan.context.work_dir if plan.context else Path("."))
        s.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        args = ["init", "-input=false", "-json"]
        args += [f"-backend-config={e}" for e in s.backend_config]
        if plan.params.upgrade:
            args.append("-upgrade")
        if plan.params.reconfigure:
            args.append("-reconfigure")
        stream = UiStream(emit)
        proc = _call(s, args, stream, cancel)
        cancel.check()
        if proc.returncode != 0:
            return Result(ok=False, exit_code=proc.returncode, message=_failure("init", proc, stream))
        return Result(message=f"initialised {s.directory} (workspace {s.workspace})")


class PlanParams(BaseModel):
    pass


class TerraformPlan:
    """A check: what apply would change now, streamed. Its saved plan is for reading, never applied
    (``terraform.apply`` makes and pins its own)."""

    name = "terraform.plan"
    kind = KIND
    title = "Terraform plan (what would change)"
    params_model = PlanParams
    mutates = False
    changes_infrastructure = False

    def plan(self, params: PlanParams, ctx: OperationContext) -> Plan[PlanParams]:
        s = setup(ctx.profile, ctx.work_dir)
        return Plan(
            params=params,
            summary=(f"terraform plan in {s.directory} (workspace {s.workspace}); changes nothing",),
            details={"dir": str(s.directory), "workspace": s.workspace},
            changes=False,
        )

    def run(self, plan: Plan[PlanParams], emit: Emit, cancel: CancelToken) -> Result:
        assert plan.context is not None
        s = setup(plan.profile, plan.context.work_dir)
        ctx = OperationContext(plan.profile, plan.context.work_dir, cancel=cancel)
        plan_file, details, lines = _plan_to_file(s, ctx, destroy=False, emit=emit)
        plan_file.unlink(missing_ok=True)
        for line in lines:
            emit(OutputLine(line, "info"))
        return Result(message=lines[0], data={"counts": details["counts"], "resources": details["resources"]})


def ensure_init(s: Setup, cancel: CancelToken, emit: Emit | None = None) -> None:
    """``terraform init`` when this environment's data dir has never been initialised (it writes only
    there): the rebuild is one key, also on a fresh bastion."""
    if (s.data_dir / "terraform.tfstate").is_file():
        return
    s.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    stream = UiStream(emit)
    args = ["init", "-input=false", "-json", *(f"-backend-config={e}" for e in s.backend_config)]
    proc = _call(s, args, stream, cancel)
    cancel.check()
    if proc.returncode != 0:
        raise OperatorError(_failure("init", proc, stream))


def saved_plan(
    ctx: OperationContext, *, destroy: bool, emit: Emit | None = None
) -> tuple[dict[str, Any], list[str], bool]:
    """``terraform plan [-destroy]`` to a saved file under the work dir: the details that pin it
    (``plan_file``, ``plan_sha256``, each resource), the summary lines, and whether anything changes
    (no saved file is kept when nothing does)."""
    s = setup(ctx.profile, ctx.work_dir)
    plan_file, details, lines = _plan_to_file(s, ctx, destroy=destroy, emit=emit)
    counts = details["counts"]
    changes = bool(details["resources"] or details["outputs"])
    if not changes:
        plan_file.unlink(missing_ok=True)
        lines = ["No changes: the infrastructure matches the configuration.", *lines[1:]]
    return (
        {
            "dir": str(s.directory),
            "workspace": s.workspace,
            "plan_file": str(plan_file),
            "plan_sha256": _sha256(plan_file) if changes else "",
            "destroy": destroy,
            **details,
            "total": counts["add"] + counts["change"] + counts["destroy"],
        },
        [f"{s.directory} (workspace {s.workspace})", *lines],
        changes,
    )


class ApplyParams(BaseModel):
    pass


class TerraformApply:
    """Plan to a saved file (shown in the confirmation), then apply exactly that file."""

    name = "terraform.apply"
    kind = KIND
    title = "Terraform apply (plan, confirm, apply that plan)"
    params_model = ApplyParams
    mutates = True
    changes_infrastructure = True
    destroy = False

    def plan(self, params: BaseModel, ctx: OperationContext) -> Plan[Any]:
        details, lines, changes = saved_plan(ctx, destroy=self.destroy)
        return Plan(params=params, summary=tuple(lines), details=details, changes=changes)

    def run(self, plan: Plan[Any], emit: Emit, cancel: CancelToken) -> Result:
        assert plan.context is not None
        if not plan.changes:
            return Result(message="no changes; nothing applied")
        return apply_saved_plan(
            setup(plan.profile, plan.context.work_dir), plan.details, emit, cancel, destroy=self.destroy
        )


def apply_saved_plan(
    s: Setup, details: Mapping[str, Any], emit: Emit, cancel: CancelToken, *, destroy: bool
) -> Result:
    """Apply exactly the saved plan ``details`` name (``plan_file``, ``plan_sha256``, ``resources``),
    streaming; the plan file is removed whatever happens. Shared by apply, destroy, the destroy with
    cleanup and the rebuild."""
    plan_file = Path(details["plan_file"])
    # Exactly the saved plan that was shown: not another one written in its place since.
    if not plan_file.is_file() or _sha256(plan_file) != details["plan_sha256"]:
        return Result(ok=False, message=f"the saved plan {plan_file.name} is gone or changed; plan again")
    stream = UiStream(emit, total=len(details["resources"]) or None)
    try:
        proc = _call(s, ["apply", "-input=false", "-json", str(plan_file)], stream, cancel)
    finally:
        # Applied, failed or stopped, a saved plan is used up (terraform refuses it as stale) and
        # holds sensitive values in clear.
        plan_file.unlink(missing_ok=True)
    data = {"changes": stream.changes, "completed": stream.completed, "errored": stream.errored}
    if proc.cancelled:
        stopped = f", {', '.join(stream.errored)} stopped mid-change" if stream.errored else ""
        return Result(
            ok=False,
            exit_code=130,
            message=(
                f"interrupted: {stream.completed} of {stream.total or '?'} resources done{stopped}; "
                f"terraform stopped and saved its state (exit {proc.returncode}); plan again to see "
                "what is left"
            ),
            data=data,
        )
    if proc.returncode != 0:
        return Result(ok=False, exit_code=proc.returncode, message=_failure("apply", proc, stream), data=data)
    c = stream.changes
    verb = "destroyed" if destroy else "applied"
    return Result(
        message=f"{verb}: {c.get('add', 0)} added, {c.get('change', 0)} changed, {c.get('remove', 0)} destroyed",
        data=data,
    )


class TerraformDestroy(TerraformApply):
    """``plan -destroy`` to a saved file, then apply it. Asks for a second typed phrase."""

    name = "terraform.destroy"
    title = "Terraform destroy (everything in the state)"
    destroy = True
    # The runner asks for this phrase on top of the environment's name (see runner.confirm_phrase).
    confirm_phrase = "destroy {environment}"


class OutputParams(BaseModel):
    name: str | None = Field(None, description="one output; all when empty")


class TerraformOutput:
    name = "terraform.output"
    kind = KIND
    title = "Terraform outputs"
    params_model = OutputParams
    mutates = False
    changes_infrastructure = False

    def plan(self, params: OutputParams, ctx: OperationContext) -> Plan[OutputParams]:
        s = setup(ctx.profile, ctx.work_dir)
        what = f"output {params.name}" if params.name else "every output"
        return Plan(
            params=params,
            summary=(f"read {what} of {s.directory} (workspace {s.workspace})",),
            details={"dir": str(s.directory)},
            changes=False,
        )

    def run(self, plan: Plan[OutputParams], emit: Emit, cancel: CancelToken) -> Result:
        assert plan.context is not None
        s = setup(plan.profile, plan.context.work_dir)
        outputs = read_outputs(s, cancel)
        if plan.params.name is not None:
            if plan.params.name not in outputs:
                known = ", ".join(sorted(outputs)) or "none"
                return Result(ok=False, message=f"no output {plan.params.name!r} (outputs: {known})")
            outputs = {plan.params.name: outputs[plan.params.name]}
        for name, out in sorted(outputs.items()):
            shown = "(sensitive)" if out.get("sensitive") else json.dumps(out.get("value"))
            emit(OutputLine(f"{name} = {shown}"))
        return Result(
            message=f"{len(outputs)} output(s)",
            data={
                "outputs": sorted(outputs),
                "sensitive": sorted(k for k, v in outputs.items() if v.get("sensitive")),
            },
        )


def read_outputs(s: Setup, cancel: CancelToken) -> dict[str, dict[str, Any]]:
    """``terraform output -json``: {name: {"value", "sensitive", "type"}}."""
    data = _json_of(s, ["output", "-json"], cancel, empty="{}")
    return {k: v for k, v in data.items() if isinstance(v, dict)}
