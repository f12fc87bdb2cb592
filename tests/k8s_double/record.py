"""Writes the double's Kubernetes v1.31 JSON under ``data/<scenario>/`` from ``infra/topology.yaml``.

The JSON has the shape a kubeadm cluster on EC2 returns (shapes taken from real ``kubectl get -o json``
output: list kinds, metadata with uid/resourceVersion/managed owner references, node conditions,
capacity/allocatable, providerID, nodeInfo, container statuses with states). Values are deterministic so
the files only change when the topology does. Run: ``uv run python tests/k8s_double/record.py``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ecoeco.shared.topology import load_topology

DATA = Path(__file__).parent / "data"
RECORDED = "2026-11-20T09:12:44Z"
CREATED = "2026-10-02T03:41:17Z"
AZ = ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c"]
REGISTRY = "ghcr.io/eco2-team"
MEMORY_KI = {"t3a.medium": 3969480, "t3a.large": 8029128}
VERSION = "v1.31.4"


def uid(*parts: str) -> str:
    h = hashlib.sha1("/".join(parts).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def short(*parts: str, n: int = 5) -> str:
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    h = int(hashlib.sha1("/".join(parts).encode()).hexdigest(), 16)
    out = ""
    for _ in range(n):
        h, r = divmod(h, len(alphabet))
        out += alphabet[r]
    return out


def rv(*parts: str) -> str:
    return str(100000 + int(hashlib.sha1("/".join(parts).encode()).hexdigest()[:6], 16) % 900000)


def meta(name: str, namespace: str | None = None, labels: dict | None = None, **extra: Any) -> dict:
    m: dict[str, Any] = {
        "name": name,
        "uid": uid(namespace or "", name),
        "resourceVersion": rv(namespace or "", name),
        "creationTimestamp": CREATED,
    }
    if namespace:
        m["namespace"] = namespace
    if labels:
        m["labels"] = labels
    m.update(extra)
    return m


def node_ip(index: int, subnet: int) -> str:
    return f"10.0.{subnet + 1}.{20 + index * 7}"


KUBELET_CONDITIONS = (
    ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available",
     "KubeletHasInsufficientMemory", "kubelet has insufficient memory available"),
    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure",
     "KubeletHasDiskPressure", "kubelet has disk pressure"),
    ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available",
     "KubeletHasInsufficientPID", "kubelet has insufficient PID available"),
)  # fmt: skip
CNI_NOT_READY = (
    "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
    "message:Network plugin returns error: cni plugin not initialized"
)
LOST_AT = "2026-11-20T09:04:41Z"  # the node controller marks k8s-worker-ai Unknown (incident)
EVICTED_AT = "2026-11-20T09:10:16Z"  # its pods' NoExecute toleration (300 s) ran out, +30 s grace
PRESSURE_AT = "2026-11-20T09:02:10Z"


def node(tnode: Any, index: int, ready: str = "True", pressure: tuple[str, ...] = (), network_down: bool = False,
         provider_id: str | None = None, drop_labels: tuple[str, ...] = (), extra_taints: list[dict] | None = None) -> dict:  # fmt: skip
    """A node as the API returns it. ``ready``: "True", "False" (the kubelet says NotReady: the CNI is not
    initialised) or "Unknown" (the kubelet stopped posting status; the node controller says so)."""
    mem_ki = MEMORY_KI.get(tnode.instance_type, 3969480)
    ip = node_ip(index, tnode.subnet_index)
    instance = "i-0" + hashlib.sha1(tnode.name.encode()).hexdigest()[:16]
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": tnode.name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": tnode.instance_type,
        "topology.kubernetes.io/region": "ap-northeast-2",
        "topology.kubernetes.io/zone": AZ[tnode.subnet_index % 3],
        **tnode.labels,
    }
    for key in drop_labels:
        labels.pop(key, None)
    taints = [
        {"key": t.key, **({"value": t.value} if t.value else {}), "effect": t.effect} for t in tnode.taints
    ] + list(extra_taints or [])
    lost = ready == "Unknown"
    beat = "2026-11-20T09:03:58Z" if lost else RECORDED
    if ready == "True":
        ready_cond = {"type": "Ready", "status": "True", "lastHeartbeatTime": beat, "lastTransitionTime": CREATED,
                      "reason": "KubeletReady", "message": "kubelet is posting ready status"}  # fmt: skip
    elif ready == "False":
        ready_cond = {"type": "Ready", "status": "False", "lastHeartbeatTime": beat,
                      "lastTransitionTime": "2026-11-20T08:58:03Z", "reason": "KubeletNotReady", "message": CNI_NOT_READY}  # fmt: skip
        taints.append(
            {
                "key": "node.kubernetes.io/not-ready",
                "effect": "NoSchedule",
                "timeAdded": "2026-11-20T08:58:03Z",
            }
        )
    else:
        ready_cond = {"type": "Ready", "status": "Unknown", "lastHeartbeatTime": beat, "lastTransitionTime": LOST_AT,
                      "reason": "NodeStatusUnknown", "message": "Kubelet stopped posting node status."}  # fmt: skip
        taints += [
            {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule", "timeAdded": LOST_AT},
            {
                "key": "node.kubernetes.io/unreachable",
                "effect": "NoExecute",
                "timeAdded": "2026-11-20T09:04:46Z",
            },
        ]
    conditions = [
        # Calico owns this one (kubelet does not); it stays as Calico last wrote it when the node is lost.
        {"type": "NetworkUnavailable", "status": "True" if network_down else "False",
         "lastHeartbeatTime": "2026-11-20T08:58:01Z" if network_down else CREATED,
         "lastTransitionTime": "2026-11-20T08:58:01Z" if network_down else CREATED,
         "reason": "CalicoIsDown" if network_down else "CalicoIsUp",
         "message": "Calico is shutting down on this node" if network_down else "Calico is running on this node"},
    ]  # fmt: skip
    for t, ok_reason, ok_msg, bad_reason, bad_msg in KUBELET_CONDITIONS:
        if lost:
            cond = {"status": "Unknown", "lastTransitionTime": LOST_AT, "reason": "NodeStatusUnknown",
                    "message": "Kubelet stopped posting node status."}  # fmt: skip
        elif t in pressure:
            cond = {
                "status": "True",
                "lastTransitionTime": PRESSURE_AT,
                "reason": bad_reason,
                "message": bad_msg,
            }
            key = {
                "MemoryPressure": "memory-pressure",
                "DiskPressure": "disk-pressure",
                "PIDPressure": "pid-pressure",
            }[t]
            taints.append(
                {"key": f"node.kubernetes.io/{key}", "effect": "NoSchedule", "timeAdded": PRESSURE_AT}
            )
        else:
            cond = {"status": "False", "lastTransitionTime": CREATED, "reason": ok_reason, "message": ok_msg}
        conditions.append({"type": t, "lastHeartbeatTime": beat, **cond})
    conditions.append(ready_cond)
    return {
        "metadata": meta(
            tnode.name,
            labels=labels,
            annotations={
                "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/containerd/containerd.sock",
                "node.alpha.kubernetes.io/ttl": "0",
                "projectcalico.org/IPv4Address": f"{ip}/24",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        ),
        "spec": {
            "podCIDR": f"192.168.{index}.0/24",
            "podCIDRs": [f"192.168.{index}.0/24"],
            "providerID": provider_id
            if provider_id is not None
            else f"aws:///{AZ[tnode.subnet_index % 3]}/{instance}",
            **({"taints": taints} if taints else {}),
        },
        "status": {
            "capacity": {
                "cpu": "2",
                "ephemeral-storage": f"{tnode.root_disk_gb * 1024 * 1024 - 1024 * 300}Ki",
                "hugepages-1Gi": "0",
                "hugepages-2Mi": "0",
                "memory": f"{mem_ki}Ki",
                "pods": "110",
            },
            "allocatable": {
                "cpu": "2",
                "ephemeral-storage": str(int((tnode.root_disk_gb * 1024 * 1024 - 1024 * 300) * 1024 * 0.9)),
                "hugepages-1Gi": "0",
                "hugepages-2Mi": "0",
                "memory": f"{mem_ki - 102400}Ki",
                "pods": "110",
            },
            "conditions": conditions,
            "addresses": [
                {"type": "InternalIP", "address": ip},
                {"type": "Hostname", "address": tnode.name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": hashlib.md5(tnode.name.encode()).hexdigest(),
                "systemUUID": "ec2" + uid("sys", tnode.name)[3:],
                "bootID": uid("boot", tnode.name),
                "kernelVersion": "6.8.0-1018-aws",
                "osImage": "Ubuntu 22.04.5 LTS",
                "containerRuntimeVersion": "containerd://1.7.22",
                "kubeletVersion": VERSION,
                "kubeProxyVersion": VERSION,
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
            "images": [
                {
                    "names": [
                        "registry.k8s.io/kube-proxy@sha256:" + "3" * 64,
                        f"registry.k8s.io/kube-proxy:{VERSION}",
                    ],
                    "sizeBytes": 30230147,
                },
                {
                    "names": ["docker.io/calico/node@sha256:" + "7" * 64, "docker.io/calico/node:v3.28.2"],
                    "sizeBytes": 144583204,
                },
            ],
        },
    }


def container_status(name: str, image: str, *, ready: bool = True, restarts: int = 0, state: dict | None = None,
                     last_state: dict | None = None, started: str = CREATED) -> dict:  # fmt: skip
    return {
        "name": name,
        "state": state or {"running": {"startedAt": started}},
        "lastState": last_state or {},
        "ready": ready,
        "restartCount": restarts,
        "image": image,
        "imageID": "" if state and "waiting" in state and not restarts else f"{image.split(':')[0]}@sha256:" + hashlib.sha256(image.encode()).hexdigest(),
        "containerID": "" if state and "waiting" in state and not restarts else "containerd://" + hashlib.sha256((name + image).encode()).hexdigest(),
        "started": ready,
    }  # fmt: skip


def pod(name: str, namespace: str, node_name: str | None, image: str, *, labels: dict, owner: tuple[str, str] | None,
        phase: str = "Running", ready: bool = True, cstatus: dict | None = None, node_selector: dict | None = None,
        tolerations: list | None = None, host_ip: str | None = None, port: int | None = 8000,
        scheduled_message: str | None = None, requests: dict | None = None) -> dict:  # fmt: skip
    cname = labels.get("app.kubernetes.io/name", name.rsplit("-", 1)[0])
    container: dict[str, Any] = {
        "name": cname,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        # A limit below the request is refused by the API: a pod asking more is limited to what it asks.
        "resources": {
            "requests": requests or {"cpu": "100m", "memory": "128Mi"},
            "limits": {"memory": requests["memory"] if requests else "512Mi"},
        },  # fmt: skip
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    if port:
        container["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    spec: dict[str, Any] = {
        "containers": [container],
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "default",
        "schedulerName": "default-scheduler",
        "priority": 0,
        "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority",
        "tolerations": (tolerations or [])
        + [
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
        ],
    }  # fmt: skip
    if node_name:
        spec["nodeName"] = node_name
    if node_selector:
        spec["nodeSelector"] = node_selector
    m = meta(name, namespace, labels)
    if owner:
        m["ownerReferences"] = [
            {"apiVersion": "batch/v1" if owner[0] == "Job" else "apps/v1", "kind": owner[0], "name": owner[1], "uid": uid(namespace, owner[1]),
             "controller": True, "blockOwnerDeletion": True}
        ]  # fmt: skip
    status: dict[str, Any] = {"phase": phase, "qosClass": "Burstable"}
    if node_name is None:
        status["conditions"] = [
            {"type": "PodScheduled", "status": "False", "lastProbeTime": None, "lastTransitionTime": RECORDED,
             "reason": "Unschedulable", "message": scheduled_message or "0/13 nodes are available."}
        ]  # fmt: skip
        return {"metadata": m, "spec": spec, "status": status}
    rs = "True" if ready else "False"
    status.update(
        {
            "conditions": [
                {"type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": None, "lastTransitionTime": CREATED},
                {"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": CREATED},
                {"type": "Ready", "status": rs, "lastProbeTime": None, "lastTransitionTime": CREATED if ready else RECORDED},
                {"type": "ContainersReady", "status": rs, "lastProbeTime": None, "lastTransitionTime": CREATED if ready else RECORDED},
                {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": CREATED},
            ],
            "hostIP": host_ip,
            "hostIPs": [{"ip": host_ip}],
            "podIP": f"192.168.{int(hashlib.sha1(name.encode()).hexdigest()[:2], 16) % 13}.{int(hashlib.sha1(name.encode()).hexdigest()[2:4], 16) % 250 + 2}",
            "startTime": CREATED,
            "containerStatuses": [cstatus or container_status(cname, image, ready=ready)],
        }
    )  # fmt: skip
    status["podIPs"] = [{"ip": status["podIP"]}]
    return {"metadata": m, "spec": spec, "status": status}


def deployment(name: str, namespace: str, image: str, node_selector: dict, replicas: int, ready: int,
               updated: int | None = None, unavailable: int = 0, generation: int = 1, stuck: bool = False) -> dict:  # fmt: skip
    """``updated`` < ``replicas`` with ``unavailable`` is a rollout under way (maxSurge 1, maxUnavailable 0:
    the old pods keep serving); ``stuck`` is the same rollout past progressDeadlineSeconds."""
    labels = {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": "ecoeco",
        "app.kubernetes.io/managed-by": "Helm",
    }
    available = ready >= replicas
    new_rs = f"{name}-{short(name, str(generation), n=10)}"
    updated_n = updated if updated is not None else replicas
    rolling = updated_n < replicas or unavailable > 0
    if stuck:
        progressing = {"type": "Progressing", "status": "False", "lastUpdateTime": "2026-11-20T09:01:12Z",
                       "lastTransitionTime": "2026-11-20T09:01:12Z", "reason": "ProgressDeadlineExceeded",
                       "message": f'ReplicaSet "{new_rs}" has timed out progressing.'}  # fmt: skip
    elif rolling:
        progressing = {"type": "Progressing", "status": "True", "lastUpdateTime": RECORDED,
                       "lastTransitionTime": "2026-11-20T08:51:09Z", "reason": "ReplicaSetUpdated",
                       "message": f'ReplicaSet "{new_rs}" is progressing.'}  # fmt: skip
    else:
        progressing = {"type": "Progressing", "status": "True", "lastUpdateTime": CREATED, "lastTransitionTime": CREATED,
                       "reason": "NewReplicaSetAvailable", "message": f'ReplicaSet "{new_rs}" has successfully progressed.'}  # fmt: skip
    return {
        "metadata": {**meta(name, namespace, labels), "generation": generation,
                     "annotations": {"deployment.kubernetes.io/revision": str(generation), "meta.helm.sh/release-name": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": name}},
                "spec": {"containers": [{"name": name, "image": image, "ports": [{"containerPort": 8000, "protocol": "TCP"}]}],
                         "nodeSelector": node_selector},
            },
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": {
            "observedGeneration": generation,
            "replicas": max(replicas, ready + unavailable),
            "updatedReplicas": updated_n,
            **({"readyReplicas": ready, "availableReplicas": ready} if ready else {}),
            **({"unavailableReplicas": unavailable} if unavailable else {}),
            "conditions": [
                {"type": "Available", "status": "True" if available else "False", "lastUpdateTime": RECORDED,
                 "lastTransitionTime": RECORDED if not available else CREATED,
                 "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                 "message": "Deployment has minimum availability." if available else "Deployment does not have minimum availability."},
                progressing,
            ],
        },
    }  # fmt: skip


def daemonset(name: str, image: str, nodes: int, ready: int) -> dict:
    labels = {"k8s-app": name, "app.kubernetes.io/name": name}
    return {
        "metadata": {**meta(name, "kube-system", labels), "generation": 1,
                     "annotations": {"deprecated.daemonset.template.generation": "1"}},
        "spec": {
            "selector": {"matchLabels": {"k8s-app": name}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": name, "image": image}], "hostNetwork": True,
                         "nodeSelector": {"kubernetes.io/os": "linux"} if name == "kube-proxy" else None,
                         "tolerations": [{"operator": "Exists"}], "priorityClassName": "system-node-critical"},
            },
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
            "revisionHistoryLimit": 10,
        },
        "status": {
            "currentNumberScheduled": nodes,
            "numberMisscheduled": 0,
            "desiredNumberScheduled": nodes,
            "numberReady": ready,
            "observedGeneration": 1,
            "updatedNumberScheduled": nodes,
            "numberAvailable": ready,
            **({"numberUnavailable": nodes - ready} if ready < nodes else {}),
        },
    }  # fmt: skip


def statefulset(
    name: str, namespace: str, image: str, node_selector: dict, replicas: int, ready: int
) -> dict:
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "ecoeco"}
    return {
        "metadata": {**meta(name, namespace, labels), "generation": 1},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "serviceName": name,
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": name}},
                "spec": {"containers": [{"name": name, "image": image}], "nodeSelector": node_selector},
            },
            "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "revisionHistoryLimit": 10,
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
        },
        "status": {
            "observedGeneration": 1,
            "replicas": replicas,
            "readyReplicas": ready,
            "currentReplicas": replicas,
            "updatedReplicas": replicas,
            "availableReplicas": ready,
            "currentRevision": f"{name}-{short(name, n=10)}",
            "updateRevision": f"{name}-{short(name, n=10)}",
            "collisionCount": 0,
        },
    }


def event(namespace: str, kind: str, obj: str, reason: str, message: str, *, type_: str = "Warning",
          count: int = 1, last: str = RECORDED, first: str | None = None, component: str = "kubelet",
          host: str | None = None, salt: str = "") -> dict:  # fmt: skip
    """An event written through core/v1 (the kubelet, the node controller): count and timestamps."""
    name = f"{obj}.{hashlib.sha1((obj + reason + salt).encode()).hexdigest()[:16]}"
    return {
        "metadata": meta(name, namespace, creationTimestamp=first or last),
        "involvedObject": {"kind": kind, "namespace": namespace if kind != "Node" else "", "name": obj,
                           "uid": uid(namespace, obj), "apiVersion": "v1", "resourceVersion": rv(obj)},
        "reason": reason,
        "message": message,
        "source": {"component": component, **({"host": host} if host else {})},
        "firstTimestamp": first or last,
        "lastTimestamp": last,
        "count": count,
        "type": type_,
        "eventTime": None,
        "reportingComponent": component,
        "reportingInstance": host or "",
    }  # fmt: skip


def series_event(namespace: str, kind: str, obj: str, reason: str, message: str, *, first: str,
                 last: str | None = None, count: int | None = None, component: str = "default-scheduler",
                 action: str = "Scheduling") -> dict:  # fmt: skip
    """An event written through events.k8s.io/v1 (kube-scheduler and newer controllers), as core/v1 returns
    it: firstTimestamp/lastTimestamp null, no count; eventTime is the first occurrence and ``series``
    (count, lastObservedTime) the repeats. A single occurrence has no series."""
    name = f"{obj}.{hashlib.sha1((obj + reason + 'v1').encode()).hexdigest()[:16]}"
    body = {
        "metadata": meta(name, namespace, creationTimestamp=first[:19] + "Z"),
        "involvedObject": {"kind": kind, "namespace": namespace, "name": obj, "uid": uid(namespace, obj),
                           "apiVersion": "v1", "resourceVersion": rv(obj)},
        "reason": reason,
        "message": message,
        "source": {},
        "firstTimestamp": None,
        "lastTimestamp": None,
        "type": "Warning",
        "eventTime": first,
        "action": action,
        "reportingComponent": component,
        "reportingInstance": f"{component}-k8s-master",
    }  # fmt: skip
    if count is not None:
        body["series"] = {"count": count, "lastObservedTime": last or first}
    return body


def kind_list(kind: str, api_version: str, items: list[dict]) -> dict:
    return {
        "kind": kind,
        "apiVersion": api_version,
        "metadata": {"resourceVersion": "4829113"},
        "items": items,
    }


def completed(p: dict, started: str, finished: str) -> dict:
    """A pod whose containers ran to completion (a Job's): Succeeded, Ready False because PodCompleted."""
    p["status"]["phase"] = "Succeeded"
    for cond in p["status"]["conditions"]:
        if cond["type"] in ("Ready", "ContainersReady", "PodReadyToStartContainers"):
            cond.update({"status": "False", "lastTransitionTime": finished,
                         **({"reason": "PodCompleted"} if cond["type"] != "PodReadyToStartContainers" else {})})  # fmt: skip
    p["status"]["startTime"] = started
    p["metadata"]["creationTimestamp"] = started
    for cs in p["status"]["containerStatuses"]:
        cs.update({"ready": False, "started": False,
                   "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": started,
                                            "finishedAt": finished, "containerID": cs["containerID"]}}})  # fmt: skip
    return p


