"""The seed's ``check-*.sh`` scripts as one read-only operation (it runs in read-only mode too):

- ``cluster``: the API server answers (its version),
- ``nodes``: the 13 topology nodes exist with the labels and taints ``topology.yaml`` gives them,
- ``provider-id``: every node's providerID is ``aws:///<az>/<instance-id>`` (incident 4: ALB 503),
- ``argocd``: every ArgoCD Application is Synced and Healthy (``argoproj.io/v1alpha1`` through the
  kubernetes client; the CRD missing means ArgoCD is not installed),
- ``exposure``: no PostgreSQL, Redis or RabbitMQ reachable from outside the cluster (the seed's
  network-exposure check): no Service of type LoadBalancer or NodePort, nor one with externalIPs,
  that serves a data store's port or is named after one; the other exposed Services (the ingress)
  are listed in the ok line,
- ``postgresql``, ``redis``: they answer, as the profile's services report them on ``/ready`` (the
  console has no DSN of its own for them, on purpose: it reads them the way the read side does).
  No services in the profile: skipped, "not configured"; no service depending on it: skipped too.

Nothing is written. Each check is one item (ok/failed, with what is wrong; skipped with why); the run
fails (exit 1) when one fails, so a script can gate on ``ecoeco-console op checks``. On the sandbox
(a local cluster: no kubelet, no ArgoCD) the cluster checks are skipped and the output says so;
PostgreSQL and Redis are still checked through the sandbox's services.
"""

from __future__ import annotations

from typing import Any, Literal

import httpx
from pydantic import BaseModel, Field

from ecoeco.console.config import Profile
from ecoeco.console.errors import OperatorError
from ecoeco.console.health import node_drift, provider_id_problems
from ecoeco.console.ops.base import CancelToken, Emit, ItemStatus, OperationContext, OutputLine, Plan, Result
from ecoeco.console.snapshot import NodeInfo
from ecoeco.shared.redact import mask_url, redact
from ecoeco.shared.topology import load_topology

__all__ = ["CHECKS", "Checks"]

CheckId = Literal["cluster", "nodes", "provider-id", "argocd", "exposure", "postgresql", "redis"]
CHECKS: tuple[tuple[str, str], ...] = (
    ("cluster", "cluster reachable"),
    ("nodes", "nodes labelled and tainted as the topology says"),
    ("provider-id", "providerIDs set (aws:///<az>/<instance-id>)"),
    ("argocd", "ArgoCD Applications synced and healthy"),
    ("exposure", "no data store reachable from outside the cluster"),
    ("postgresql", "PostgreSQL answers (the services' /ready)"),
    ("redis", "Redis answers (the services' /ready)"),
)
CLUSTER_CHECKS = frozenset({"cluster", "nodes", "provider-id", "argocd", "exposure"})
ARGOCD_NAMESPACE = "argocd"
REQUEST_TIMEOUT_S = 10
# The platform's /ready gives each dependency up to 3 s; a little more, so it can say why.
READY_TIMEOUT_S = 4.0
# What /ready calls each store (the platform says "postgres"; other services "postgresql" or "pg").
DEPENDENCY_NAMES = {"postgresql": ("postgres", "postgresql", "pg"), "redis": ("redis",)}
# The ports of the data stores: none of them may be served by a LoadBalancer or NodePort Service.
DATA_PORTS = {5432: "PostgreSQL", 6379: "Redis", 26379: "Redis Sentinel", 5672: "RabbitMQ AMQP",
              15672: "RabbitMQ management", 25672: "RabbitMQ distribution", 4369: "RabbitMQ epmd"}  # fmt: skip
