"""Rolling restart of one worker StatefulSet or API Deployment.

On Kubernetes, the way ``kubectl rollout restart`` does it: patch the pod template's
``kubectl.kubernetes.io/restartedAt`` annotation (the controller then replaces the pods one at a time
under the workload's own update strategy), then wait for the rollout as ``kubectl rollout status``
judges it, with progress. In the sandbox each workload is one process: ``ecoeco-sandbox restart NAME``
stops it gracefully, starts it on its port and waits for its health check (the console never imports
the platform; the command line is the contract, and its lines are streamed).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from pydantic import BaseModel, Field, field_validator

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
from ecoeco.console.ops.proc import find_binary, run_streaming
from ecoeco.shared.names import API_SERVICES, WORKERS
from ecoeco.shared.sandbox_state import StateError, read_status
from ecoeco.shared.topology import load_topology

__all__ = ["RolloutRestart", "rollout_state", "workload_of"]

KIND = "restart"
NAMESPACE = "ecoeco"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
TARGETS = (*WORKERS, *API_SERVICES)


def workload_of(target: str) -> tuple[str, str]:
    """(kind, name) of ``target``'s workload in the cluster: the one its topology node runs."""
    node = load_topology().node_for_domain(target)
    if node is None or not node.runs:
        raise OperatorError(f"{target}: no workload in the topology")
    return ("StatefulSet" if target in WORKERS else "Deployment"), node.runs[0]


class RestartParams(BaseModel):
    target: str = Field(description=f"a worker or API: {', '.join(TARGETS)}")
    timeout_s: float = Field(600.0, gt=0, le=3600, description="stop waiting for the rollout after this long")
    poll_s: float = Field(2.0, ge=0.1, le=60, description="seconds between rollout checks (Kubernetes)")

    @field_validator("target")
    @classmethod
    def _target(cls, v: str) -> str:
        if v not in TARGETS:
            raise ValueError(f"{v!r} is not a worker or API (choose from {', '.join(TARGETS)})")
        return v


def _apps(profile: Profile) -> Any:
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    try:
        api = config.new_client_from_config(config_file=profile.kubeconfig, context=profile.kube_context)
    except (ConfigException, OSError) as exc:
        raise OperatorError(f"kubeconfig {profile.kubeconfig or '~/.kube/config'}: {exc}") from exc
    return client.AppsV1Api(api)


def _k8s_errors() -> tuple[type[Exception], ...]:
    """What a request can raise: the API's answer, or the connection's (urllib3 underneath)."""
    import urllib3.exceptions
    from kubernetes.client.exceptions import ApiException

    return (ApiException, urllib3.exceptions.HTTPError, OSError)


def _k8s_error(exc: Exception) -> str:
    status = getattr(exc, "status", None)
    reason = getattr(exc, "reason", None)
    return f"HTTP {status} {reason}" if status else f"{type(exc).__name__}: {exc}"


def _read(apps: Any, kind: str, name: str, namespace: str) -> Any:
    if kind == "StatefulSet":
        return apps.read_namespaced_stateful_set(name, namespace, _request_timeout=10)
    return apps.read_namespaced_deployment(name, namespace, _request_timeout=10)


def rollout_state(kind: str, obj: Any) -> tuple[bool, int, int, str]:
    """(done, updated, wanted, what is awaited), judged as ``kubectl rollout status`` does."""
    spec, status, meta = obj.spec, obj.status, obj.metadata
    wanted = spec.replicas if spec.replicas is not None else 1
    updated = status.updated_replicas or 0
    ready = status.ready_replicas or 0
    if (status.observed_generation or 0) < (meta.generation or 0):
        return False, 0, wanted, "the controller has not seen the change yet"
    if updated < wanted:
        return False, updated, wanted, f"{updated} of {wanted} pods updated"
    if kind == "Deployment":
        if (status.replicas or 0) > updated:
            return False, updated, wanted, f"{(status.replicas or 0) - updated} old pod(s) terminating"
        if (status.available_replicas or 0) < updated:
            return (
                False,
                updated,
                wanted,
                f"{status.available_replicas or 0} of {updated} updated pods available",
            )
        return True, updated, wanted, "rolled out"
    if ready < wanted:
        return False, updated, wanted, f"{ready} of {wanted} pods ready"
    if status.update_revision != status.current_revision:
        return False, updated, wanted, f"revision {status.update_revision} not current yet"
    return True, updated, wanted, "rolled out"


def _sandbox_component(target: str) -> dict[str, Any]:
    try:
        status = read_status()
    except StateError as exc:
        raise OperatorError(str(exc)) from exc
    comp = next((c for c in status.get("components") or [] if c.get("name") == target), None)
    if comp is None or not comp.get("alive"):
        raise OperatorError(f"sandbox {target} is not running (ecoeco-sandbox up starts it)")
    return dict(comp)


