"""What in-cluster controllers created in AWS and the cluster teardown left behind, by tag only.

The ALB controller and the EBS CSI driver tag everything they create with the project's tags
(``Project``, ``Environment``, ``ManagedBy=kubernetes``: group_vars ``project_tags``). After
``infra/ansible/teardown.yml`` deleted the Ingresses and volumes, anything still carrying those tags
blocks ``terraform destroy`` (ALBs and target groups hold the VPC, volumes cost money). This lists
them through the Resource Groups Tagging API and, with ``--delete``, deletes them in dependency
order: load balancers, then target groups, then security groups (after revoking rules that
reference them), then available volumes. Nothing is ever selected by anything but these tags
(the original script deleted every non-default VPC and every unattached volume of the region).

    uv run python infra/scripts/leftovers.py --environment prod            # list (exit 1 if any)
    uv run python infra/scripts/leftovers.py --environment prod --delete   # delete, then list
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import boto3

# Resource types, in the order they must go.
ORDER = (
    "elasticloadbalancing:loadbalancer",
    "elasticloadbalancing:targetgroup",
    "ec2:security-group",
    "ec2:volume",
)


def tag_filters(project: str, environment: str, managed_by: str) -> list[dict[str, Any]]:
    return [
        {"Key": "Project", "Values": [project]},
        {"Key": "Environment", "Values": [environment]},
        {"Key": "ManagedBy", "Values": [managed_by]},
    ]


def list_tagged(
    session: Any, filters: list[dict[str, Any]], endpoint_url: str | None = None
) -> dict[str, list[str]]:
    """ARNs carrying every one of the tags, by resource type (only the types of ORDER)."""
    client = session.client("resourcegroupstaggingapi", endpoint_url=endpoint_url)
    found: dict[str, list[str]] = {t: [] for t in ORDER}
    for page in client.get_paginator("get_resources").paginate(
        TagFilters=filters, ResourceTypeFilters=list(ORDER)
    ):
        for item in page["ResourceTagMappingList"]:
            arn = item["ResourceARN"]
            service, rest = arn.split(":")[2], arn.split(":", 5)[5]
            kind = rest.split("/")[0]
            key = f"{service}:{'volume' if kind == 'volume' else kind}"
            if service == "elasticloadbalancing":
                key = f"{service}:{'targetgroup' if kind == 'targetgroup' else 'loadbalancer'}"
            if key in found:
                found[key].append(arn)
    return found


def delete(
    session: Any, found: dict[str, list[str]], endpoint_url: str | None = None, wait_s: float = 300
) -> None:
    elb = session.client("elbv2", endpoint_url=endpoint_url)
    ec2 = session.client("ec2", endpoint_url=endpoint_url)
    for arn in found["elasticloadbalancing:loadbalancer"]:
        elb.delete_load_balancer(LoadBalancerArn=arn)
    if found["elasticloadbalancing:loadbalancer"]:
        elb.get_waiter("load_balancers_deleted").wait(
            LoadBalancerArns=found["elasticloadbalancing:loadbalancer"],
            WaiterConfig={"Delay": 5, "MaxAttempts": int(wait_s / 5)},
        )
    for arn in found["elasticloadbalancing:targetgroup"]:
        elb.delete_target_group(TargetGroupArn=arn)
    groups = [arn.rsplit("/", 1)[1] for arn in found["ec2:security-group"]]
    for group in groups:
        # Rules of other groups that reference this one keep it alive: revoke them first.
        for other in ec2.describe_security_groups()["SecurityGroups"]:
            for direction, perms in (
                ("ingress", other.get("IpPermissions", [])),
                ("egress", other.get("IpPermissionsEgress", [])),
            ):
                for perm in perms:
                    pairs = [p for p in perm.get("UserIdGroupPairs", []) if p.get("GroupId") == group]
                    if not pairs:
                        continue
                    rule = {k: v for k, v in perm.items() if k in ("IpProtocol", "FromPort", "ToPort")}
                    rule["UserIdGroupPairs"] = [{"GroupId": group}]
                    revoke = (
                        ec2.revoke_security_group_ingress
                        if direction == "ingress"
                        else ec2.revoke_security_group_egress
                    )
                    revoke(GroupId=other["GroupId"], IpPermissions=[rule])
    for group in groups:
        ec2.delete_security_group(GroupId=group)
    for arn in found["ec2:volume"]:
        volume = arn.rsplit("/", 1)[1]
        state = ec2.describe_volumes(VolumeIds=[volume])["Volumes"][0]["State"]
        if state == "available":
            ec2.delete_volume(VolumeId=volume)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--region", default="ap-northeast-2")
    p.add_argument("--project", default="ecoeco")
    p.add_argument("--environment", required=True)
    p.add_argument("--managed-by", default="kubernetes", help="ManagedBy tag of the controllers' resources")
    p.add_argument("--delete", action="store_true", help="delete what is found, then list again")
    p.add_argument("--endpoint-url", default=None, help="AWS endpoint (tests: a moto server)")
    args = p.parse_args(argv)
    session = boto3.Session(region_name=args.region)
    filters = tag_filters(args.project, args.environment, args.managed_by)
    found = list_tagged(session, filters, args.endpoint_url)
    if args.delete and any(found.values()):
        delete(session, found, args.endpoint_url)
        time.sleep(1)
        found = list_tagged(session, filters, args.endpoint_url)
    left = [arn for kind in ORDER for arn in found[kind]]
    for arn in left:
        print(arn)
    print(f"{len(left)} tagged resource(s) left", file=sys.stderr)
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
