"""Each rule on its own: what it finds, the evidence and refs it gives, and what it must not flag."""

from __future__ import annotations

from tests.triage import scenarios as sc

from ecoeco.console import health
from ecoeco.console.snapshot import AlertInfo, Snapshot, WorkloadInfo
from ecoeco.console.triage import Action, Finding, evaluate, rules


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, [f.title for f in findings]
    return findings[0]


# --- nodes ---------------------------------------------------------------------------------------


def test_cluster_wide_outage_is_one_finding_naming_the_network_plugin() -> None:
    snap = sc.s_cni_outage()
    f = only(rules.nodes_cluster_wide(snap))
    assert f.severity == "critical" and len(f.refs.nodes) == 13
    assert "network plugin" in f.cause
    assert rules.node_not_ready(snap) == []  # not thirteen more
    # The calico crash loops and the DaemonSet fold into it after grouping.
    assert [g.rule for g in evaluate(snap)] == ["nodes_cluster_wide"]


def test_two_nodes_down_is_not_cluster_wide() -> None:
    snap = sc.healthy()
    for name in ("k8s-api-auth", "k8s-api-waste"):
        sc.set_ready(sc.node(snap, name), "False", "KubeletNotReady", snap.taken_at)
    assert rules.nodes_cluster_wide(snap) == []
    assert len(rules.node_not_ready(snap)) == 2


def test_lost_node_carries_its_stranded_pods() -> None:
    f = only(rules.node_not_ready(sc.s_node_lost()))
    assert f.title == "Node k8s-worker-ai stopped reporting"
    assert f.refs.pods == ["workers/ai-worker-0"]
    assert any("last heartbeat" in e for e in f.evidence)
    assert f.action is not None and f.action.params == {"node": "k8s-worker-ai"}


def test_not_ready_is_told_apart_from_unknown() -> None:
    f = only(rules.node_not_ready(sc.s_node_not_ready()))
    assert f.title == "Node k8s-api-chat-llm NotReady" and "kubelet reports" in f.cause


def test_stuck_terminating_pod_and_its_lost_node() -> None:
    f = only(rules.pods_stuck_terminating(sc.s_stuck_terminating()))
    assert f.refs.pods == ["workers/storage-worker-0"] and "Terminating for 10m" in f.evidence[0]
    grouped = evaluate(sc.s_lost_node_stuck_pod())
    assert [g.rule for g in grouped] == ["node_not_ready"]
    assert any("stuck Terminating" in e for e in grouped[0].evidence)


def test_pressure() -> None:
    f = only(rules.node_pressure(sc.s_pressure()))
    assert f.title == "Node k8s-monitoring: DiskPressure" and f.severity == "warning"


def test_provider_id_without_instance_id() -> None:
    f = only(rules.node_provider_id(sc.s_provider_id()))
    assert f.refs.nodes == ["k8s-api-userinfo"] and "ALB" in f.cause
    assert rules.node_drift(sc.s_provider_id()) == []  # not counted twice


# --- pods and workloads --------------------------------------------------------------------------


def test_unschedulable_selector_points_at_label_drift() -> None:
    f = only(rules.pods_unschedulable(sc.s_unschedulable_selector()))
    assert "selector" in f.title and "k8s-api-location" in f.cause
    assert f.refs.workloads == ["api/Deployment/location-api"]


def test_unschedulable_taint_names_the_taint_and_nodes() -> None:
    f = only(rules.pods_unschedulable(sc.s_unschedulable_taint()))
    assert "node-role.kubernetes.io/infrastructure" in f.cause and "k8s-rabbitmq" in f.cause


def test_unschedulable_resources_shows_what_nodes_have() -> None:
    f = only(rules.pods_unschedulable(sc.s_unschedulable_resources()))
    assert "insufficient memory" in f.title and "insufficient cpu" in f.title
    assert f.severity == "critical"  # the workload has no ready pod left
    # The request against what the one node its selector matches has free (allocatable minus requests).
    assert ("api/location-api-new-1 requests 1 CPU / 1.0 GiB; k8s-api-location has 0.5 CPU / 0.6 GiB free "
            "of 1.9 / 3.6") in f.evidence  # fmt: skip
    assert "reserve the room" in f.cause


def test_unschedulable_request_larger_than_any_node_never_fits() -> None:
    snap = sc.healthy()
    sc._pending(
        snap, "0/13 nodes are available: 13 Insufficient cpu.", cpu_request_m=4000, mem_request_bytes=2**30
    )
    f = only(rules.pods_unschedulable(snap))
    line = next(e for e in f.evidence if e.startswith("api/location-api-new-1 requests 4 CPU / 1.0 GiB"))
    # No selector: the nodes with the most free cpu (free unknown here: the fixture's pods carry no requests).
    assert line.count(" free of 1.9 / 3.6") == rules.MAX_CANDIDATE_NODES
    assert "whole allocatable" in f.cause and "larger instance type" in f.cause