def failed_attempt(p: dict, started: str, finished: str) -> dict:
    completed(p, started, finished)
    p["status"]["phase"] = "Failed"
    for cs in p["status"]["containerStatuses"]:
        cs["state"]["terminated"].update({"exitCode": 1, "reason": "Error"})
    return p


def marked_not_ready(p: dict) -> dict:
    """The node controller's mark on the pods of a lost node: the pod's Ready condition goes False while
    its container statuses, which only the (unreachable) kubelet writes, still say ready."""
    for cond in p["status"]["conditions"]:
        if cond["type"] == "Ready":
            cond.update({"status": "False", "lastTransitionTime": "2026-11-20T09:04:46Z"})
    return p


def evicted_by_taint_manager(p: dict) -> dict:
    """What the node lifecycle controller does to a pod on a node lost for longer than its toleration
    (300 s): deletion asked for with a 30 s grace; the lost kubelet never confirms, so it stays Terminating."""
    p["metadata"]["deletionTimestamp"] = EVICTED_AT
    p["metadata"]["deletionGracePeriodSeconds"] = 30
    conds = p["status"]["conditions"]
    conds.insert(0, {"type": "DisruptionTarget", "status": "True", "lastProbeTime": None, "lastTransitionTime": "2026-11-20T09:09:46Z",
                     "reason": "DeletionByTaintManager", "message": "Taint manager: deleting due to NoExecute taint"})  # fmt: skip
    return marked_not_ready(p)


