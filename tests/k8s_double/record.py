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


def node(tnode: Any, index: int, ready: bool = True) -> dict:
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
    taints = [
        {"key": t.key, **({"value": t.value} if t.value else {}), "effect": t.effect} for t in tnode.taints
    ]
    beat = RECORDED if ready else "2026-11-20T09:03:58Z"
    if ready:
        ready_cond = {
            "type": "Ready",
            "status": "True",
            "lastHeartbeatTime": beat,
            "lastTransitionTime": CREATED,
            "reason": "KubeletReady",
            "message": "kubelet is posting ready status",
        }
    else:
        ready_cond = {
            "type": "Ready",
            "status": "Unknown",
            "lastHeartbeatTime": beat,
            "lastTransitionTime": "2026-11-20T09:04:41Z",
            "reason": "NodeStatusUnknown",
            "message": "Kubelet stopped posting node status.",
        }
        taints += [
            {
                "key": "node.kubernetes.io/unreachable",
                "effect": "NoSchedule",
                "timeAdded": "2026-11-20T09:04:41Z",
            },
            {
                "key": "node.kubernetes.io/unreachable",
                "effect": "NoExecute",
                "timeAdded": "2026-11-20T09:04:46Z",
            },
        ]
    pressure = [
        {
            "type": t,
            "status": "Unknown" if not ready else "False",
            "lastHeartbeatTime": beat,
            "lastTransitionTime": CREATED if ready else "2026-11-20T09:04:41Z",
            "reason": "NodeStatusUnknown" if not ready else r,
            "message": "Kubelet stopped posting node status." if not ready else m,
        }
        for t, r, m in (
            ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        )
    ]
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
            "providerID": f"aws:///{AZ[tnode.subnet_index % 3]}/{instance}",
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
            "conditions": [*pressure, ready_cond],
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
        scheduled_message: str | None = None) -> dict:  # fmt: skip
    cname = labels.get("app.kubernetes.io/name", name.rsplit("-", 1)[0])
    container: dict[str, Any] = {
        "name": cname,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}},
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
            {"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1], "uid": uid(namespace, owner[1]),
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
               updated: int | None = None, unavailable: int = 0, generation: int = 1) -> dict:  # fmt: skip
    labels = {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": "ecoeco",
        "app.kubernetes.io/managed-by": "Helm",
    }
    available = ready >= replicas
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
            "replicas": replicas + (1 if updated is not None and updated != replicas else 0),
            "updatedReplicas": updated if updated is not None else replicas,
            "readyReplicas": ready,
            "availableReplicas": ready,
            **({"unavailableReplicas": unavailable} if unavailable else {}),
            "conditions": [
                {"type": "Available", "status": "True" if available else "False", "lastUpdateTime": RECORDED,
                 "lastTransitionTime": RECORDED if not available else CREATED,
                 "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                 "message": "Deployment has minimum availability." if available else "Deployment does not have minimum availability."},
                {"type": "Progressing", "status": "True", "lastUpdateTime": RECORDED, "lastTransitionTime": CREATED,
                 "reason": "NewReplicaSetAvailable" if unavailable == 0 else "ReplicaSetUpdated",
                 "message": f'ReplicaSet "{name}-{short(name, n=10)}" has successfully progressed.'},
            ],
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
          host: str | None = None) -> dict:  # fmt: skip
    name = f"{obj}.{hashlib.sha1((obj + reason).encode()).hexdigest()[:16]}"
    return {
        "metadata": meta(name, namespace),
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


def kind_list(kind: str, api_version: str, items: list[dict]) -> dict:
    return {
        "kind": kind,
        "apiVersion": api_version,
        "metadata": {"resourceVersion": "4829113"},
        "items": items,
    }


def build(scenario: str) -> dict[str, dict]:
    incident = scenario == "incident"
    topo = load_topology()
    bad_node = "k8s-worker-ai"
    nodes, pods, deployments, statefulsets, events = [], [], [], [], []
    ips: dict[str, str] = {}
    for i, tnode in enumerate(topo.nodes):
        ready = not (incident and tnode.name == bad_node)
        nodes.append(node(tnode, i, ready=ready))
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
    for tnode in topo.nodes:
        for ds, image in (("kube-proxy", f"registry.k8s.io/kube-proxy:{VERSION}"), ("calico-node", "docker.io/calico/node:v3.28.2")):  # fmt: skip
            unreachable = incident and tnode.name == bad_node
            pods.append(pod(f"{ds}-{short(ds, tnode.name)}", "kube-system", tnode.name, image,
                            labels={"k8s-app": ds, "app.kubernetes.io/name": ds}, owner=("DaemonSet", ds),
                            tolerations=[{"operator": "Exists"}], host_ip=ips[tnode.name], port=None,
                            ready=not unreachable))  # fmt: skip

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
            events.append(event("ecoeco", "Pod", pname, "BackOff", f"Back-off restarting failed container {name} in pod {pname}_ecoeco({uid('ecoeco', pname)})",
                                count=71, first="2026-11-20T07:58:02Z", host=tnode.name))  # fmt: skip
            continue
        pods.append(pod(pname, "ecoeco", tnode.name, image, labels=labels, owner=("ReplicaSet", rs),
                        node_selector=selector, host_ip=ips[tnode.name]))  # fmt: skip
        if incident and tnode.domain == "recycle-info":
            new_image = f"{REGISTRY}/{name}:v1.4.3"
            new_rs = f"{name}-{short(name, 'v143', n=10)}"
            new_pod = f"{new_rs}-{short(name, 'v143pod')}"
            cs = container_status(
                name, new_image, ready=False,
                state={"waiting": {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{new_image}"'}},
            )  # fmt: skip
            new_labels = {**labels, "pod-template-hash": new_rs.rsplit("-", 1)[1]}
            pods.append(pod(new_pod, "ecoeco", tnode.name, new_image, labels=new_labels, owner=("ReplicaSet", new_rs),
                            phase="Pending", ready=False, cstatus=cs, node_selector=selector, host_ip=ips[tnode.name]))  # fmt: skip
            deployments.append(
                deployment(name, "ecoeco", new_image, selector, 1, 1, updated=1, unavailable=1, generation=2)
            )
            events.append(event("ecoeco", "Pod", new_pod, "Failed",
                                f'Failed to pull image "{new_image}": rpc error: code = NotFound desc = failed to pull and unpack image '
                                f'"{new_image}": failed to resolve reference "{new_image}": {new_image}: not found',
                                count=6, first="2026-11-20T08:51:10Z", host=tnode.name))  # fmt: skip
            events.append(event("ecoeco", "Pod", new_pod, "BackOff", f'Back-off pulling image "{new_image}"',
                                count=93, first="2026-11-20T08:51:12Z", host=tnode.name))  # fmt: skip
            continue
        deployments.append(deployment(name, "ecoeco", image, selector, 1, 1))

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
                pods.append(pod(pname, "ecoeco", None, image, labels=labels, owner=("StatefulSet", name), phase="Pending",
                                ready=False, node_selector=selector, port=9100, scheduled_message=msg))  # fmt: skip
                events.append(event("ecoeco", "Pod", pname, "FailedScheduling", msg, count=14,
                                    first="2026-11-20T09:05:02Z", component="default-scheduler"))  # fmt: skip
                continue
            down = incident and tnode.name == bad_node
            pods.append(pod(pname, "ecoeco", tnode.name, image, labels=labels, owner=("StatefulSet", name),
                            ready=not down, node_selector=selector, host_ip=ips[tnode.name], port=9100))  # fmt: skip
        ready = 0 if incident and tnode.name == bad_node else replicas
        statefulsets.append(statefulset(name, "ecoeco", image, selector, replicas, ready))
    if incident:
        events.append(event("default", "Node", bad_node, "NodeNotReady", f"Node {bad_node} status is now: NodeNotReady",
                            type_="Normal", component="node-controller", last="2026-11-20T09:04:41Z"))  # fmt: skip
        events.append(event("ecoeco", "Pod", "worker-ai-0", "NodeNotReady", "Node is not ready",
                            component="node-controller", last="2026-11-20T09:04:42Z"))  # fmt: skip

    for tnode in topo.by_role("infra"):
        name, image, port = {
            "rabbitmq": ("rabbitmq", "docker.io/library/rabbitmq:3.13-management", 5672),
            "postgresql": ("postgresql", "docker.io/library/postgres:16.4", 5432),
            "redis": ("redis", "docker.io/library/redis:7.4", 6379),
            "monitoring": ("prometheus", "quay.io/prometheus/prometheus:v2.54.1", 9090),
        }[tnode.domain]  # fmt: skip
        ns = "monitoring" if tnode.domain == "monitoring" else "data"
        selector = {"domain": tnode.domain}
        pods.append(pod(f"{name}-0", ns, tnode.name, image, labels={"app.kubernetes.io/name": name},
                        owner=("StatefulSet", name), node_selector=selector, tolerations=infra_toleration,
                        host_ip=ips[tnode.name], port=port))  # fmt: skip
        statefulsets.append(statefulset(name, ns, image, selector, 1, 1))

    return {
        "nodes": kind_list("NodeList", "v1", nodes),
        "pods": kind_list("PodList", "v1", pods),
        "deployments": kind_list("DeploymentList", "apps/v1", deployments),
        "statefulsets": kind_list("StatefulSetList", "apps/v1", statefulsets),
        "events": kind_list("EventList", "v1", events),
    }


def main() -> None:
    for scenario in ("healthy", "incident"):
        out = DATA / scenario
        out.mkdir(parents=True, exist_ok=True)
        for name, body in build(scenario).items():
            (out / f"{name}.json").write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