def test_unschedulable_free_room_counts_non_terminated_pods_and_puts_the_nominated_node_first() -> None:
    snap = sc.healthy()
    for n in snap.cluster.nodes:
        for p in n.pods:  # the auth pods reserve the most memory
            p.cpu_request_m, p.mem_request_bytes = 100, 1536 * 2**20 if n.name == "k8s-api-auth" else 2**30
    waste = sc.node(snap, "k8s-api-waste")
    # A finished Job pod holds nothing; a Terminating one still holds its share.
    waste.pods.append(
        sc.api_pod("job-1", waste.name, phase="Succeeded", cpu_request_m=1000, mem_request_bytes=2**30)
    )
    waste.pods[0].deletion_timestamp = snap.taken_at
    free = health.node_free(waste)
    assert (free.cpu_m, free.mem_bytes) == (1700, 3865470566 - 2 * 2**30)
    sc._pending(snap, "0/13 nodes are available: 2 Insufficient memory, 11 node(s) didn't match Pod's node "
                "affinity/selector.", cpu_request_m=250, mem_request_bytes=3 * 2**30,
                node_selector={"workload": "api"}, nominated_node="k8s-api-waste")  # fmt: skip
    f = only(rules.pods_unschedulable(snap))
    line = next(e for e in f.evidence if " requests " in e)
    assert line.startswith("api/location-api-new-1 requests 0.25 CPU / 3.0 GiB; k8s-api-waste has 1.7 CPU / 1.6 GiB "
                           "free of 1.9 / 3.6; k8s-api-userinfo has 1.7 CPU / 1.6 GiB free of 1.9 / 3.6; ")  # fmt: skip
    assert line.count(" free of ") == rules.MAX_CANDIDATE_NODES
    assert "k8s-api-auth" not in line  # the least free memory of the api nodes: not among the first three
    assert "k8s-worker" not in line  # not selected
    assert "reserve the room" in f.cause


def test_unschedulable_resources_without_known_requests_says_so() -> None:
    """The sandbox's local source knows no requests: the figures it lacks show as "?"."""
    snap = sc.healthy()
    sc._pending(snap, "0/13 nodes are available: 13 Insufficient memory.")
    f = only(rules.pods_unschedulable(snap))
    assert any(e.startswith("api/location-api-new-1 requests ? CPU / ? GiB; ") for e in f.evidence)
    assert f.cause == "the request is more than any fitting node has free (small nodes)"


def test_rollout_image_pull_is_one_degraded_finding() -> None:
    snap = sc.s_rollout_image_pull()
    f = only(rules.image_pull_failures(snap))
    assert f.severity == "warning" and len(f.refs.pods) == 3
    assert any("not found" in e for e in f.evidence)
    assert any("still serve" in e for e in f.evidence)
    # The stuck rollout is folded into its pods' cause, not a second finding.
    assert [g.rule for g in evaluate(snap)] == ["image_pull"]


def test_image_pull_everywhere_is_one_registry_finding() -> None:
    f = only(rules.image_pull_failures(sc.s_image_pull_every_api()))
    assert f.subject == "Registry/registry.eco2" and "imagePullSecret" in f.cause
    assert f.severity == "critical" and len(f.refs.workloads) == 6


def test_image_pull_names_the_pull_secret_of_the_pod_spec() -> None:
    f = only(rules.image_pull_failures(sc.s_image_pull_wrong_secret()))
    assert "refuses the pull secret(s) regcred-eco2" in f.cause
    assert "pull secret(s) in the pod spec: regcred-eco2" in f.evidence
    assert any("unauthorized" in e for e in f.evidence)  # the registry's answer
    g = only(rules.image_pull_failures(sc.s_rollout_image_pull()))
    assert "no imagePullSecrets in the pod spec" in g.evidence


def test_crash_loop_gives_the_exit_code() -> None:
    f = only(rules.crash_loops(sc.s_crash_loop()))
    assert "exit code 3" in f.evidence[0] and "DATABASE_URL" in f.evidence[0]
    assert any("triage --bundle" in e for e in f.evidence)  # where its last log lines are
    assert f.severity == "warning"  # the other replica serves


def test_readiness_failing_now_gives_the_probe_answer() -> None:
    f = only(rules.pods_not_ready(sc.s_readiness_failing()))
    assert "HTTP 503" in f.evidence[0] and f.severity == "warning"


