"""The seed's ``check-*.sh`` scripts as one read-only operation (it runs in read-only mode too):

- ``cluster``: the API server answers (its version),
- ``nodes``: the 13 topology nodes exist with the labels and taints ``topology.yaml`` gives them,
- ``provider-id``: every node's providerID is ``aws:///<az>/<instance-id>`` (incident 4: ALB 503),
- ``argocd``: every ArgoCD Application is Synced and Healthy (``argoproj.io/v1alpha1`` through the
  kubernetes client; the CRD missing means ArgoCD is not installed).

Nothing is written. Each check is one item (ok/failed, with what is wrong); the run fails (exit 1)
when one does, so a script can gate on ``ecoeco-console op checks``. On the sandbox (a local cluster:
no kubelet, no ArgoCD) the checks are skipped and the output says so.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ecoeco.console.config import Profile
from ecoeco.console.errors import OperatorError
from ecoeco.console.health import node_drift, provider_id_problems
from ecoeco.console.ops.base import CancelToken, Emit, ItemStatus, OperationContext, OutputLine, Plan, Result
from ecoeco.console.snapshot import NodeInfo
from ecoeco.shared.topology import load_topology

__all__ = ["CHECKS", "Checks"]

CheckId = Literal["cluster", "nodes", "provider-id", "argocd"]
CHECKS: tuple[tuple[str, str], ...] = (
    ("cluster", "cluster reachable"),
    ("nodes", "nodes labelled and tainted as the topology says"),
    ("provider-id", "providerIDs set (aws:///<az>/<instance-id>)"),
    ("argocd", "ArgoCD Applications synced and healthy"),
)
ARGOCD_NAMESPACE = "argocd"
REQUEST_TIMEOUT_S = 10


class ChecksParams(BaseModel):
    only: list[CheckId] = Field(default_factory=list, description="these checks; all when empty")


def _api(profile: Profile) -> Any:
    from kubernetes import config as k8s_config

    try:
        return k8s_config.new_client_from_config(config_file=profile.kubeconfig, context=profile.kube_context)
    except Exception as exc:
        raise OperatorError(f"kubeconfig {profile.kubeconfig or '~/.kube/config'}: {exc}") from exc


def _node_info(node: Any) -> NodeInfo | None:
    """The parts of a V1Node the topology speaks about, as the read side's NodeInfo."""
    meta, spec = node.metadata, node.spec
    if meta is None or not meta.name:
        return None
    taints = [
        f"{t.key}{'=' + t.value if t.value else ''}:{t.effect}" for t in (spec.taints if spec else None) or []
    ]
    return NodeInfo(
        name=meta.name,
        role="api",  # not compared: node_drift reads labels, taints and the providerID
        domain="",
        instance_type="",
        labels=dict(meta.labels or {}),
        taints=taints,
        provider_id=spec.provider_id if spec else None,
    )


def _http_status(exc: Exception) -> int | None:
    status = getattr(exc, "status", None)
    return status if isinstance(status, int) else None


