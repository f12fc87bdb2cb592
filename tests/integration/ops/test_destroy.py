"""destroy.leftovers and destroy.cleanup against EC2 and ELBv2 as moto's server mode answers them, then
terraform destroy of the sandbox module with the real binary: what the ALB controller and the EBS CSI
driver left is deleted (and only that: chosen by the project's tags and a controller's marker), a
volume still attached stops everything and is named, a leftover made after the plan stops terraform."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.integration.ops.conftest import TERRAFORM, Recorder, audit_records, needs_terraform

from ecoeco.console.errors import OperatorError
from ecoeco.console.ops import ItemStatus, OperationRunner, Refused
from ecoeco.console.ops.destroy import DestroyLeftovers, DestroyWithCleanup
from ecoeco.console.ops.terraform import TerraformApply, TerraformInit
from ecoeco.console.sandbox_infra import TERRAFORM_DIR

WAIT = 300.0
REGIONS = iter(["eu-central-1", "us-east-2", "ap-southeast-2", "eu-south-1", "ap-southeast-1"])

pytestmark = needs_terraform


@pytest.fixture(autouse=True)
def _quiet(quiet_terraform: None) -> None:
    pass


class Aws:
    """The controllers' side: what the ALB controller and the EBS CSI driver create, plus decoys."""

    def __init__(self, url: str, region: str) -> None:
        kw: dict[str, Any] = {
            "endpoint_url": url,
            "region_name": region,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        self.ec2 = boto3.client("ec2", **kw)
        self.elb = boto3.client("elbv2", **kw)
        self.region = region
        self.vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        self.subnets = [
            self.ec2.create_subnet(
                VpcId=self.vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{region}{z}"
            )["Subnet"]["SubnetId"]
            for i, z in enumerate("ab")
        ]
        self.nodes_sg = self.ec2.create_security_group(
            GroupName=f"nodes-{uuid.uuid4().hex[:6]}", Description="nodes (terraform)", VpcId=self.vpc,
            TagSpecifications=[{"ResourceType": "security-group", "Tags": tags(ManagedBy="terraform")}],
        )["GroupId"]  # fmt: skip

    def alb(self, name: str, env: str = "staging") -> tuple[str, str, str]:
        t = tags(env, **{"elbv2.k8s.aws/cluster": "ecoeco", "ingress.k8s.aws/stack": "api"})
        sg = self.ec2.create_security_group(
            GroupName=f"k8s-{name}", Description="managed LoadBalancer securityGroup by ALB Ingress Controller",
            VpcId=self.vpc, TagSpecifications=[{"ResourceType": "security-group", "Tags": t}],
        )["GroupId"]  # fmt: skip
        # The controller lets the ALB's group into the nodes' group: that rule holds the group.
        self.ec2.authorize_security_group_ingress(
            GroupId=self.nodes_sg,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 30000, "ToPort": 32767,
                            "UserIdGroupPairs": [{"GroupId": sg}]}],
        )  # fmt: skip
        lb = self.elb.create_load_balancer(
            Name=f"k8s-{name}", Subnets=self.subnets, SecurityGroups=[sg], Tags=t
        )["LoadBalancers"][0]["LoadBalancerArn"]
        tg = self.elb.create_target_group(
            Name=f"k8s-{name}-tg", Protocol="HTTP", Port=80, VpcId=self.vpc, TargetType="instance", Tags=t
        )["TargetGroups"][0]["TargetGroupArn"]
        return lb, tg, sg

    def volume(self, pvc: str, env: str = "staging", **extra: str) -> str:
        t = tags(env, **{"ebs.csi.aws.com/cluster": "true", "kubernetes.io/created-for/pvc/name": pvc,
                         "kubernetes.io/created-for/pvc/namespace": "data"}, **extra)  # fmt: skip
        return self.ec2.create_volume(
            AvailabilityZone=f"{self.region}a", Size=10,
            TagSpecifications=[{"ResourceType": "volume", "Tags": t}],
        )["VolumeId"]  # fmt: skip


def tags(env: str = "staging", **extra: str) -> list[dict[str, str]]:
    base = {"Project": "ecoeco", "Environment": env, "ManagedBy": "kubernetes"} | extra
    return [{"Key": k, "Value": v} for k, v in base.items()]


@pytest.fixture
def aws(moto_url: str) -> Aws:
    return Aws(moto_url, next(REGIONS))


@pytest.fixture
def runner(
    aws: Aws, moto_url: str, tmp_path: Path, make_runner: Callable[..., OperationRunner]
) -> OperationRunner:
    r = make_runner(
        aws_endpoint_url=moto_url,
        aws_region=aws.region,
        terraform_dir=str(TERRAFORM_DIR),
        terraform_bin=TERRAFORM,
        terraform_backend_config=[f"path={tmp_path / 'tfstate'}"],
    )
    assert r.run(r.plan(TerraformInit(), {}), timeout=WAIT).result == "succeeded"
    assert r.run(r.plan(TerraformApply(), {}), confirm="staging", timeout=WAIT).result == "succeeded"
    return r