def test_a_pod_starting_up_is_not_a_finding() -> None:
    assert rules.pods_not_ready(sc.s_starting_up()) == []


def test_daemonset_not_ready_on_some_nodes() -> None:
    f = only(rules.daemonset_not_ready(sc.s_daemonset()))
    assert f.refs.nodes == ["k8s-redis", "k8s-postgresql"]


# --- platform ------------------------------------------------------------------------------------


def test_queue_without_consumers_names_the_worker() -> None:
    f = only(rules.queue_no_consumers(sc.s_queue_no_consumers()))
    assert f.refs.queues == ["q.ai"] and f.refs.workers == ["ai"] and f.severity == "critical"


def test_queue_without_consumers_points_at_a_lost_node() -> None:
    snap = sc.s_queue_no_consumers()
    sc.set_ready(sc.node(snap, "k8s-worker-ai"), "Unknown", "NodeStatusUnknown", snap.taken_at)
    f = only(rules.queue_no_consumers(snap))
    assert "workers/ai-worker-0" in f.cause


def test_dead_letters() -> None:
    f = only(rules.dead_letters(sc.s_dead_letters()))
    assert any("growing" in e for e in f.evidence)


def test_postgres_down_is_one_finding_and_explains_the_journal() -> None:
    snap = sc.s_postgres_down()
    f = only(rules.dependency_unreachable(snap))
    assert f.title == "PostgreSQL unreachable"
    w = only(rules.wal_backlog(snap))
    assert w.severity == "critical" and "PostgreSQL" in w.cause  # 1900 s > 2 x 300 s


def test_a_failed_sync_after_the_last_success_is_a_warning() -> None:
    snap = sc.healthy()
    w = snap.wal[0]
    w.sync_errors_total = 2.0
    w.last_sync_failure_ts = (w.last_sync_success_ts or snap.taken_at) + 5
    f = only(rules.wal_backlog(snap))
    assert f.severity == "warning" and "the last sync failed (2 sync errors in all)" in f.evidence


def test_old_sync_errors_followed_by_a_success_are_no_finding() -> None:
    """Issue 13 item 9: the error counter only grows; one failed sync must not warn forever."""
    snap = sc.healthy()
    w = snap.wal[0]
    w.sync_errors_total = 2.0
    w.last_sync_failure_ts = (w.last_sync_success_ts or snap.taken_at) - 5
    assert rules.wal_backlog(snap) == []


def test_error_rate_and_latency() -> None:
    found = {(f.subject, f.severity) for f in rules.service_slo(sc.s_error_rate())}
    assert found == {("Service/waste", "critical"), ("Service/chat-llm-slow", "warning")}


def test_prometheus_down_is_one_finding_and_stale_parts_are_not_judged() -> None:
    snap = sc.s_prometheus_down()
    snap.wal[0].oldest_unsynced_age_s = 99999.0  # old data from before Prometheus went away
    f = only(rules.prometheus_unreachable(snap))
    assert "metrics, alerts, wal" in f.evidence[0]
    assert rules.wal_backlog(snap) == []


def test_cluster_unreadable() -> None:
    f = only(rules.cluster_unreadable(sc.s_cluster_unreadable()))
    assert f.severity == "critical"


# --- what must not be a warning ------------------------------------------------------------------


def _no_warning(snap: Snapshot) -> None:
    assert [f.title for f in evaluate(snap) if f.severity != "info"] == []


def test_old_restarts_of_a_pod_ready_for_days() -> None:
    snap = sc.healthy()
    pod = sc.node(snap, "k8s-api-auth").pods[0]
    pod.restarts = 40
    _no_warning(snap)


def test_completed_and_failed_job_pods() -> None:
    snap = sc.s_benign()
    assert rules.crash_loops(snap) == [] and rules.pods_unschedulable(snap) == []
    _no_warning(snap)


def test_readiness_blip_and_cleared_startup_warning() -> None:
    snap = sc.s_benign()
    assert snap.cluster.events  # the events are there; the pods they name are fine now
    _no_warning(snap)


def test_old_pods_of_a_progressing_rollout() -> None:
    snap = sc.healthy()
    w = sc.workload(snap, "waste-api")
    w.updated = 1  # one new pod up, one old pod still serving
    assert rules.rollout_stuck(snap) == [] and rules.workload_down(snap) == []
    _no_warning(snap)


def test_json_shape() -> None:
    f = evaluate(sc.s_node_lost())[0]
    d = f.model_dump(mode="json")
    assert set(d) >= {"severity", "title", "subject", "evidence", "cause", "action", "refs"}
    assert set(d["refs"]) == {"nodes", "pods", "workloads", "queues", "workers"}