def job_pod(job: str, namespace: str, node_name: str, image: str, host_ip: str, *, started: str, finished: str,
            failed: bool = False, attempt: str = "") -> dict:  # fmt: skip
    labels = {
        "batch.kubernetes.io/job-name": job,
        "job-name": job,
        "batch.kubernetes.io/controller-uid": uid(namespace, job),
    }
    p = pod(f"{job}-{short(job, attempt)}", namespace, node_name, image, labels={**labels, "app.kubernetes.io/name": job},
            owner=("Job", job), port=None, host_ip=host_ip)  # fmt: skip
    p["spec"]["restartPolicy"] = "Never"
    return failed_attempt(p, started, finished) if failed else completed(p, started, finished)


def pending(p: dict, created: str, nominated: str | None = None) -> dict:
    p["metadata"]["creationTimestamp"] = created
    if nominated:
        p["status"]["nominatedNodeName"] = nominated
    return p


SELECTOR_MISS = ("0/13 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
                 "4 node(s) had untolerated taint {node-role.kubernetes.io/infrastructure: true}, "
                 "8 node(s) didn't match Pod's node selector. preemption: 0/13 nodes are available: "
                 "13 Preemption is not helpful for scheduling.")  # fmt: skip


def logs(pods: list[dict]) -> dict[str, dict[str, dict[str, str | None]]]:
    """What the kubelet would stream for ``GET .../pods/NAME/log`` (current and ``previous=true``), for the
    API pods: ``"ns/pod" -> container -> {"current", "previous"}``; no previous run is ``None``."""
    out: dict[str, dict[str, dict[str, str | None]]] = {}
    for p in pods:
        m, st = p["metadata"], p["status"]
        if m["namespace"] != "ecoeco" or not st.get("containerStatuses"):
            continue
        for cs in st["containerStatuses"]:
            name = cs["name"]
            started = (cs["state"].get("running") or {}).get("startedAt", CREATED)
            current = "".join(
                f"{started[:-1]}.{100 + i * 37:06d}Z INFO  {name}: {line}\n"
                for i, line in enumerate(["starting (v1.4.2)", "connected to postgresql", "connected to redis",
                                          "listening on 0.0.0.0:8000", *[f"GET /health 200 {2 + k % 3}ms" for k in range(40)]])
            )  # fmt: skip
            previous = None
            last = (cs.get("lastState") or {}).get("terminated")
            if "waiting" in cs["state"] and last:
                at = last["startedAt"][:-1]
                current = ""  # crash-looping: the current container has not started
                previous = (
                    f"{at}.120331Z INFO  {name}: starting (v1.4.2)\n"
                    f"{at}.998410Z ERROR {name}: cannot connect to redis at redis.data.svc:6379\n"
                    "Traceback (most recent call last):\n"
                    '  File "/app/ecoeco/services/common/redis.py", line 41, in connect\n'
                    "redis.exceptions.AuthenticationError: invalid username-password pair or user is disabled.\n"
                    f"{at}.999020Z ERROR {name}: exiting with status 1\n"
                )
            elif "waiting" in cs["state"]:
                current = None  # never started (ImagePullBackOff): the API answers 400
            out.setdefault(f"{m['namespace']}/{m['name']}", {})[name] = {
                "current": current,
                "previous": previous,
            }
    return out