def test_leftovers_are_deleted_then_terraform_destroys(
    aws: Aws, runner: OperationRunner, recorder: Recorder, state: Path, tmp_path: Path
) -> None:
    lb, tg, sg = aws.alb("api")
    vol = aws.volume("postgres-data")
    # Decoys: another environment's, an unattached volume with no controller marker, the nodes' group.
    other_env_vol = aws.volume("other", env="prod")
    plain = aws.ec2.create_volume(
        AvailabilityZone=f"{aws.region}a", Size=1,
        TagSpecifications=[{"ResourceType": "volume", "Tags": tags()}],
    )["VolumeId"]  # fmt: skip

    listed = runner.run(runner.plan(DestroyLeftovers(), {}))
    assert listed.result == "succeeded"
    assert [(x["kind"], x["id"]) for x in listed.data["leftovers"]] == [
        ("load-balancer", lb), ("target-group", tg), ("security-group", sg), ("volume", vol),
    ]  # fmt: skip

    plan = runner.plan(DestroyWithCleanup(), {})
    text = "\n".join(plan.summary)
    assert (
        "4 resource(s) the controllers created outside Terraform (tags Project=ecoeco, Environment=staging)"
        in text
    )
    assert f"volume data/postgres-data ({vol}) by the ebs-csi" in text
    assert "Plan: 0 to add, 0 to change, 20 to destroy." in text
    with pytest.raises(Refused):
        runner.run(plan, confirm="staging")  # the second phrase is missing
    outcome = runner.run(plan, confirm="staging", confirm_phrase="destroy staging", timeout=WAIT)
    assert outcome.result == "succeeded", outcome.message
    assert outcome.message.startswith("4 leftover(s) deleted; destroyed: 0 added, 0 changed, 20 destroyed")

    assert aws.elb.describe_load_balancers()["LoadBalancers"] == []
    assert aws.elb.describe_target_groups()["TargetGroups"] == []
    groups = {g["GroupId"] for g in aws.ec2.describe_security_groups()["SecurityGroups"]}
    assert sg not in groups and aws.nodes_sg in groups
    volumes = {v["VolumeId"] for v in aws.ec2.describe_volumes()["Volumes"]}
    assert vol not in volumes and {other_env_vol, plain} <= volumes
    deleted = [e.item for e in recorder.of(ItemStatus) if e.state == "ok" and e.detail == "deleted"]
    assert deleted == ["k8s-api", "k8s-api-tg", "k8s-api", "data/postgres-data"]
    end = [r for r in audit_records(state) if r["operation"] == "destroy.cleanup" and r["record"] == "end"]
    assert end[0]["result"] == "succeeded"


def test_an_attached_volume_refuses_before_anything_is_deleted(aws: Aws, runner: OperationRunner) -> None:
    lb, _, _ = aws.alb("web")
    vol = aws.volume("redis-data")
    instance = aws.ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=aws.subnets[0])[
        "Instances"
    ][0]["InstanceId"]
    aws.ec2.attach_volume(VolumeId=vol, InstanceId=instance, Device="/dev/sdf")
    with pytest.raises(OperatorError) as err:
        runner.plan(DestroyWithCleanup(), {})
    message = str(err.value)
    assert "refusing to destroy: 1 resource(s) would be left behind" in message
    assert f"volume data/redis-data ({vol})" in message and instance in message
    assert "delete its PVC first" in message
    # Nothing was touched.
    assert [x["LoadBalancerArn"] for x in aws.elb.describe_load_balancers()["LoadBalancers"]] == [lb]


def test_a_leftover_made_after_the_plan_stops_terraform(
    aws: Aws, runner: OperationRunner, tmp_path: Path
) -> None:
    aws.volume("first")
    plan = runner.plan(DestroyWithCleanup(), {})
    late = aws.volume("made-after-the-plan")
    outcome = runner.run(plan, confirm="staging", confirm_phrase="destroy staging", timeout=WAIT)
    assert outcome.result == "failed"
    assert "refusing terraform destroy: 1 resource(s) would be left behind" in outcome.message
    assert late in outcome.message
    # Terraform did not run: its state still has every node.
    assert '"terraform_data"' in (tmp_path / "tfstate").read_text()


def test_read_only_lists_leftovers_and_hides_the_destroy(
    aws: Aws, moto_url: str, make_runner: Callable[..., OperationRunner]
) -> None:
    aws.volume("x")
    r = make_runner(aws_endpoint_url=moto_url, aws_region=aws.region, read_only=True)
    assert len(r.run(r.plan(DestroyLeftovers(), {})).data["leftovers"]) == 1
    assert r.unavailable(DestroyWithCleanup())