class RolloutRestart:
    name = "restart"
    kind = KIND
    title = "Rolling restart of a worker or API"
    params_model = RestartParams
    mutates = True
    # Pods are replaced in production: the environment's name is typed, as for any change there.
    changes_infrastructure = True

    def plan(self, params: RestartParams, ctx: OperationContext) -> Plan[RestartParams]:
        kind, workload = workload_of(params.target)
        if ctx.profile.cluster == "local":
            if not ctx.profile.sandbox:
                raise NotConfigured(
                    f"profile {ctx.profile.name} has no cluster to restart in (cluster = local)"
                )
            comp = _sandbox_component(params.target)
            return Plan(
                params=params,
                summary=(
                    f"restart sandbox process {params.target} (pid {comp['pid']}, {comp['url']}): "
                    "stop it gracefully, start it on the same port, wait for its health check",
                    f"simulated: in the cluster this is `kubectl rollout restart` of {kind} "
                    f"{NAMESPACE}/{workload}; here one process stands for its pods",
                ),
                details={"cluster": "sandbox", "target": params.target, "pid": comp["pid"]},
            )
        apps = _apps(ctx.profile)
        try:  # read-only: the workload exists, and how many pods it will replace
            obj = _read(apps, kind, workload, NAMESPACE)
        except _k8s_errors() as exc:
            raise OperatorError(f"{kind} {NAMESPACE}/{workload}: {_k8s_error(exc)}") from exc
        replicas = obj.spec.replicas if obj.spec.replicas is not None else 1
        strategy = obj.spec.update_strategy if kind == "StatefulSet" else obj.spec.strategy
        return Plan(
            params=params,
            summary=(
                f"rolling restart of {kind} {NAMESPACE}/{workload} ({replicas} pod(s), "
                f"{getattr(strategy, 'type', None) or 'RollingUpdate'}) on context "
                f"{ctx.profile.kube_context or 'current'}: its pods are replaced one at a time",
                f"then wait until rolled out (every {params.poll_s:g}s, at most {params.timeout_s:g}s)",
            ),
            details={
                "cluster": "kubernetes",
                "kind": kind,
                "namespace": NAMESPACE,
                "workload": workload,
                "replicas": replicas,
            },
        )

    def run(self, plan: Plan[RestartParams], emit: Emit, cancel: CancelToken) -> Result:
        if plan.details["cluster"] == "sandbox":
            return self._run_sandbox(plan, emit, cancel)
        return self._run_kubernetes(plan, emit, cancel)

    def _run_kubernetes(self, plan: Plan[RestartParams], emit: Emit, cancel: CancelToken) -> Result:
        d = plan.details
        kind, name, namespace = d["kind"], d["workload"], d["namespace"]
        apps = _apps(plan.profile)
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: now}}}}}
        cancel.check()  # the last point where nothing has changed
        try:
            if kind == "StatefulSet":
                apps.patch_namespaced_stateful_set(name, namespace, body, _request_timeout=10)
            else:
                apps.patch_namespaced_deployment(name, namespace, body, _request_timeout=10)
        except _k8s_errors() as exc:
            return Result(ok=False, message=f"patch of {kind} {namespace}/{name} refused: {_k8s_error(exc)}")
        emit(OutputLine(f"{kind} {namespace}/{name}: {RESTARTED_AT}={now}", "info"))
        emit(ItemStatus(f"{kind}/{name}", "running", "restart requested"))
        deadline = time.monotonic() + plan.params.timeout_s
        last = ""
        while True:
            try:
                obj = _read(apps, kind, name, namespace)
            except _k8s_errors() as exc:
                emit(OutputLine(f"reading {kind} {namespace}/{name}: {_k8s_error(exc)}", "stderr"))
            else:
                done, updated, wanted, what = rollout_state(kind, obj)
                emit(Progress(updated, wanted, what))
                if what != last:
                    emit(OutputLine(f"{kind} {namespace}/{name}: {what}", "info"))
                    last = what
                if done:
                    emit(ItemStatus(f"{kind}/{name}", "changed", f"{wanted} pod(s) restarted"))
                    return Result(
                        message=f"{kind} {namespace}/{name} rolled out ({wanted} pod(s) restarted)",
                        data={"restarted_at": now, "replicas": wanted},
                    )
            if time.monotonic() > deadline:
                emit(ItemStatus(f"{kind}/{name}", "failed", last))
                return Result(
                    ok=False,
                    message=f"{kind} {namespace}/{name} not rolled out after {plan.params.timeout_s:g}s "
                    f"({last}); the restart was requested and the controller carries on",
                    data={"restarted_at": now},
                )
            # A cancel stops the waiting only: the controller finishes the rollout either way.
            if cancel.wait(plan.params.poll_s):
                emit(OutputLine("stopped waiting; the rollout itself goes on in the cluster", "info"))
                cancel.check()

    def _run_sandbox(self, plan: Plan[RestartParams], emit: Emit, cancel: CancelToken) -> Result:
        target = plan.details["target"]
        emit(OutputLine(f"simulated rollout: ecoeco-sandbox restart {target}", "info"))
        emit(Progress(0, 1, f"restarting {target}"))
        emit(ItemStatus(target, "running", f"pid {plan.details['pid']}"))
        cancel.check()
        proc = run_streaming(
            [find_binary("ecoeco-sandbox"), "restart", target],
            cwd=None,
            env=None,
            on_line=lambda text, stream: emit(OutputLine(text, stream)),
            cancel=cancel,
            timeout_s=plan.params.timeout_s,
            # A restart half done is finished by the next `ecoeco-sandbox up`; still, let it end cleanly.
            interrupt_grace_s=30.0,
        )
        if proc.cancelled:
            cancel.check()
        if proc.returncode != 0:
            emit(ItemStatus(target, "failed", f"exit {proc.returncode}"))
            return Result(
                ok=False,
                exit_code=proc.returncode,
                message=f"ecoeco-sandbox restart {target} failed (exit {proc.returncode})",
            )
        new = _sandbox_component(target)
        emit(Progress(1, 1, f"{target} healthy"))
        emit(ItemStatus(target, "changed", f"pid {plan.details['pid']} -> {new['pid']}"))
        return Result(
            exit_code=0,
            message=f"sandbox {target} restarted (pid {plan.details['pid']} -> {new['pid']}) and healthy",
            data={"old_pid": plan.details["pid"], "new_pid": new["pid"]},
        )
