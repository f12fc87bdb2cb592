"""The Jinja templates Ansible renders on the nodes, rendered here by real Ansible on localhost."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from infracheck import ANSIBLE_DIR
from infracheck.tools import ToolMissing, venv_tool

TEMPLATES = {
    "kubeadm-init.yaml": ANSIBLE_DIR / "playbooks/templates/kubeadm-init.yaml.j2",
    "kubeadm-join.yaml": ANSIBLE_DIR / "playbooks/templates/kubeadm-join.yaml.j2",
    "etcd-backup.sh": ANSIBLE_DIR / "playbooks/templates/etcd-backup.sh.j2",
    "redis.yaml": ANSIBLE_DIR / "roles/redis/templates/redis.yaml.j2",
    "postgresql.yaml": ANSIBLE_DIR / "roles/postgresql/templates/postgresql.yaml.j2",
    "containerd.toml": ANSIBLE_DIR / "roles/containerd/templates/config.toml.j2",
}


@pytest.fixture(scope="module")
def rendered_templates(inventory_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    try:
        playbook = venv_tool("ansible-playbook")
    except ToolMissing as exc:
        pytest.skip(str(exc))
    work = tmp_path_factory.mktemp("templates")
    # The rendered inventory next to the real group_vars, as after `terraform output`.
    shutil.copytree(ANSIBLE_DIR / "inventory/group_vars", work / "inventory/group_vars")
    shutil.copy(inventory_file, work / "inventory/hosts.yml")
    play = [
        {
            "name": "Render templates on the master's variables",
            "hosts": "masters",
            "connection": "local",
            "gather_facts": False,
            "vars_files": [str(p) for p in sorted(ANSIBLE_DIR.glob("roles/*/defaults/main.yml"))],
            "vars": {
                "worker_join_master": "{{ inventory_hostname }}",
                "playbook_dir": str(ANSIBLE_DIR / "playbooks"),
            },
            "tasks": [
                # As 03-worker-join.yml does on the master, so hostvars carry them.
                {
                    "name": "Keep a join token",
                    "ansible.builtin.set_fact": {
                        "worker_join_token": "abcdef.0123456789abcdef",
                        "worker_join_ca_hash": "sha256:" + "0" * 64,
                    },
                }
            ]
            # The template lookup renders in the controller, exactly as the template module would
            # (same engine, same variables), without running a module per file.
            + [
                {
                    "name": name,
                    "ansible.builtin.debug": {
                        "msg": f"{{{{ lookup('ansible.builtin.template', '{src}') }}}}"
                    },
                }
                for name, src in TEMPLATES.items()
            ],
        }
    ]
    (work / "render.yml").write_text(yaml.safe_dump(play))
    env = {
        **os.environ,
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
    }
    proc = subprocess.run(
        [playbook, "-i", str(work / "inventory/hosts.yml"), str(work / "render.yml")],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    out = work / "out"
    out.mkdir()
    for task in json.loads(proc.stdout)["plays"][0]["tasks"]:
        if task["task"]["name"] in TEMPLATES:
            (out / task["task"]["name"]).write_text(task["hosts"]["k8s-master"]["msg"])
    hostvars = yaml.safe_load(inventory_file.read_text())["all"]["children"]["masters"]["hosts"]
    (master,) = hostvars.values()
    return {"dir": out, "master": master}


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_kubeadm_init_config_registers_the_provider_id_and_the_pod_cidr(
    rendered_templates: dict[str, Any],
) -> None:
    docs = {d["kind"]: d for d in _docs(rendered_templates["dir"] / "kubeadm-init.yaml")}
    master = rendered_templates["master"]
    init = docs["InitConfiguration"]
    assert init["nodeRegistration"]["kubeletExtraArgs"] == [
        {"name": "provider-id", "value": master["provider_id"]}
    ]
    cluster = docs["ClusterConfiguration"]
    assert cluster["kubernetesVersion"].startswith("v1.31.")
    assert cluster["networking"]["podSubnet"] == "192.168.0.0/16"
    assert master["ansible_host"] in cluster["apiServer"]["certSANs"]
    assert docs["KubeletConfiguration"]["cgroupDriver"] == "systemd"


def test_kubeadm_join_config_points_at_the_master(rendered_templates: dict[str, Any]) -> None:
    (join,) = _docs(rendered_templates["dir"] / "kubeadm-join.yaml")
    master = rendered_templates["master"]
    assert join["discovery"]["bootstrapToken"]["apiServerEndpoint"] == f"{master['private_ip']}:6443"
    assert join["nodeRegistration"]["kubeletExtraArgs"][0]["name"] == "provider-id"


@pytest.mark.parametrize("name", ["redis", "postgresql"])
def test_data_store_manifests_pin_the_pod_to_its_tainted_node(
    rendered_templates: dict[str, Any], name: str
) -> None:
    docs = {d["kind"]: d for d in _docs(rendered_templates["dir"] / f"{name}.yaml")}
    pod = docs["StatefulSet"]["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"domain": name}
    assert pod["tolerations"] == [
        {"key": "node-role.kubernetes.io/infrastructure", "operator": "Exists", "effect": "NoSchedule"}
    ]
    assert {c["name"] for c in pod["containers"]} == {name, "exporter"}
    assert {p["name"] for p in docs["Service"]["spec"]["ports"]} == {name, "metrics"}


def test_redis_never_evicts_revocations_or_login_counters(rendered_templates: dict[str, Any]) -> None:
    docs = {d["kind"]: d for d in _docs(rendered_templates["dir"] / "redis.yaml")}
    (redis,) = [
        c for c in docs["StatefulSet"]["spec"]["template"]["spec"]["containers"] if c["name"] == "redis"
    ]
    args = redis["args"]
    # Revoked token ids and failed-login counters carry TTLs, so a volatile-* policy would evict
    # exactly them, and allkeys-* anything: only noeviction keeps them.
    assert args.count("--maxmemory-policy") == 1
    assert args[args.index("--maxmemory-policy") + 1] == "noeviction"
    assert args[args.index("--maxmemory") + 1] == "1gb"  # the limit that makes the policy matter


def test_etcd_backup_script_is_valid_bash(rendered_templates: dict[str, Any]) -> None:
    script = rendered_templates["dir"] / "etcd-backup.sh"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    assert "snapshot save" in script.read_text() and "-mtime +7" in script.read_text()


def test_containerd_uses_the_systemd_cgroup_driver(rendered_templates: dict[str, Any]) -> None:
    import tomllib

    config = tomllib.loads((rendered_templates["dir"] / "containerd.toml").read_text())
    runc = config["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]["runc"]
    assert runc["options"]["SystemdCgroup"] is True