DATA_NAMES = ("postgres", "redis", "rabbitmq")


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
            else "the sandbox (local cluster: simulated, the cluster checks are skipped)"
        )
        if any(c in DEPENDENCY_NAMES for c in chosen):
            where += (
                f", PostgreSQL and Redis through the /ready of {len(ctx.profile.services)} service(s)"
                if ctx.profile.services
                else ", PostgreSQL and Redis not configured (no services in the profile)"
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
        results: dict[str, list[str]] = {}
        skipped: dict[str, str] = {}

        def report(check: str, problems: list[str], ok_detail: str) -> None:
            results[check] = problems
            for p in problems:
                emit(OutputLine(f"{check}: {p}", "stderr"))
            emit(ItemStatus(check, "failed" if problems else "ok",
                            detail="; ".join(problems[:3]) + (f" (+{len(problems) - 3})" if len(problems) > 3 else "")
                            if problems else ok_detail, group=titles[check]))  # fmt: skip

        def skip(check: str, why: str) -> None:
            skipped[check] = why
            emit(OutputLine(f"{check}: skipped: {why}", "info"))
            emit(ItemStatus(check, "skipped", detail=why, group=titles[check]))

        stores = [c for c in chosen if c in DEPENDENCY_NAMES]
        if stores:
            for check, (problems, detail) in self._stores(plan.profile, stores).items():
                if problems is None:
                    skip(check, detail)
                else:
                    report(check, problems, detail)
        cancel.check()
        in_cluster = [c for c in chosen if c in CLUSTER_CHECKS]
        if not in_cluster:
            return self._result(results, skipped)
        if plan.profile.cluster != "kubernetes":
            for c in in_cluster:
                skip(c, "the sandbox is a local cluster (simulated): no kubelet, ArgoCD nor Services")
            return self._result(results, skipped)
        from kubernetes import client as k8s

        api = _api(plan.profile)
        core = k8s.CoreV1Api(api)

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
            for c in in_cluster:
                if c != "cluster":
                    results[c] = ["cluster not reachable"]
                    emit(ItemStatus(c, "skipped", detail="cluster not reachable", group=titles[c]))
            return self._result(results, skipped)

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
        cancel.check()
        if "exposure" in chosen:
            report("exposure", *self._exposure(core))
        return self._result(results, skipped)

    def _stores(self, profile: Profile, stores: list[str]) -> dict[str, tuple[list[str] | None, str]]:
        """Per store: (problems, ok detail), or (None, why skipped). One /ready per service."""
        if not profile.services:
            why = (
                "not configured: the profile lists no services, whose /ready reports it "
                "(the console keeps no DSN of its own)"
            )
            return {s: (None, why) for s in stores}
        reports: dict[str, dict[str, tuple[bool, str]]] = {}  # service -> dependency -> (ok, detail)
        unanswered: list[str] = []
        with httpx.Client(timeout=httpx.Timeout(READY_TIMEOUT_S)) as client:
            for name, url in profile.services.items():
                try:
                    response = client.get(f"{url}/ready")
                    body = response.json()
                except (httpx.HTTPError, ValueError) as exc:
                    why = "timed out" if isinstance(exc, httpx.TimeoutException) else type(exc).__name__
                    if isinstance(exc, httpx.ConnectError):
                        why = (
                            "connection refused"
                            if "refused" in str(exc).lower()
                            else f"cannot connect: {exc}"
                        )
                    unanswered.append(f"{name} ({mask_url(url)}): {redact(why)}")
                    continue
                deps = body.get("dependencies") if isinstance(body, dict) else None
                reports[name] = {
                    str(dep).lower(): (
                        bool(v.get("ok")) if isinstance(v, dict) else bool(v),
                        redact(str((v.get("detail") if isinstance(v, dict) else None) or "down")),
                    )
                    for dep, v in (deps or {}).items()
                }
        out: dict[str, tuple[list[str] | None, str]] = {}
        for store in stores:
            names = DEPENDENCY_NAMES[store]
            seen = {svc: next(deps[n] for n in names if n in deps) for svc, deps in reports.items()
                    if any(n in deps for n in names)}  # fmt: skip
            down = [f"{svc}: {detail}" for svc, (ok, detail) in seen.items() if not ok]
            if seen and not down:
                out[store] = ([], f"answers ({len(seen)} service(s) report it ready: {', '.join(seen)})")
            elif down:
                out[store] = (down, "")
            elif unanswered and not reports:
                out[store] = ([f"no service answers /ready: {'; '.join(unanswered)}"], "")
            else:
                out[store] = (None, f"no service reports {store} on /ready")
        return out

    def _exposure(self, core: Any) -> tuple[list[str], str]:
        try:
            services = core.list_service_for_all_namespaces(_request_timeout=REQUEST_TIMEOUT_S).items
        except Exception as exc:  # noqa: BLE001
            return [f"cannot list Services: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"], ""
        problems: list[str] = []
        exposed: list[str] = []
        for svc in services:
            meta, spec = svc.metadata, svc.spec
            if meta is None or spec is None:
                continue
            outside = spec.type in ("LoadBalancer", "NodePort") or bool(spec.external_ips)
            if not outside:
                continue
            how = spec.type if spec.type in ("LoadBalancer", "NodePort") else "externalIPs"
            ports = [p.port for p in spec.ports or []]
            where = f"{meta.namespace}/{meta.name} ({how}: {', '.join(str(p) for p in ports) or 'no ports'})"
            stores = sorted(
                {DATA_PORTS[p] for p in ports if p in DATA_PORTS}
                | {
                    DATA_PORTS[t]
                    for p in spec.ports or []
                    if isinstance(t := p.target_port, int) and t in DATA_PORTS
                }
            )
            named = [n for n in DATA_NAMES if n in meta.name.lower()]
            if stores or named:
                what = ", ".join(stores) if stores else named[0]
                problems.append(f"{where} exposes {what} outside the cluster")
            else:
                exposed.append(f"{meta.namespace}/{meta.name}")
        ok = (
            f"no data store exposed ({len(exposed)} other Service(s) reachable from outside: "
            f"{', '.join(exposed)})"
            if exposed
            else "no data store exposed (no LoadBalancer or NodePort Service)"
        )
        return problems, ok

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

    def _result(self, results: dict[str, list[str]], skipped: dict[str, str]) -> Result:
        failed = [c for c, p in results.items() if p]
        data = {
            "checks": {c: {"ok": not p, "problems": p} for c, p in results.items()},
            "skipped": dict(skipped),
        }
        tail = f"; {len(skipped)} skipped: {', '.join(skipped)}" if skipped else ""
        if failed:
            return Result(ok=False, exit_code=1, message=f"{len(failed)} of {len(results)} check(s) failed: "
                          + ", ".join(failed) + tail, data=data)  # fmt: skip
        if not results:
            return Result(message=f"{len(skipped)} check(s) skipped: " + "; ".join(
                dict.fromkeys(skipped.values())), data=data)  # fmt: skip
        return Result(message=f"{len(results)} check(s) passed{tail}", data=data)
