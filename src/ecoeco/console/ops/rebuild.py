"""The one-key rebuild: pre-flight, plan, confirm, apply, inventory, site.yml, wait for the nodes Ready,
verify. What the seed's ``auto-rebuild.sh`` did in 50-70 minutes with no resume, now in steps that are
each recorded: a failed or interrupted rebuild is resumed from the step that did not finish.

- **State**: ``STATE/work/terraform/ENV/rebuild/steps.json`` (the rebuild's kind is ``terraform``; it
  holds the ``terraform``, ``ansible`` and ``restart`` locks of the environment, so no terraform
  operation, destroy.cleanup, ansible.run or restart runs beside it, nor it beside them), one entry
  per step: ``pending | running | done | failed``, when, the message, the step's log file
  (``logs/NN-step.log``, every line it streamed, kept).
- **Resume**: the plan reads that file; a rebuild that did not finish resumes at its first step not
  done (the plan says which, and which are done since when); ``restart=true`` starts over. Once apply
  is done the pre-flight is not repeated (the cluster's own load balancers would count as leftovers)
  and no terraform plan is made; before that, the plan is a fresh saved plan, applied exactly.
- **Pre-flight** (at the plan, and again as the first step): AWS credentials answer (STS), the EC2
  vCPU quota L-1216C47A allows what the topology needs, nothing the controllers left blocks the apply.
- **Nodes Ready**: the kubernetes API for a kubernetes profile; on the sandbox (a local cluster) the
  nodes are simulated: the inventory's hosts, all reached by the simulated stages, and it says so.
- **Verify**: every read source answers (``status``'s check). The read side is above ``ops``, so the
  composition root (``cli.py``) hands the check in with ``set_verifier``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ecoeco.console.aws import aws_error, client, is_simulated
from ecoeco.console.config import Profile
from ecoeco.console.errors import OperatorError
from ecoeco.console.infra import LAST_USED, inventory_hosts
from ecoeco.console.ops import ansible, terraform
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
from ecoeco.console.ops.leftovers import find_leftovers
from ecoeco.console.ops.quota import quota_facts
from ecoeco.console.ops.state import iso_utc
from ecoeco.shared.topology import load_topology

__all__ = ["STEPS", "Rebuild", "set_verifier", "wait_nodes_ready"]

STEPS: tuple[tuple[str, str], ...] = (
    ("preflight", "pre-flight: credentials, vCPU quota, leftovers"),
    ("apply", "terraform apply of the saved plan"),
    ("inventory", "inventory rendered from terraform output"),
    ("site", "site.yml, every stage"),
    ("nodes", "wait for the nodes Ready"),
    ("verify", "verify: every source answers"),
)
STATE_FILE = "steps.json"

# (profile, cancel) -> problems (empty: every source green). Set by the composition root.
Verifier = Callable[[Profile, CancelToken], list[str]]
_verifier: Verifier | None = None


def set_verifier(fn: Verifier | None) -> None:
    global _verifier
    _verifier = fn


# --- the step state ---------------------------------------------------------------------------------


def _state_dir(work_dir: Path) -> Path:
    return work_dir / "rebuild"


def load_state(work_dir: Path) -> dict[str, Any]:
    path = _state_dir(work_dir) / STATE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, json.JSONDecodeError) as exc:
        raise OperatorError(f"cannot read the rebuild's step state {path}: {exc}") from exc
    return data if isinstance(data, dict) else {}


def _save_state(work_dir: Path, data: dict[str, Any]) -> None:
    folder = _state_dir(work_dir)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = folder / f".{STATE_FILE}.{os.getpid()}"
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, folder / STATE_FILE)  # a reader never sees half a file


def _done(data: dict[str, Any]) -> list[str]:
    steps = data.get("steps") or {}
    return [name for name, _ in STEPS if (steps.get(name) or {}).get("state") == "done"]


def unfinished(data: dict[str, Any]) -> bool:
    return bool(data) and len(_done(data)) < len(STEPS)


# --- pre-flight -------------------------------------------------------------------------------------


def preflight(profile: Profile) -> tuple[list[str], list[str], tuple[str, ...]]:
    """(lines, problems, secrets). Read-only."""
    lines: list[str] = []
    problems: list[str] = []
    where = f" (simulated: {profile.aws_endpoint_url})" if is_simulated(profile) else ""
    try:
        sts, secrets = client(profile, "sts")
        who = sts.get_caller_identity()
        lines.append(f"credentials: account {who.get('Account')} ({who.get('Arn')}){where}")
    except Exception as exc:  # noqa: BLE001 - a pre-flight finding, said as such
        problems.append(f"credentials: {aws_error(exc) if not isinstance(exc, OperatorError) else exc}")
        return lines, problems, ()
    try:
        facts, _ = quota_facts(profile)
        lines += facts.lines()
        if facts.short:
            pending = (
                " (a request is pending: wait for AWS)"
                if facts.pending_covers
                else " (quota.request asks for it)"
            )
            problems.append(f"vCPU quota {facts.value:g} < {facts.needed} the topology needs{pending}")
    except OperatorError as exc:
        problems.append(str(exc))
    try:
        found, _ = find_leftovers(profile)
        if found:
            problems.append(
                f"{len(found)} resource(s) left by the controllers block the apply (destroy.cleanup "
                f"deletes them): " + "; ".join(x.line() for x in found)
            )
        else:
            lines.append("leftovers: none")
    except OperatorError as exc:
        problems.append(str(exc))
    return lines, problems, secrets


# --- the operation ----------------------------------------------------------------------------------


class RebuildParams(BaseModel):
    restart: bool = Field(False, description="start over, even when the last rebuild did not finish")
    ready_timeout_s: float = Field(1800.0, gt=0, description="how long to wait for the nodes Ready")


class Rebuild:
    name = "rebuild"
    kind = "terraform"  # its work dir and state live under terraform's
    # It applies, runs site.yml and replaces the workloads: no terraform, ansible or restart beside it.
    lock_kinds = ("terraform", "ansible", "restart")
    title = "Rebuild the cluster (one key; resumes where it stopped)"
    params_model = RebuildParams
    mutates = True
    changes_infrastructure = True

    def plan(self, params: RebuildParams, ctx: OperationContext) -> Plan[RebuildParams]:
        s = terraform.setup(ctx.profile, ctx.work_dir)
        ansible.ansible_dir(ctx.profile)  # configuration errors before anything is asked of AWS
        state = {} if params.restart else load_state(ctx.work_dir)
        done = _done(state) if unfinished(state) else []
        todo = [name for name, _ in STEPS if name not in done]
        summary: list[str] = []
        if done:
            steps = state["steps"]
            summary.append(f"RESUMING the rebuild of {state.get('started', '?')} at step {todo[0]}:")
            summary += [f"  done: {n} ({steps[n].get('at', '?')})" for n in done]
        else:
            summary.append(f"rebuild {ctx.profile.environment}: " + ", ".join(name for name, _ in STEPS))
        details: dict[str, Any] = {"todo": todo, "resumed_from": state.get("started") if done else None}
        secrets: tuple[str, ...] = ()
        if "apply" in todo:
            lines, problems, secrets = preflight(ctx.profile)
            summary += ["pre-flight:", *(f"  {line}" for line in lines)]
            if problems:
                raise OperatorError("pre-flight failed, nothing was run: " + " | ".join(problems))
            terraform.ensure_init(s, ctx.cancel)
            tf, tf_lines, tf_changes = terraform.saved_plan(ctx, destroy=False)
            summary += ["terraform:", *(f"  {line}" for line in tf_lines)]
            details |= {"terraform": tf, "terraform_changes": tf_changes}
        summary.append(f"then: {', '.join(todo[todo.index('apply') + 1 :] if 'apply' in todo else todo)}")
        return Plan(params=params, summary=tuple(summary), details=details, secrets=secrets)

    def run(self, plan: Plan[RebuildParams], emit: Emit, cancel: CancelToken) -> Result:
        assert plan.context is not None
        work = plan.context.work_dir
        todo = list(plan.details["todo"])
        state = load_state(work) if plan.details["resumed_from"] else {}
        if not state:
            state = {"started": iso_utc(time.time()), "steps": {n: {"state": "pending"} for n, _ in STEPS}}
        logs = _state_dir(work) / "logs"
        logs.mkdir(parents=True, exist_ok=True, mode=0o700)
        runs = {
            "preflight": self._preflight,
            "apply": self._apply,
            "inventory": self._inventory,
            "site": self._site,
            "nodes": self._nodes,
            "verify": self._verify,
        }
        results: dict[str, str] = {}
        for index, (step, title) in enumerate(STEPS):
            if step not in todo:
                emit(ItemStatus(step, "skipped", detail="done earlier", group="rebuild"))
                continue
            cancel.check()
            log_path = logs / f"{index + 1:02d}-{step}.log"
            entry = {"state": "running", "at": iso_utc(time.time()), "log": str(log_path)}
            state["steps"][step] = entry
            _save_state(work, state)
            emit(Progress(index, len(STEPS), title))
            emit(ItemStatus(step, "running", detail=title, group="rebuild"))
            with log_path.open("a", encoding="utf-8") as log:
                log.write(f"== {iso_utc(time.time())} {step}: {title}\n")
                step_emit = _logging_emit(emit, log)
                try:
                    result = runs[step](plan, step_emit, cancel)
                except BaseException as exc:
                    result = Result(ok=False, message=f"{type(exc).__name__}: {exc}")
                    if not isinstance(exc, Exception) or cancel.cancelled:
                        entry |= {"state": "failed", "message": f"interrupted: {exc}"}
                        _save_state(work, state)
                        raise
                log.write(f"== {'done' if result.ok else 'FAILED'}: {result.message}\n")
            entry |= {
                "state": "done" if result.ok else "failed",
                "message": result.message,
                "at": iso_utc(time.time()),
            }
            _save_state(work, state)
            emit(ItemStatus(step, "ok" if result.ok else "failed", detail=result.message, group="rebuild"))
            results[step] = result.message
            if not result.ok:
                return Result(
                    ok=False,
                    exit_code=result.exit_code,
                    message=f"rebuild stopped at {step}: {result.message} (log {log_path}); "
                    "run rebuild again to resume from this step",
                    data={"failed_step": step, "steps": results},
                )
        emit(Progress(len(STEPS), len(STEPS), "rebuilt"))
        return Result(message=f"rebuilt: {len(todo)} step(s) run", data={"steps": results})

    # --- the steps ----------------------------------------------------------------------------------

    def _preflight(self, plan: Plan[RebuildParams], emit: Emit, cancel: CancelToken) -> Result:
        lines, problems, _ = preflight(plan.profile)
        for line in lines:
            emit(OutputLine(line))
        if problems:
            return Result(ok=False, message=" | ".join(problems))
        return Result(message="credentials, quota and leftovers fine")

    def _apply(self, plan: Plan[RebuildParams], emit: Emit, cancel: CancelToken) -> Result:
        assert plan.context is not None
        if "terraform" not in plan.details:
            return Result(ok=False, message="no saved terraform plan for this run; plan again")
        if not plan.details["terraform_changes"]:
            return Result(message="no changes: the infrastructure matches the configuration")
        s = terraform.setup(plan.profile, plan.context.work_dir)
        return terraform.apply_saved_plan(s, plan.details["terraform"], emit, cancel, destroy=False)

    def _ansible_ctx(self, plan: Plan[RebuildParams], cancel: CancelToken) -> OperationContext:
        assert plan.context is not None
        env = plan.profile.environment
        return OperationContext(
            plan.profile, plan.context.work_dir.parents[1] / ansible.KIND / env, cancel=cancel
        )

    def _inventory(self, plan: Plan[RebuildParams], emit: Emit, cancel: CancelToken) -> Result:
        rendered = ansible.render_inventory(self._ansible_ctx(plan, cancel))
        if rendered is None:
            return Result(ok=False, message="no terraform_dir: nothing to render the inventory from")
        path, _, lines = rendered
        for line in lines:
            emit(OutputLine(line))
        return Result(message=lines[0] + f" ({path.name})")

    def _site(self, plan: Plan[RebuildParams], emit: Emit, cancel: CancelToken) -> Result:
        ctx = self._ansible_ctx(plan, cancel)
        # The inventory the previous step rendered (rendered again: the same output gives the same file).
        stages_plan = ansible.AnsibleRun().plan(ansible.StagesParams(), ctx)
        bound = Plan(
            params=stages_plan.params, summary=stages_plan.summary, details=stages_plan.details, context=ctx
        )
        return ansible.AnsibleRun().run(bound, emit, cancel)

    def _nodes(self, plan: Plan[RebuildParams], emit: Emit, cancel: CancelToken) -> Result:
        names = [n.name for n in load_topology().nodes]
        if plan.profile.cluster != "kubernetes":
            # The sandbox has no kubelets: its nodes are the inventory's hosts, reached by the stages.
            ctx = self._ansible_ctx(plan, cancel)
            last = ctx.work_dir / "inventory" / LAST_USED
            hosts = set(inventory_hosts(last.read_text(encoding="utf-8"))) if last.is_file() else set()
            missing = sorted(set(names) - hosts)
            for name in names:
                emit(
                    ItemStatus(name, "failed" if name in missing else "ok", detail="simulated", group="nodes")
                )
            if missing:
                return Result(ok=False, message=f"not in the inventory: {', '.join(missing)}")
            return Result(message=f"{len(names)} nodes Ready (simulated: the sandbox's inventory hosts)")
        return wait_nodes_ready(plan.profile, names, plan.params.ready_timeout_s, emit, cancel)

    def _verify(self, plan: Plan[RebuildParams], emit: Emit, cancel: CancelToken) -> Result:
        if _verifier is None:
            return Result(ok=False, message="no verifier wired in (ecoeco-console status checks the sources)")
        problems = _verifier(plan.profile, cancel)
        for p in problems:
            emit(OutputLine(p, "stderr"))
        if problems:
            return Result(ok=False, message=f"{len(problems)} source(s) not green: " + "; ".join(problems))
        return Result(message="every source answers")


def _logging_emit(emit: Emit, log: Any) -> Emit:
    def out(event: OutputLine | Progress | ItemStatus) -> None:
        if isinstance(event, OutputLine):
            log.write(event.text + "\n")
        elif isinstance(event, ItemStatus):
            log.write(
                f"[{event.state}] {event.group + ': ' if event.group else ''}{event.item} {event.detail}\n"
            )
        log.flush()
        emit(event)

    return out


def wait_nodes_ready(
    profile: Profile, names: list[str], timeout_s: float, emit: Emit, cancel: CancelToken
) -> Result:
    from kubernetes import client as k8s
    from kubernetes import config as k8s_config

    try:
        api = k8s.CoreV1Api(
            k8s_config.new_client_from_config(config_file=profile.kubeconfig, context=profile.kube_context)
        )
    except Exception as exc:  # noqa: BLE001
        return Result(ok=False, message=f"cannot reach the cluster: {exc}")
    deadline = time.monotonic() + timeout_s
    ready: set[str] = set()
    while True:
        try:
            nodes = api.list_node(_request_timeout=10).items
        except Exception as exc:  # noqa: BLE001 - the API server may still be coming up: try again
            emit(OutputLine(f"list nodes: {exc}", "stderr"))
            nodes = []
        now_ready: set[str] = set()
        for n in nodes:
            conditions = (n.status.conditions if n.status else None) or []
            if (
                n.metadata
                and n.metadata.name
                and any(c.type == "Ready" and c.status == "True" for c in conditions)
            ):
                now_ready.add(n.metadata.name)
        for name in sorted((now_ready - ready) & set(names)):
            emit(ItemStatus(name, "ok", detail="Ready", group="nodes"))
        ready = now_ready
        emit(Progress(len(ready & set(names)), len(names), "nodes Ready"))
        if set(names) <= ready:
            return Result(message=f"{len(names)} nodes Ready")
        if time.monotonic() >= deadline:
            missing = sorted(set(names) - ready)
            return Result(ok=False, message=f"not Ready after {timeout_s:g}s: {', '.join(missing)}")
        if cancel.wait(10.0):
            cancel.check()
