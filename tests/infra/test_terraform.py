"""Static checks of infra/terraform, parsed with python-hcl2 (no provider can be downloaded here)."""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
from pathlib import Path
from typing import Any

import hcl2
import pytest
from infracheck import TERRAFORM_DIR
from infracheck.offline_terraform import TerraformError, terraform
from infracheck.plan_count import UnsupportedExpression, plan_counts
from infracheck.references import all_problems
from infracheck.terraform import Expr, Module, load_module, walk_modules

# Ports of the data stores and the broker (and their admin/metrics ports): never on the internet.
PRIVATE_PORTS = {5432, 5672, 15672, 15692, 25672, 4369, 6379, 9121, 9187, 2379, 2380, 10250, 6443, 22}
WORLD = {"0.0.0.0/0", "::/0"}

needs_terraform = pytest.mark.skipif(
    shutil.which("terraform") is None, reason="terraform binary not installed"
)


@needs_terraform
def test_terraform_fmt_is_clean() -> None:
    proc = terraform(["fmt", "-check", "-recursive", "-diff", "-no-color"], TERRAFORM_DIR)
    assert proc.stdout == ""


@needs_terraform
def test_terraform_fmt_check_catches_misformatted_code(tmp_path: Path) -> None:
    (tmp_path / "bad.tf").write_text('locals {\na="x"\n}\n', encoding="utf-8")
    with pytest.raises(TerraformError):
        terraform(["fmt", "-check", "-recursive", "-no-color"], tmp_path)


def test_every_reference_resolves(root_module: Module) -> None:
    assert all_problems(root_module) == []


def test_reference_check_reports_a_typo(tmp_path: Path) -> None:
    copy = tmp_path / "terraform"
    shutil.copytree(TERRAFORM_DIR, copy, ignore=shutil.ignore_patterns(".terraform"))
    s3 = copy / "s3.tf"
    s3.write_text(s3.read_text().replace("var.image_retention_days", "var.image_retention_dayz"))
    main = copy / "main.tf"
    main.write_text(
        re.sub(r"az_count( +)= var.az_count", r"az_count\1= var.az_count\n  azs = 3", main.read_text())
    )
    (copy / "variables.tf").write_text(
        (copy / "variables.tf").read_text() + 'variable "unused" {\n  type = string\n}\n'
    )
    problems = all_problems(load_module(copy))
    assert any("var.image_retention_dayz" in p for p in problems)
    assert any("unused variable 'unused'" in p for p in problems)
    assert any("unknown argument 'azs'" in p for p in problems)


def test_instances_come_from_the_topology_via_for_each(root_module: Module) -> None:
    topo = root_module.child("topology")
    assert "yamldecode(file(var.topology_file))" in topo.locals["topology"]
    assert root_module.locals["topology_file"].endswith('"${path.module}/../topology.yaml"')
    assert root_module.modules["ec2"]["nodes"] == "module.topology.nodes"
    (instance,) = root_module.child("ec2").resources_of("aws_instance")
    assert instance.body["for_each"] == "var.nodes"
    assert instance.body["instance_type"] == "each.value.instance_type"
    (disk,) = instance.body["root_block_device"]
    assert disk["volume_type"] == "gp3"
    assert disk["volume_size"] == "each.value.root_disk_gb"
    assert disk["encrypted"] is True
    assert "user_data" in instance.body
    assert instance.body["iam_instance_profile"] == "var.iam_instance_profile"


def test_a_plan_would_create_13_instances_in_3_subnets() -> None:
    counts = plan_counts()
    assert counts["module.ec2/aws_instance"] == 13
    assert counts["module.vpc/aws_subnet"] == 3
    assert counts["module.vpc/aws_route_table_association"] == 3
    assert plan_counts(variables={"az_count": 2})["module.vpc/aws_subnet"] == 2
    # The Ingress hosts' records wait for the controller's ALB (a second apply, infra/README.md).
    assert counts["aws_route53_record"] == 4  # three certificate validations and the CDN alias


def test_plan_count_refuses_expressions_it_does_not_understand(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  count = max(1, 2)\n}\n')
    with pytest.raises(UnsupportedExpression):
        plan_counts(tmp_path)


def _ingress_rules(mod: Module) -> list[dict[str, Any]]:
    """Every ingress rule of a module, for_each expanded over its literal local maps."""
    rules = []
    for res in mod.resources_of("aws_vpc_security_group_ingress_rule"):
        body = res.body
        items = mod.locals[body["for_each"].removeprefix("local.")] if "for_each" in body else {"": {}}
        for key, item in items.items():

            def field(name: str, item: dict[str, Any] = item, body: dict[str, Any] = body) -> Any:
                value = body.get(name)
                if isinstance(value, Expr) and value.startswith("each.value."):
                    return item.get(value.removeprefix("each.value."))
                return value

            rules.append(
                {
                    "name": f"{res.name}[{key}]",
                    "from": field("from_port"),
                    "to": field("to_port"),
                    "protocol": field("ip_protocol"),
                    "cidr": field("cidr_ipv4") or field("cidr_ipv6"),
                    "source_sg": field("referenced_security_group_id"),
                    "sg": body["security_group_id"],
                }
            )
    return rules