def test_alert_explained_by_a_finding_folds_into_it() -> None:
    snap = sc.s_queue_no_consumers()
    snap.alerts = [
        AlertInfo(name="EcoecoQueueNoConsumers", severity="critical", summary="q.ai has no consumer")
    ]
    found = evaluate(snap)
    assert [f.rule for f in found] == ["queue_no_consumers"]
    assert any("EcoecoQueueNoConsumers" in e for e in found[0].evidence)


def test_unexplained_alert_is_its_own_finding() -> None:
    snap = sc.healthy()
    snap.alerts = [AlertInfo(name="EcoecoRedisMemoryHigh", severity="warning", summary="Redis memory > 90 %")]
    f = only(evaluate(snap))
    assert f.rule == "alert_firing" and f.severity == "warning"
    snap.alerts[0].state = "pending"
    assert evaluate(snap) == []


def test_alert_folds_into_the_finding_about_its_own_worker() -> None:
    snap = sc.healthy()
    for w in snap.wal:
        w.unsynced_rows, w.oldest_unsynced_age_s, w.sync_interval_s = 10, 1000.0, 300.0
    snap.alerts = [AlertInfo(name="EcoecoWalSyncBacklog", labels={"worker": "ai"}, summary="ai backlog")]
    found = {f.subject: f for f in evaluate(snap)}
    assert set(found) == {"WAL/storage", "WAL/ai"}
    assert any("EcoecoWalSyncBacklog" in e for e in found["WAL/ai"].evidence)
    assert not any("EcoecoWalSyncBacklog" in e for e in found["WAL/storage"].evidence)


def test_targets_down_one_finding_per_job() -> None:
    f = only(rules.prometheus_targets_down(sc.s_targets_down()))
    assert f.title == "Prometheus cannot scrape node-exporter (2/13 down)"
    assert f.refs.nodes == ["k8s-worker-ai", "k8s-worker-storage"]
    assert any("context deadline exceeded" in e for e in f.evidence)
    assert rules.prometheus_targets_down(sc.s_targets_up()) == []


def test_targets_are_not_judged_when_prometheus_is_down() -> None:
    snap = sc.s_targets_down()
    snap.sources["metrics"].ok = False
    assert rules.prometheus_targets_down(snap) == []


def test_sandbox_process_down_is_the_root_not_its_node() -> None:
    findings = evaluate(sc.s_sandbox_worker_down())
    f = only(findings)
    assert (f.rule, f.title, f.refs.workers) == ("process_down", "Process ai is not running", ["ai"])
    assert any(e.startswith("Queue q.ai: work, no consumer") for e in f.evidence)  # folded in
    assert f.action is not None and (f.action.operation, f.action.params) == ("restart", {"target": "ai"})
    stopped = only(evaluate(sc.s_sandbox_worker_stopped()))
    assert stopped.title == "Process ai is stopped" and "SIGSTOP" in stopped.cause
    assert any(e.startswith("Prometheus cannot scrape ecoeco-worker") for e in stopped.evidence)  # folded


def test_the_platforms_postgres_dependency_is_postgresql() -> None:
    """The platform's /ready names it "postgres": the same dependency, one finding, its first line."""
    snap = sc.s_postgres_down()
    for s in snap.services:
        if "postgresql" in s.dependencies:
            st = s.dependencies.pop("postgresql")
            st.detail = "OperationalError: connection refused\n\tIs the server running on that host?"
            s.dependencies["postgres"] = st
    f = only(rules.dependency_unreachable(snap))
    assert (f.subject, f.title) == ("Dependency/postgresql", "PostgreSQL unreachable")
    assert all("\n" not in e for e in f.evidence) and any("connection refused" in e for e in f.evidence)


def test_a_worker_or_api_workload_with_no_ready_pod_suggests_the_console_s_restart() -> None:
    """The rule names the console's own rolling restart, pre-filled, for what the topology says the
    workload runs; a workload outside the topology is named for the operator (no such operation)."""
    snap = Snapshot()
    snap.cluster.workloads = [
        WorkloadInfo(kind="StatefulSet", namespace="workers", name="worker-storage", desired=1, ready=0),
        WorkloadInfo(kind="Deployment", namespace="tools", name="something-else", desired=1, ready=0),
    ]
    by_subject = {f.subject: f.action for f in rules.workload_down(snap)}
    assert by_subject["workers/StatefulSet/worker-storage"] == Action(
        operation="restart", params={"target": "storage"}
    )
    other = by_subject["tools/Deployment/something-else"]
    assert other is not None and other.operation == "restart-workload"
