"""What the in-cluster controllers created in AWS outside Terraform: load balancers, target groups and
security groups of the AWS Load Balancer Controller, volumes of the EBS CSI driver. Terraform does not
know them, so they block ``terraform destroy`` (they hold the VPC: domain.md incident 10) and a rebuild
(names taken: incident 9).

Selected by tags only, and by two at once: the project's own (``Project``, ``Environment``; the charts
pass them as the controllers' default tags) **and** a controller's own marker (``elbv2.k8s.aws/cluster``
= the cluster or an ``ingress.k8s.aws/*`` key; ``ebs.csi.aws.com/cluster`` or
``kubernetes.io/created-for/pvc/name``). The seed's script deleted every non-default VPC and every
unattached volume of the region; nothing here is ever chosen by anything else.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ecoeco.console.aws import aws_error, client
from ecoeco.console.config import Profile
from ecoeco.console.errors import OperatorError
from ecoeco.console.ops.base import CancelToken, Emit, ItemStatus
from ecoeco.shared.topology import load_topology

__all__ = ["Leftover", "delete_leftovers", "find_leftovers", "scope"]

PROJECT = "ecoeco"
ALB_CLUSTER_TAG = "elbv2.k8s.aws/cluster"
INGRESS_TAG_PREFIX = "ingress.k8s.aws/"
EBS_TAGS = ("ebs.csi.aws.com/cluster", "kubernetes.io/created-for/pvc/name")
PVC_NAME_TAG = "kubernetes.io/created-for/pvc/name"
PVC_NS_TAG = "kubernetes.io/created-for/pvc/namespace"
# Deletion order: what holds something goes first.
ORDER = ("load-balancer", "target-group", "security-group", "volume")
LB_GONE_WAIT_S = 300.0


@dataclass(frozen=True)
class Leftover:
    kind: str  # one of ORDER
    id: str  # ARN (load balancers, target groups) or AWS id (sg-..., vol-...)
    name: str
    created_by: str  # "alb-controller" | "ebs-csi"
    blocker: str = ""  # why it cannot be deleted now (it would be left behind), empty when it can

    def line(self) -> str:
        text = f"{self.kind} {self.name} ({self.id}) by the {self.created_by}"
        return text + (f": CANNOT DELETE, {self.blocker}" if self.blocker else "")

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def scope(profile: Profile) -> dict[str, str]:
    """The tags everything selected must carry, besides a controller's marker."""
    return {"Project": PROJECT, "Environment": profile.environment}


def _tags(items: list[dict[str, Any]] | None) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in items or []}


def _ours(tags: dict[str, str], wanted: dict[str, str]) -> bool:
    return all(tags.get(k) == v for k, v in wanted.items())


def _alb_marked(tags: dict[str, str], cluster: str) -> bool:
    return tags.get(ALB_CLUSTER_TAG) == cluster or any(k.startswith(INGRESS_TAG_PREFIX) for k in tags)


