"""Run the provider-free Terraform modules (topology, inventory) with the real terraform binary.

These two modules need no provider, so `terraform init` and `apply` work offline. A throwaway
root module feeds made-up instances (ids, addresses, AZs) to the inventory module, which lets
tests check the exact inventory Ansible would get after a real apply.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from . import TERRAFORM_DIR, TOPOLOGY_FILE

_ROOT = """
module "topology" {{
  source        = "{modules}/topology"
  topology_file = "{topology}"
}}

locals {{
  names = sort(keys(module.topology.nodes))
  instances = {{
    for i, name in local.names : name => {{
      id                = {instance_id}
      public_ip         = "198.51.100.${{i + 10}}"
      private_ip        = "10.0.${{i % 3 + 1}}.${{i + 10}}"
      availability_zone = "ap-northeast-2${{["a", "b", "c"][i % 3]}}"
    }}
  }}
}}

module "inventory" {{
  source             = "{modules}/inventory"
  cluster            = module.topology.cluster
  kubernetes_version = module.topology.kubernetes_version
  environment        = "prod"
  region             = "ap-northeast-2"
  domain_name        = "ecoeco.app"
  nodes              = module.topology.nodes
  instances          = local.instances
  template_file      = "{template}"
  cluster_facts = {{
    images_bucket       = "ecoeco-prod-images-123456789012"
    acm_certificate_arn = "arn:aws:acm:ap-northeast-2:123456789012:certificate/00000000-0000-0000-0000-000000000000"
    alb_security_group  = "ecoeco-prod-alb"
  }}
}}

output "nodes" {{
  value = module.topology.nodes
}}

output "required_vcpus" {{
  value = module.topology.required_vcpus
}}

output "ansible_inventory" {{
  value = module.inventory.ansible_inventory
}}

output "node_map_json" {{
  value = module.inventory.node_map_json
}}
"""

VALID_INSTANCE_ID = 'format("i-%017x", i + 1)'


class TerraformError(RuntimeError):
    pass


def terraform_env() -> dict[str, str]:
    # No update check, no prompts: these runs must never touch the network.
    return {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}


def terraform(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("terraform")
    if binary is None:
        raise TerraformError("terraform binary not found on PATH")
    proc = subprocess.run(
        [binary, *args], cwd=cwd, env=terraform_env(), capture_output=True, text=True, timeout=120
    )
    if proc.returncode != 0:
        raise TerraformError(f"terraform {' '.join(args)} failed:\n{proc.stderr}")
    return proc


def render(
    workdir: Path, topology: Path = TOPOLOGY_FILE, instance_id: str = VALID_INSTANCE_ID
) -> dict[str, str]:
    """Apply the throwaway root in ``workdir``; return its outputs (nodes as JSON text, inventory YAML)."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "main.tf").write_text(
        _ROOT.format(
            modules=TERRAFORM_DIR / "modules",
            topology=topology,
            template=TERRAFORM_DIR / "templates" / "hosts.tpl",
            instance_id=instance_id,
        ),
        encoding="utf-8",
    )
    terraform(["init", "-backend=false", "-input=false", "-no-color"], workdir)
    terraform(["apply", "-auto-approve", "-input=false", "-no-color"], workdir)
    out = json.loads(terraform(["output", "-json"], workdir).stdout)
    return {
        "nodes": json.dumps(out["nodes"]["value"]),
        "required_vcpus": str(out["required_vcpus"]["value"]),
        "ansible_inventory": out["ansible_inventory"]["value"],
        "node_map_json": out["node_map_json"]["value"],
    }
