"""What the sandbox profile operates instead of AWS: a Terraform root module of built-in
``terraform_data`` resources that mirrors the topology (``terraform/``), and a ``site.yml`` with the
real stages, simulated, against the inventory that module renders (``ansible/``). Package data, so an
installed console finds them. See docs/decisions/sandbox-infra.md."""

from __future__ import annotations

from pathlib import Path

__all__ = ["ANSIBLE_DIR", "TERRAFORM_DIR"]

HERE = Path(__file__).resolve().parent
TERRAFORM_DIR = HERE / "terraform"
ANSIBLE_DIR = HERE / "ansible"