def _elb_tags(elb: Any, arns: list[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for i in range(0, len(arns), 20):  # describe_tags takes at most 20
        for d in elb.describe_tags(ResourceArns=arns[i : i + 20])["TagDescriptions"]:
            out[d["ResourceArn"]] = _tags(d.get("Tags"))
    return out


def find_leftovers(profile: Profile) -> tuple[list[Leftover], tuple[str, ...]]:
    """Every controller-made resource of this environment, in deletion order, each with what would
    stop its deletion (and the secrets the clients learned). Read-only."""
    cluster = load_topology().cluster
    wanted = scope(profile)
    elb, secrets = client(profile, "elbv2")
    ec2, _ = client(profile, "ec2")
    found: list[Leftover] = []
    try:
        lbs = [
            lb
            for page in elb.get_paginator("describe_load_balancers").paginate()
            for lb in page["LoadBalancers"]
        ]
        lb_tags = _elb_tags(elb, [lb["LoadBalancerArn"] for lb in lbs])
        our_lbs = set()
        for lb in lbs:
            tags = lb_tags.get(lb["LoadBalancerArn"], {})
            if _ours(tags, wanted) and _alb_marked(tags, cluster):
                our_lbs.add(lb["LoadBalancerArn"])
                found.append(
                    Leftover("load-balancer", lb["LoadBalancerArn"], lb["LoadBalancerName"], "alb-controller")
                )
        tgs = [
            tg
            for page in elb.get_paginator("describe_target_groups").paginate()
            for tg in page["TargetGroups"]
        ]
        tg_tags = _elb_tags(elb, [tg["TargetGroupArn"] for tg in tgs])
        for tg in tgs:
            tags = tg_tags.get(tg["TargetGroupArn"], {})
            if _ours(tags, wanted) and _alb_marked(tags, cluster):
                found.append(
                    Leftover("target-group", tg["TargetGroupArn"], tg["TargetGroupName"], "alb-controller")
                )
        filters = [{"Name": f"tag:{k}", "Values": [v]} for k, v in wanted.items()]
        groups = ec2.describe_security_groups(Filters=filters)["SecurityGroups"]
        for g in groups:
            tags = _tags(g.get("Tags"))
            if not _alb_marked(tags, cluster):
                continue
            # An interface outside the load balancers being deleted keeps the group alive.
            enis = ec2.describe_network_interfaces(Filters=[{"Name": "group-id", "Values": [g["GroupId"]]}])
            users = [
                e["NetworkInterfaceId"]
                for e in enis.get("NetworkInterfaces", [])
                if not str(e.get("Description") or "").startswith("ELB ")
            ]
            blocker = f"in use by {', '.join(users)}" if users else ""
            found.append(
                Leftover("security-group", g["GroupId"], g.get("GroupName", ""), "alb-controller", blocker)
            )
        seen: set[str] = set()
        for marker in EBS_TAGS:
            vols = ec2.describe_volumes(Filters=[*filters, {"Name": "tag-key", "Values": [marker]}])[
                "Volumes"
            ]
            for v in vols:
                if v["VolumeId"] in seen:
                    continue
                seen.add(v["VolumeId"])
                tags = _tags(v.get("Tags"))
                pvc = tags.get(PVC_NAME_TAG)
                name = f"{tags.get(PVC_NS_TAG, '?')}/{pvc}" if pvc else tags.get("Name", v["VolumeId"])
                attached = [a.get("InstanceId", "?") for a in v.get("Attachments", [])]
                blocker = (
                    f"attached to {', '.join(attached)} ({v.get('State')}): delete its PVC first "
                    "(infra/ansible/teardown.yml) so the EBS CSI driver detaches it"
                    if v.get("State") != "available"
                    else ""
                )
                found.append(Leftover("volume", v["VolumeId"], name, "ebs-csi", blocker))
    except Exception as exc:
        raise OperatorError(f"cannot list what the controllers left in AWS: {aws_error(exc)}") from exc
    found.sort(key=lambda x: (ORDER.index(x.kind), x.name))
    return found, secrets


def _revoke_references(ec2: Any, group_id: str) -> int:
    """Rules of other groups that name ``group_id`` keep it alive (the ALB controller adds one to the
    nodes' group): revoke exactly those."""
    revoked = 0
    for other in ec2.describe_security_groups()["SecurityGroups"]:
        for perms, revoke in (
            (other.get("IpPermissions", []), ec2.revoke_security_group_ingress),
            (other.get("IpPermissionsEgress", []), ec2.revoke_security_group_egress),
        ):
            for perm in perms:
                if not any(p.get("GroupId") == group_id for p in perm.get("UserIdGroupPairs", [])):
                    continue
                rule = {k: v for k, v in perm.items() if k in ("IpProtocol", "FromPort", "ToPort")}
                rule["UserIdGroupPairs"] = [{"GroupId": group_id}]
                revoke(GroupId=other["GroupId"], IpPermissions=[rule])
                revoked += 1
    return revoked


def delete_leftovers(
    profile: Profile,
    items: list[Leftover],
    emit: Emit,
    cancel: CancelToken,
    *,
    wait_s: float = LB_GONE_WAIT_S,
    sleep: Callable[[float], bool] | None = None,
) -> list[str]:
    """Delete ``items`` in order (cancellable between two); returns the failures, one line each."""
    elb, _ = client(profile, "elbv2")
    ec2, _ = client(profile, "ec2")
    pause = sleep or cancel.wait
    failures: list[str] = []
    for item in items:
        if item.blocker:
            failures.append(item.line())
            emit(ItemStatus(item.name, "skipped", detail=item.blocker, group=item.kind))
            continue
        cancel.check()
        emit(ItemStatus(item.name, "running", detail=item.id, group=item.kind))
        try:
            if item.kind == "load-balancer":
                elb.delete_load_balancer(LoadBalancerArn=item.id)
                _wait_gone(elb, item.id, wait_s, pause)
            elif item.kind == "target-group":
                elb.delete_target_group(TargetGroupArn=item.id)
            elif item.kind == "security-group":
                _revoke_references(ec2, item.id)
                ec2.delete_security_group(GroupId=item.id)
            elif item.kind == "volume":
                ec2.delete_volume(VolumeId=item.id)
        except Exception as exc:  # noqa: BLE001 - one failure does not stop the others; it is reported
            failures.append(f"{item.kind} {item.name} ({item.id}): {aws_error(exc)}")
            emit(ItemStatus(item.name, "failed", detail=aws_error(exc), group=item.kind))
            continue
        emit(ItemStatus(item.name, "ok", detail="deleted", group=item.kind))
    return failures


def _wait_gone(elb: Any, arn: str, wait_s: float, pause: Callable[[float], bool]) -> None:
    """A load balancer holds its interfaces (and so its security group) until it is really gone."""
    import botocore.exceptions

    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            if not elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"]:
                return
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "LoadBalancerNotFound":
                return
            raise
        if pause(5.0):
            return
    raise OperatorError(f"load balancer {arn} still there after {wait_s:g}s")