class Checks:
    name = "checks"
    kind = "checks"
    title = "Health checks (the seed's check-* scripts; read-only)"
    params_model = ChecksParams
    mutates = False
    changes_infrastructure = False

    def plan(self, params: ChecksParams, ctx: OperationContext) -> Plan[ChecksParams]:
        chosen = [c for c, _ in CHECKS if not params.only or c in params.only]
        where = (
            f"kubernetes context {ctx.profile.kube_context or '(current)'}"
            if ctx.profile.cluster == "kubernetes"
            else "the sandbox (local cluster: simulated, the checks are skipped)"
        )
        return Plan(
            params=params,
            summary=(f"check {', '.join(chosen)} on {where}; changes nothing",),
            details={"checks": chosen},
            changes=False,
        )

    def run(self, plan: Plan[ChecksParams], emit: Emit, cancel: CancelToken) -> Result:
        chosen: list[str] = list(plan.details["checks"])
        titles = dict(CHECKS)
        if plan.profile.cluster != "kubernetes":
            for c in chosen:
                emit(ItemStatus(c, "skipped", detail="the sandbox has no kubelet nor ArgoCD", group="checks"))
            return Result(
                message=f"{len(chosen)} check(s) skipped: the sandbox is a local cluster (simulated)"
            )
        from kubernetes import client as k8s

        api = _api(plan.profile)
        core = k8s.CoreV1Api(api)
        results: dict[str, list[str]] = {}

        def report(check: str, problems: list[str], ok_detail: str) -> None:
            results[check] = problems
            for p in problems:
                emit(OutputLine(f"{check}: {p}", "stderr"))
            emit(ItemStatus(check, "failed" if problems else "ok",
                            detail="; ".join(problems[:3]) + (f" (+{len(problems) - 3})" if len(problems) > 3 else "")
                            if problems else ok_detail, group=titles[check]))  # fmt: skip

        # The cluster first: nothing else can be checked when it does not answer.
        try:
            version = k8s.VersionApi(api).get_code(_request_timeout=REQUEST_TIMEOUT_S)
            reachable = True
            cluster_detail = f"API server {version.git_version}"
        except Exception as exc:  # noqa: BLE001 - the finding of this check
            reachable = False
            cluster_detail = f"not reachable: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        if "cluster" in chosen:
            report("cluster", [] if reachable else [cluster_detail], cluster_detail)
        if not reachable:
            for c in chosen:
                if c != "cluster":
                    results[c] = ["cluster not reachable"]
                    emit(ItemStatus(c, "skipped", detail="cluster not reachable", group=titles[c]))
            return self._result(results)

        cancel.check()
        if "nodes" in chosen or "provider-id" in chosen:
            topology = load_topology()
            items = core.list_node(_request_timeout=REQUEST_TIMEOUT_S).items
            nodes = {info.name: info for info in (_node_info(n) for n in items) if info is not None}
            drift: list[str] = []
            ids: list[str] = []
            for tnode in topology.nodes:
                node = nodes.get(tnode.name)
                if node is None:
                    drift.append(f"{tnode.name}: not in the cluster")
                    ids.append(f"{tnode.name}: not in the cluster")
                    continue
                drift += [f"{tnode.name}: {d}" for d in node_drift(node, tnode) if "providerID" not in d]
                ids += [f"{tnode.name}: {p}" for p in provider_id_problems(node.provider_id)]
            if "nodes" in chosen:
                report("nodes", drift, f"{len(topology.nodes)} nodes as the topology says")
            if "provider-id" in chosen:
                report("provider-id", ids, f"{len(topology.nodes)} providerIDs aws:///<az>/<instance-id>")

        cancel.check()
        if "argocd" in chosen:
            report("argocd", *self._argocd(k8s.CustomObjectsApi(api)))
        return self._result(results)

    def _argocd(self, custom: Any) -> tuple[list[str], str]:
        try:
            listed = custom.list_namespaced_custom_object(
                "argoproj.io",
                "v1alpha1",
                ARGOCD_NAMESPACE,
                "applications",
                _request_timeout=REQUEST_TIMEOUT_S,
            )
        except Exception as exc:  # noqa: BLE001
            if _http_status(exc) == 404:
                return ["no argoproj.io/v1alpha1 Applications: ArgoCD is not installed (stage argocd)"], ""
            return [f"cannot list Applications: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"], ""
        apps = listed.get("items") or []
        problems = []
        for app in apps:
            name = (app.get("metadata") or {}).get("name", "?")
            status = app.get("status") or {}
            sync = (status.get("sync") or {}).get("status", "Unknown")
            health = status.get("health") or {}
            if sync != "Synced" or health.get("status") != "Healthy":
                why = health.get("message") or next(
                    (c.get("message") for c in status.get("conditions") or [] if c.get("message")), ""
                )
                problems.append(
                    f"{name}: {sync}/{health.get('status', 'Unknown')}" + (f" ({why})" if why else "")
                )
        if not apps:
            problems.append(f"no Application in namespace {ARGOCD_NAMESPACE}")
        return problems, f"{len(apps)} Applications Synced and Healthy"

    def _result(self, results: dict[str, list[str]]) -> Result:
        failed = [c for c, p in results.items() if p]
        data = {"checks": {c: {"ok": not p, "problems": p} for c, p in results.items()}}
        if failed:
            return Result(ok=False, exit_code=1, message=f"{len(failed)} of {len(results)} check(s) failed: "
                          + ", ".join(failed), data=data)  # fmt: skip
        return Result(message=f"{len(results)} check(s) passed", data=data)