@pytest.fixture(scope="module")
def sg_rules(root_module: Module) -> list[dict[str, Any]]:
    return _ingress_rules(root_module.child("security_groups"))


def test_calico_vxlan_and_typha_are_open_between_nodes(sg_rules: list[dict[str, Any]]) -> None:
    node_to_node = {
        (r["from"], r["to"], r["protocol"])
        for r in sg_rules
        if r["sg"] == "aws_security_group.nodes.id" and r["source_sg"] == "aws_security_group.nodes.id"
    }
    assert (4789, 4789, "udp") in node_to_node  # Calico VXLAN
    assert (5473, 5473, "tcp") in node_to_node  # Typha: closing it took every node NotReady (incident 11)
    assert (10250, 10250, "tcp") in node_to_node  # kubelet
    assert (30000, 32767, "tcp") in node_to_node  # NodePorts


def test_control_plane_ports_are_open_only_to_the_cluster_and_admins(sg_rules: list[dict[str, Any]]) -> None:
    cp = [r for r in sg_rules if r["sg"] == "aws_security_group.control_plane.id"]
    assert {(r["from"], r["to"]) for r in cp if r["source_sg"] == "aws_security_group.nodes.id"} == {
        (6443, 6443)
    }
    etcd = [r for r in cp if r["from"] == 2379]
    assert etcd and all(r["source_sg"] == "aws_security_group.control_plane.id" for r in etcd)
    ssh = [r for r in sg_rules if r["from"] == 22]
    assert ssh and all(r["cidr"] == "var.ssh_allowed_cidr" for r in ssh)


def test_nothing_but_http_and_https_is_open_to_the_internet(sg_rules: list[dict[str, Any]]) -> None:
    world = [r for r in sg_rules if r["cidr"] in WORLD]
    assert world, "the ALB must accept HTTP(S) from the internet"
    assert {(r["from"], r["to"]) for r in world} == {(80, 80), (443, 443)}
    for r in world:
        assert not any(r["from"] <= p <= r["to"] for p in PRIVATE_PORTS), r


def test_ssh_cidr_variable_rejects_the_whole_internet(tmp_path: Path) -> None:
    if shutil.which("terraform") is None:
        pytest.skip("terraform binary not installed")
    shutil.copy(TERRAFORM_DIR / "variables.tf", tmp_path / "variables.tf")
    terraform(["init", "-backend=false", "-input=false", "-no-color"], tmp_path)
    with pytest.raises(TerraformError, match="not 0.0.0.0/0"):
        terraform(["plan", "-no-color", "-var", "ssh_allowed_cidr=0.0.0.0/0", "-var", "key_name=k"], tmp_path)
    terraform(
        ["plan", "-no-color", "-var", "ssh_allowed_cidr=203.0.113.10/32", "-var", "key_name=k"], tmp_path
    )


def test_cloudfront_certificate_is_issued_in_us_east_1(root_module: Module) -> None:
    (east,) = [p for p in root_module.providers if p.get("alias") == "us_east_1"]
    assert east["region"] == "us-east-1"
    cert = root_module.resources["aws_acm_certificate.cdn"].body
    validation = root_module.resources["aws_acm_certificate_validation.cdn"].body
    assert cert["provider"] == "aws.us_east_1"
    assert validation["provider"] == "aws.us_east_1"
    (viewer,) = root_module.resources["aws_cloudfront_distribution.images"].body["viewer_certificate"]
    assert viewer["acm_certificate_arn"] == "aws_acm_certificate_validation.cdn.certificate_arn"
    # The ALB certificate stays regional.
    assert "provider" not in root_module.resources["aws_acm_certificate.api"].body


def test_cloudfront_reads_the_bucket_through_origin_access_control(root_module: Module) -> None:
    assert not root_module.resources_of("aws_cloudfront_origin_access_identity")
    (origin,) = root_module.resources["aws_cloudfront_distribution.images"].body["origin"]
    assert origin["origin_access_control_id"] == "aws_cloudfront_origin_access_control.images.id"
    oac = root_module.resources["aws_cloudfront_origin_access_control.images"].body
    assert (oac["signing_behavior"], oac["signing_protocol"]) == ("always", "sigv4")


