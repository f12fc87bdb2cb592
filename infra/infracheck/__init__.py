"""Offline checks of the infrastructure code (Terraform, charts), shared by tests/infra and bench/.

Nothing here needs a network, a cloud account, a cluster or helm.
"""

from pathlib import Path

INFRA_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = INFRA_DIR.parent
TERRAFORM_DIR = INFRA_DIR / "terraform"
ANSIBLE_DIR = INFRA_DIR / "ansible"
ARGOCD_DIR = INFRA_DIR / "argocd"
CHARTS_DIR = REPO_ROOT / "charts"
TOPOLOGY_FILE = INFRA_DIR / "topology.yaml"