def build(scenario: str) -> dict[str, dict]:
    """``healthy``; ``incident`` (an outage: a lost node and what follows); ``degraded`` (a cluster that
    looks fine at a glance: pressure, a stuck rollout, label and providerID drift, a CNI-less node)."""
    incident, degraded = scenario == "incident", scenario == "degraded"
    topo = load_topology()
    bad_node = "k8s-worker-ai"
    nodes, pods, deployments, statefulsets, daemonsets, events = [], [], [], [], [], []
    ips: dict[str, str] = {}
    node_faults: dict[str, dict[str, Any]] = {}
    if incident:
        node_faults[bad_node] = {"ready": "Unknown"}
    if degraded:
        node_faults = {
            "k8s-api-auth": {"ready": "False", "network_down": True},  # incident 11 on one node
            "k8s-api-location": {"drop_labels": ("domain",)},  # incident 1: its pods cannot be placed
            "k8s-api-userinfo": {"provider_id": "aws:///ap-northeast-2b/"},  # incident 4: no instance id
            "k8s-worker-storage": {"pressure": ("MemoryPressure",)},
            "k8s-monitoring": {"pressure": ("DiskPressure",)},
            "k8s-redis": {"extra_taints": [{"key": "dedicated", "value": "redis", "effect": "NoSchedule"}]},
        }
    for i, tnode in enumerate(topo.nodes):
        nodes.append(node(tnode, i, **node_faults.get(tnode.name, {})))
        ips[tnode.name] = node_ip(i, tnode.subnet_index)

    master = topo.by_role("master")[0].name
    cp_toleration = [
        {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}
    ]
    infra_toleration = [{"key": "node-role.kubernetes.io/infrastructure", "operator": "Equal", "value": "true", "effect": "NoSchedule"}]  # fmt: skip
    for comp, image in (
        ("kube-apiserver", f"registry.k8s.io/kube-apiserver:{VERSION}"),
        ("etcd", "registry.k8s.io/etcd:3.5.15-0"),
        ("kube-controller-manager", f"registry.k8s.io/kube-controller-manager:{VERSION}"),
        ("kube-scheduler", f"registry.k8s.io/kube-scheduler:{VERSION}"),
    ):
        p = pod(f"{comp}-{master}", "kube-system", master, image, labels={"component": comp, "tier": "control-plane"},
                owner=None, tolerations=cp_toleration, host_ip=ips[master], port=None)  # fmt: skip
        p["metadata"]["ownerReferences"] = [{"apiVersion": "v1", "kind": "Node", "name": master, "uid": uid("", master), "controller": True}]  # fmt: skip
        pods.append(p)
    for i in range(2):
        rs = f"coredns-{short('coredns', n=10)}"
        pods.append(pod(f"{rs}-{short('coredns', str(i))}", "kube-system", master, "registry.k8s.io/coredns/coredns:v1.11.3",
                        labels={"k8s-app": "kube-dns", "app.kubernetes.io/name": "coredns"}, owner=("ReplicaSet", rs),
                        tolerations=cp_toleration, host_ip=ips[master], port=53))  # fmt: skip
    deployments.append(
        deployment("coredns", "kube-system", "registry.k8s.io/coredns/coredns:v1.11.3", {}, 2, 2)
    )
    not_ready_ds: dict[str, int] = {"kube-proxy": 0, "calico-node": 0}
    for tnode in topo.nodes:
        for ds, image in (("kube-proxy", f"registry.k8s.io/kube-proxy:{VERSION}"), ("calico-node", "docker.io/calico/node:v3.28.2")):  # fmt: skip
            unreachable = incident and tnode.name == bad_node
            cni_down = degraded and tnode.name == "k8s-api-auth" and ds == "calico-node"
            name = f"{ds}-{short(ds, tnode.name)}"
            cs = None
            if cni_down:
                cs = container_status(ds, image, ready=False, restarts=9,
                    state={"waiting": {"reason": "CrashLoopBackOff", "message": f"back-off 5m0s restarting failed container={ds} pod={name}_kube-system({uid('kube-system', name)})"}},
                    last_state={"terminated": {"exitCode": 1, "reason": "Error", "startedAt": "2026-11-20T09:06:40Z",
                                               "finishedAt": "2026-11-20T09:06:52Z", "containerID": "containerd://" + "c4" * 32}})  # fmt: skip
            p = pod(name, "kube-system", tnode.name, image,
                    labels={"k8s-app": ds, "app.kubernetes.io/name": ds}, owner=("DaemonSet", ds),
                    tolerations=[{"operator": "Exists"}], host_ip=ips[tnode.name], port=None,
                    ready=not cni_down, cstatus=cs)  # fmt: skip
            pods.append(marked_not_ready(p) if unreachable else p)
            not_ready_ds[ds] += unreachable or cni_down
    daemonsets.append(
        daemonset("calico-node", "docker.io/calico/node:v3.28.2", 13, 13 - not_ready_ds["calico-node"])
    )
    daemonsets.append(
        daemonset("kube-proxy", f"registry.k8s.io/kube-proxy:{VERSION}", 13, 13 - not_ready_ds["kube-proxy"])
    )

    for tnode in topo.by_role("api"):
        name = f"{tnode.domain}-api"
        image = f"{REGISTRY}/{name}:v1.4.2"
        selector = {"domain": tnode.domain}
        rs = f"{name}-{short(name, n=10)}"
        pname = f"{rs}-{short(name, 'pod')}"
        labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "ecoeco", "pod-template-hash": rs.rsplit("-", 1)[1]}  # fmt: skip
        if incident and tnode.domain == "chat-llm":
            cs = container_status(
                name, image, ready=False, restarts=17,
                state={"waiting": {"reason": "CrashLoopBackOff",
                                   "message": f"back-off 5m0s restarting failed container={name} pod={pname}_ecoeco({uid('ecoeco', pname)})"}},
                last_state={"terminated": {"exitCode": 1, "reason": "Error", "startedAt": "2026-11-20T09:07:31Z",
                                           "finishedAt": "2026-11-20T09:07:33Z", "containerID": "containerd://" + "a1" * 32}},
            )  # fmt: skip
            pods.append(pod(pname, "ecoeco", tnode.name, image, labels=labels, owner=("ReplicaSet", rs), ready=False,
                            cstatus=cs, node_selector=selector, host_ip=ips[tnode.name]))  # fmt: skip
            deployments.append(deployment(name, "ecoeco", image, selector, 1, 0, unavailable=1))
            # The kubelet restarted at 08:40 and began a new event object for the same back-off: two
            # objects, one story (the console shows one row with both counts).
            events.append(event("ecoeco", "Pod", pname, "BackOff", f"Back-off restarting failed container {name} in pod {pname}_ecoeco({uid('ecoeco', pname)})",
                                count=23, first="2026-11-20T08:12:40Z", last="2026-11-20T08:39:02Z", host=tnode.name, salt="before-restart"))  # fmt: skip
            events.append(event("ecoeco", "Pod", pname, "BackOff", f"Back-off restarting failed container {name} in pod {pname}_ecoeco({uid('ecoeco', pname)})",
                                count=48, first="2026-11-20T08:41:15Z", host=tnode.name))  # fmt: skip
            continue
        if degraded and tnode.domain == "location":
            # Rolled after the node lost its domain label: the new pod cannot be placed anywhere.
            p = pod(pname, "ecoeco", None, image, labels=labels, owner=("ReplicaSet", rs), phase="Pending", ready=False,
                    node_selector=selector, scheduled_message=SELECTOR_MISS)  # fmt: skip
            pods.append(pending(p, "2026-11-20T08:47:55Z"))
            deployments.append(deployment(name, "ecoeco", image, selector, 1, 0, unavailable=1))
            events.append(series_event("ecoeco", "Pod", pname, "FailedScheduling", SELECTOR_MISS,
                                       first="2026-11-20T08:47:55.212840Z", last="2026-11-20T09:12:31.904117Z", count=26))  # fmt: skip
            continue
        replicas = 2 if degraded and tnode.domain == "waste" else 1
        for k in range(replicas):
            pods.append(pod(pname if k == 0 else f"{rs}-{short(name, 'pod', str(k))}", "ecoeco", tnode.name, image,
                            labels=labels, owner=("ReplicaSet", rs), node_selector=selector, host_ip=ips[tnode.name]))  # fmt: skip
        if (incident and tnode.domain == "recycle-info") or (degraded and tnode.domain == "waste"):
            new_image = f"{REGISTRY}/{name}:v1.4.3"
            new_rs = f"{name}-{short(name, 'v143', n=10)}"
            new_pod = f"{new_rs}-{short(name, 'v143pod')}"
            cs = container_status(
                name, new_image, ready=False,
                state={"waiting": {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{new_image}"'}},
            )  # fmt: skip
            new_labels = {**labels, "pod-template-hash": new_rs.rsplit("-", 1)[1]}
            p = pod(new_pod, "ecoeco", tnode.name, new_image, labels=new_labels, owner=("ReplicaSet", new_rs),
                    phase="Pending", ready=False, cstatus=cs, node_selector=selector, host_ip=ips[tnode.name])  # fmt: skip
            p["metadata"]["creationTimestamp"] = p["status"]["startTime"] = "2026-11-20T08:51:09Z"
            p["spec"]["imagePullSecrets"] = [{"name": "ghcr-eco2-pull"}]  # the chart's pull secret
            pods.append(p)
            # incident: a rollout under way (ready 1/1, 1 unavailable); degraded: the same, past its
            # deadline, with two old pods still serving: "2/2 ready" is not healthy.
            deployments.append(deployment(name, "ecoeco", new_image, selector, replicas, replicas, updated=1,
                                          unavailable=1, generation=2, stuck=degraded))  # fmt: skip
            events.append(event("ecoeco", "Pod", new_pod, "Failed",
                                f'Failed to pull image "{new_image}": rpc error: code = NotFound desc = failed to pull and unpack image '
                                f'"{new_image}": failed to resolve reference "{new_image}": {new_image}: not found',
                                count=6, first="2026-11-20T08:51:10Z", host=tnode.name))  # fmt: skip
            events.append(event("ecoeco", "Pod", new_pod, "BackOff", f'Back-off pulling image "{new_image}"',
                                count=93, first="2026-11-20T08:51:12Z", host=tnode.name))  # fmt: skip
            continue
        deployments.append(deployment(name, "ecoeco", image, selector, replicas, replicas))

    # Completed Job pods are finished work: the schema migration of the last release (a Helm hook).
    auth = topo.node_for_domain("auth")
    assert auth is not None
    pods.append(job_pod("db-migrate-v1-4-2", "ecoeco", auth.name, f"{REGISTRY}/ecoeco-migrate:v1.4.2", ips[auth.name],
                        started="2026-11-19T22:00:04Z", finished="2026-11-19T22:00:31Z"))  # fmt: skip
    if degraded:  # a nightly job whose first attempt failed and whose retry succeeded
        pods.append(job_pod("points-rollup-29400480", "ecoeco", auth.name, f"{REGISTRY}/ecoeco-worker:v1.4.2",
                            ips[auth.name], started="2026-11-20T00:00:02Z", finished="2026-11-20T00:00:09Z",
                            failed=True, attempt="1"))  # fmt: skip
        pods.append(job_pod("points-rollup-29400480", "ecoeco", auth.name, f"{REGISTRY}/ecoeco-worker:v1.4.2",
                            ips[auth.name], started="2026-11-20T00:00:21Z", finished="2026-11-20T00:01:02Z",
                            attempt="2"))  # fmt: skip

    for tnode in topo.by_role("worker"):
        name = f"worker-{tnode.domain}"
        image = f"{REGISTRY}/ecoeco-worker:v1.4.2"
        selector = {"domain": tnode.domain}
        replicas = 2 if incident and tnode.name == bad_node else 1
        for ordinal in range(replicas):
            pname = f"{name}-{ordinal}"
            labels = {"app.kubernetes.io/name": name, "statefulset.kubernetes.io/pod-name": pname,
                      "apps.kubernetes.io/pod-index": str(ordinal)}  # fmt: skip
            if incident and tnode.name == bad_node and ordinal == 1:
                msg = ("0/13 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, "
                       "12 node(s) didn't match Pod's node selector. preemption: 0/13 nodes are available: "
                       "13 Preemption is not helpful for scheduling.")  # fmt: skip
                p = pod(pname, "ecoeco", None, image, labels=labels, owner=("StatefulSet", name), phase="Pending",
                        ready=False, node_selector=selector, port=9100, scheduled_message=msg)  # fmt: skip
                pods.append(pending(p, "2026-11-20T09:05:02Z"))
                # kube-scheduler writes through events.k8s.io/v1: no count, no lastTimestamp, a series.
                events.append(series_event("ecoeco", "Pod", pname, "FailedScheduling", msg,
                                           first="2026-11-20T09:05:02.451320Z", last="2026-11-20T09:12:40.118034Z", count=14))  # fmt: skip
                continue
            down = incident and tnode.name == bad_node
            p = pod(pname, "ecoeco", tnode.name, image, labels=labels, owner=("StatefulSet", name),
                    node_selector=selector, host_ip=ips[tnode.name], port=9100)  # fmt: skip
            pods.append(evicted_by_taint_manager(p) if down else p)
        ready = 0 if incident and tnode.name == bad_node else replicas
        statefulsets.append(statefulset(name, "ecoeco", image, selector, replicas, ready))
    if incident:
        events.append(event("default", "Node", bad_node, "NodeNotReady", f"Node {bad_node} status is now: NodeNotReady",
                            type_="Normal", component="node-controller", last="2026-11-20T09:04:41Z"))  # fmt: skip
        events.append(event("ecoeco", "Pod", "worker-ai-0", "NodeNotReady", "Node is not ready",
                            component="node-controller", last="2026-11-20T09:04:42Z"))  # fmt: skip
        # Older than the API's one-hour event TTL before the newest: the API would have dropped it.
        events.append(event("ecoeco", "Pod", "worker-ai-0", "Unhealthy", "Readiness probe failed: connection refused",
                            count=3, first="2026-11-20T07:58:10Z", last="2026-11-20T07:59:40Z", host=bad_node))  # fmt: skip

    for tnode in topo.by_role("infra"):
        name, image, port = {
            "rabbitmq": ("rabbitmq", "docker.io/library/rabbitmq:3.13-management", 5672),
            "postgresql": ("postgresql", "docker.io/library/postgres:16.4", 5432),
            "redis": ("redis", "docker.io/library/redis:7.4", 6379),
            "monitoring": ("prometheus", "quay.io/prometheus/prometheus:v2.54.1", 9090),
        }[tnode.domain]  # fmt: skip
        ns = "monitoring" if tnode.domain == "monitoring" else "data"
        selector = {"domain": tnode.domain}
        # Prometheus holds most of the monitoring node's memory (what Alertmanager then lacks).
        big = {"cpu": "500m", "memory": "2Gi"} if name == "prometheus" else None
        pods.append(pod(f"{name}-0", ns, tnode.name, image, labels={"app.kubernetes.io/name": name},
                        owner=("StatefulSet", name), node_selector=selector, tolerations=infra_toleration,
                        host_ip=ips[tnode.name], port=port, requests=big))  # fmt: skip
        statefulsets.append(statefulset(name, ns, image, selector, 1, 1))
    if degraded:
        # Incident 3: Alertmanager asks more memory than the monitoring node has free; the scheduler
        # nominated the node for a preemption that has not happened yet.
        msg = ("0/13 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {node.kubernetes.io/disk-pressure: }, "
               "11 node(s) didn't match Pod's node selector. preemption: 0/13 nodes are available: "
               "1 Insufficient memory, 12 Preemption is not helpful for scheduling.")  # fmt: skip
        p = pod("alertmanager-0", "monitoring", None, "quay.io/prometheus/alertmanager:v0.27.0",
                labels={"app.kubernetes.io/name": "alertmanager"}, owner=("StatefulSet", "alertmanager"), phase="Pending",
                ready=False, node_selector={"domain": "monitoring"}, tolerations=infra_toleration, port=9093,
                scheduled_message=msg, requests={"cpu": "500m", "memory": "2Gi"})  # fmt: skip
        pods.append(pending(p, "2026-11-20T09:03:30Z", nominated="k8s-monitoring"))
        statefulsets.append(statefulset("alertmanager", "monitoring", "quay.io/prometheus/alertmanager:v0.27.0",
                                        {"domain": "monitoring"}, 1, 0))  # fmt: skip
        events.append(series_event("monitoring", "Pod", "alertmanager-0", "FailedScheduling", msg,
                                   first="2026-11-20T09:03:30.700512Z", last="2026-11-20T09:11:58.310221Z", count=11))  # fmt: skip
        for node_name in ("k8s-worker-storage", "k8s-monitoring"):
            events.append(event("default", "Node", node_name, "EvictionThresholdMet", "Attempting to reclaim memory"
                                if node_name == "k8s-worker-storage" else "Attempting to reclaim ephemeral-storage",
                                count=4, first=PRESSURE_AT, last="2026-11-20T09:10:02Z", host=node_name))  # fmt: skip
        # More than the old 50-event cap of routine warnings, all older than the scheduler's latest
        # (whose eventTime is its *first* occurrence: sorting by it buried the newest news).
        for i in range(60):
            minute = 15 + i % 40
            events.append(event("ecoeco", "Pod", f"waste-api-probe-{i:02d}", "Unhealthy",
                                "Readiness probe failed: HTTP probe failed with statuscode: 503", count=2,
                                first=f"2026-11-20T08:{minute:02d}:00Z", last=f"2026-11-20T08:{minute:02d}:30Z"))  # fmt: skip

    return {
        "logs": logs(pods),
        "nodes": kind_list("NodeList", "v1", nodes),
        "pods": kind_list("PodList", "v1", pods),
        "deployments": kind_list("DeploymentList", "apps/v1", deployments),
        "statefulsets": kind_list("StatefulSetList", "apps/v1", statefulsets),
        "daemonsets": kind_list("DaemonSetList", "apps/v1", daemonsets),
        "events": kind_list("EventList", "v1", events),
    }


def main() -> None:
    for scenario in ("healthy", "incident", "degraded"):
        out = DATA / scenario
        out.mkdir(parents=True, exist_ok=True)
        for name, body in build(scenario).items():
            (out / f"{name}.json").write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