def test_image_bucket_is_private_encrypted_versioned_and_expires_at_90_days(root_module: Module) -> None:
    res = root_module.resources
    (rule,) = res["aws_s3_bucket_lifecycle_configuration.images"].body["rule"]
    (expiration,) = rule["expiration"]
    assert expiration["days"] == "var.image_retention_days"
    assert root_module.variables["image_retention_days"]["default"] == 90
    assert rule["status"] == "Enabled"
    block = res["aws_s3_bucket_public_access_block.images"].body
    assert all(
        block[k] is True
        for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    (versioning,) = res["aws_s3_bucket_versioning.images"].body["versioning_configuration"]
    assert versioning["status"] == "Enabled"
    assert res["aws_s3_bucket_server_side_encryption_configuration.images"].body["rule"]
    (cors,) = res["aws_s3_bucket_cors_configuration.images"].body["cors_rule"]
    assert cors["allowed_origins"] == ["https://${local.api_domain}"]
    assert "PUT" in cors["allowed_methods"]


def test_every_resource_carries_the_project_tags(root_module: Module) -> None:
    tags = root_module.locals["tags"]
    assert set(tags) >= {"Project", "Environment", "ManagedBy"}
    assert len(root_module.providers) == 2
    for provider in root_module.providers:
        (default_tags,) = provider["default_tags"]
        assert default_tags["tags"] == "local.tags"
    # default_tags do not reach root volumes; the instances tag them explicitly.
    assert root_module.modules["ec2"]["volume_tags"] == "local.tags"
    (instance,) = root_module.child("ec2").resources_of("aws_instance")
    (disk,) = instance.body["root_block_device"]
    assert "var.volume_tags" in disk["tags"]


def test_alb_controller_policy_is_defined_once(root_module: Module) -> None:
    policies = [r for mod in walk_modules(root_module).values() for r in mod.resources_of("aws_iam_policy")]
    alb = [p for p in policies if "alb-controller.json" in str(p.body["policy"])]
    assert len(alb) == 1 and alb[0].file == "alb-controller-iam.tf"
    names = [str(p.body["name"]) for p in policies]
    assert len(names) == len(set(names))
    doc = json.loads((TERRAFORM_DIR / "policies" / "alb-controller.json").read_text())
    actions = {
        a for s in doc["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert "elasticloadbalancing:CreateLoadBalancer" in actions
    assert "ec2:DescribeAvailabilityZones" in actions


def test_state_backend_is_s3_with_locking_and_can_be_switched_off(root_module: Module) -> None:
    backends = [b for t in root_module.terraform for b in t.get("backend", [])]
    assert [list(b) for b in backends] == [["s3"]]
    example = hcl2.loads((TERRAFORM_DIR / "backend.s3.hcl.example").read_text())
    assert example["use_lockfile"] is True
    override = (TERRAFORM_DIR / "local_backend_override.tf.example").read_text()
    assert 'backend "local"' in override


def test_tfvars_example_sets_every_variable_without_default(root_module: Module) -> None:
    example = hcl2.loads((TERRAFORM_DIR / "terraform.tfvars.example").read_text())
    required = {name for name, v in root_module.variables.items() if "default" not in v}
    assert required == {"ssh_allowed_cidr", "key_name"}
    assert required <= set(example)
    assert set(example) <= set(root_module.variables)
    cidr = ipaddress.ip_network(example["ssh_allowed_cidr"].strip('"'))
    assert cidr.prefixlen > 0


def test_outputs_cover_what_ansible_and_the_console_read(root_module: Module) -> None:
    assert {
        "master_public_ip",
        "node_public_ips",
        "vpc_id",
        "acm_certificate_arn",
        "ansible_inventory",
        "node_map_json",
        "cloudfront_distribution_id",
    } <= set(root_module.outputs)


def test_no_file_but_topology_yaml_names_a_node(nodes: list[dict[str, Any]]) -> None:
    from infracheck import CHARTS_DIR, INFRA_DIR, TOPOLOGY_FILE

    names = [n["name"] for n in nodes]
    offenders = []
    for base in (INFRA_DIR, CHARTS_DIR):
        for path in base.rglob("*"):
            if path.is_file() and path != TOPOLOGY_FILE and ".terraform" not in path.parts:
                text = path.read_text(encoding="utf-8", errors="ignore")
                offenders += [f"{path}: {n}" for n in names if n in text]
    assert offenders == []


def test_plan_fails_early_when_the_vcpu_quota_is_too_low(root_module: Module) -> None:
    quota = root_module.data["aws_servicequotas_service_quota.ec2_vcpus"].body
    assert (quota["service_code"], quota["quota_code"]) == ("ec2", "L-1216C47A")
    (lifecycle,) = quota["lifecycle"]
    (post,) = lifecycle["postcondition"]
    assert post["condition"] == "self.value >= module.topology.required_vcpus"


def test_every_variable_and_output_is_typed_and_documented(root_module: Module) -> None:
    missing = []
    for addr, mod in walk_modules(root_module).items():
        for name, var in mod.variables.items():
            missing += [
                f"{addr or 'root'} var.{name}: no {k}" for k in ("description", "type") if k not in var
            ]
        for name, out in mod.outputs.items():
            if "description" not in out:
                missing.append(f"{addr or 'root'} output.{name}: no description")
    assert missing == []
