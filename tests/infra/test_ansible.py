"""infra/ansible: the stage list, site.yml, syntax, lint, and the incident fixes it carries."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from infracheck import ANSIBLE_DIR, INFRA_DIR, TOPOLOGY_FILE
from infracheck.tools import ToolMissing, run_tool, venv_tool

# The seed's order (service-architecture.en.md), with the runtime as "containerd".
SEED_ORDER = [
    "common",
    "containerd",
    "kubernetes-packages",
    "master-init",
    "worker-join",
    "provider-id",
    "cni",
    "labels",
    "addons",
    "ebs-csi",
    "cert-manager-issuer",
    "alb-controller",
    "argocd",
    "monitoring",
    "rabbitmq",
    "redis",
    "postgresql",
    # Issue 11: the applications' Secrets before anything syncs; ArgoCD's root application last;
    # the console on the master.
    "app-secrets",
    "ingress",
    "etcd-backup",
    "apps",
    "console",
]


def tool(name: str) -> str:
    try:
        return venv_tool(name)
    except ToolMissing as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def stages() -> list[dict[str, str]]:
    return yaml.safe_load((ANSIBLE_DIR / "stages.yaml").read_text())["stages"]


@pytest.fixture(scope="module")
def site() -> list[dict[str, Any]]:
    return yaml.safe_load((ANSIBLE_DIR / "site.yml").read_text())


def test_stage_list_follows_the_seed_order_with_unique_ids_and_tags(stages: list[dict[str, str]]) -> None:
    assert [s["id"] for s in stages] == SEED_ORDER
    assert len({s["tag"] for s in stages}) == len(stages)
    for s in stages:
        assert set(s) == {"id", "tag", "playbook", "title"}
        assert re.fullmatch(r"stage-\d\d(-\d)?-[a-z0-9-]+", s["tag"]), s["tag"]
        assert (ANSIBLE_DIR / s["playbook"]).is_file(), s["playbook"]
    assert next(s for s in stages if s["id"] == "cni")["tag"] == "stage-04-cni"


def test_site_yml_imports_the_stages_in_order_each_with_its_tag(
    site: list[dict[str, Any]], stages: list[dict[str, str]]
) -> None:
    imported = [(e["ansible.builtin.import_playbook"], e.get("tags")) for e in site]
    assert imported[0] == ("playbooks/00-preflight.yml", None)  # its plays are tagged always
    assert imported[1:] == [(s["playbook"], [s["tag"]]) for s in stages]


def test_site_yml_syntax_check_passes(inventory_file: Path) -> None:
    proc = run_tool(
        [tool("ansible-playbook"), "-i", str(inventory_file), "--syntax-check", "site.yml"], cwd=ANSIBLE_DIR
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_one_stage_runs_alone_by_its_tag(inventory_file: Path) -> None:
    proc = run_tool(
        [
            tool("ansible-playbook"),
            "-i",
            str(inventory_file),
            "site.yml",
            "--list-tasks",
            "--tags",
            "stage-04-cni",
        ],
        cwd=ANSIBLE_DIR,
    )
    assert proc.returncode == 0, proc.stderr
    tasks = [line.strip() for line in proc.stdout.splitlines() if "TAGS:" in line and "play #" not in line]
    assert any("Install Calico" in line or "Tigera" in line for line in tasks)
    stage_tasks = [line for line in tasks if "always" not in line]  # the preflight always runs
    assert stage_tasks and all("stage-04-cni" in line for line in stage_tasks)
    assert "kubeadm init" not in proc.stdout


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_ansible_lint_passes_offline() -> None:
    # About 50 s of CPU (ansible-lint loads Ansible for each of ~60 files): marked slow so the
    # quick offline checks (-m "not slow") stay under a minute; CI runs it too.
    proc = run_tool([tool("ansible-lint"), "--offline", "--nocolor", "-q"], cwd=ANSIBLE_DIR, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def _yaml_files() -> list[Path]:
    return sorted(p for p in ANSIBLE_DIR.rglob("*.yml") if "inventory/hosts" not in str(p))


def test_no_task_ignores_errors() -> None:
    offenders = [str(p) for p in _yaml_files() if "ignore_errors" in p.read_text()]
    assert offenders == []


def test_command_tasks_declare_when_they_change_something() -> None:
    for path in _yaml_files():
        doc = yaml.safe_load(path.read_text()) or []
        for task in _tasks(doc):
            module = next(
                (k for k in ("ansible.builtin.command", "ansible.builtin.shell") if k in task), None
            )
            if module:
                has_guard = "changed_when" in task or "creates" in (task.get("args") or {})
                assert has_guard, f"{path.name}: {task.get('name')}"


def _tasks(doc: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(doc, list):
        for item in doc:
            found += _tasks(item)
    elif isinstance(doc, dict):
        if "name" in doc and any(k.startswith("ansible.builtin.") for k in doc):
            found.append(doc)
        for key in ("tasks", "handlers", "block", "rescue", "always", "pre_tasks", "post_tasks"):
            found += _tasks(doc.get(key))
    return found


def test_label_stage_reads_labels_and_taints_from_topology_yaml() -> None:
    group_vars = yaml.safe_load((ANSIBLE_DIR / "inventory/group_vars/all.yml").read_text())
    playbooks_dir = ANSIBLE_DIR / "playbooks"
    path = Path(group_vars["topology_file"].replace("{{ playbook_dir }}", str(playbooks_dir))).resolve()
    assert path == TOPOLOGY_FILE.resolve()
    (play,) = yaml.safe_load((playbooks_dir / "label-nodes.yml").read_text())
    assert "lookup('ansible.builtin.file', topology_file)" in play["vars"]["label_nodes_topology"]
    label_task, taint_task = play["tasks"]
    assert label_task["loop"] == "{{ label_nodes_topology.nodes }}"
    assert label_task["kubernetes.core.k8s"]["definition"]["metadata"]["labels"] == "{{ item.labels }}"
    assert "subelements('taints'" in taint_task["loop"]
    # Nothing else in Ansible lists nodes: no node name appears in any playbook, role or var file.
    names = [n["name"] for n in yaml.safe_load(TOPOLOGY_FILE.read_text())["nodes"]]
    for path in _yaml_files():
        text = path.read_text()
        assert not [n for n in names if n in text], path


def test_infra_placements_tolerate_the_infrastructure_taint() -> None:
    import sys

    sys.path.insert(0, str(INFRA_DIR))
    from infracheck.charts import placement_problems

    nodes = yaml.safe_load(TOPOLOGY_FILE.read_text())["nodes"]
    group_vars = yaml.safe_load((ANSIBLE_DIR / "inventory/group_vars/all.yml").read_text())
    toleration = [
        {**t, "key": group_vars["infra_taint_key"]} if "infra_taint_key" in t["key"] else t
        for t in group_vars["infra_toleration"]
    ]
    for role in ("redis", "postgresql"):
        template = (ANSIBLE_DIR / f"roles/{role}/templates/{role}.yaml.j2").read_text()
        assert f"domain: {role}" in template and "tolerations: {{ infra_toleration | to_json }}" in template
        assert placement_problems(role, {"domain": role}, toleration, nodes) == []
    rabbit = (ANSIBLE_DIR / "roles/rabbitmq/tasks/main.yml").read_text()
    assert "domain: rabbitmq" in rabbit and 'tolerations: "{{ infra_toleration }}"' in rabbit
    monitoring = (ANSIBLE_DIR / "playbooks/08-monitoring.yml").read_text()
    assert "domain: monitoring" in monitoring
    assert placement_problems("monitoring", {"domain": "monitoring"}, toleration, nodes) == []
    assert placement_problems("no toleration", {"domain": "redis"}, [], nodes) != []


def test_argocd_is_served_over_http_behind_the_alb() -> None:
    tasks = yaml.safe_load((ANSIBLE_DIR / "roles/argocd/tasks/main.yml").read_text())
    insecure = next(t for t in tasks if "argocd-cmd-params-cm" in str(t))
    assert insecure["kubernetes.core.k8s"]["definition"]["data"]["server.insecure"] == "true"
    group_vars = yaml.safe_load((ANSIBLE_DIR / "inventory/group_vars/all.yml").read_text())
    assert group_vars["alb_ingress_annotations"]["alb.ingress.kubernetes.io/backend-protocol"] == "HTTP"
    (play,) = yaml.safe_load((ANSIBLE_DIR / "playbooks/08-4-ingress-resources.yml").read_text())
    argocd = next(ui for ui in play["vars"]["ingress_uis"] if ui["name"] == "argocd-server")
    assert argocd["port"] == 80


def test_nodes_join_with_their_provider_id() -> None:
    join = (ANSIBLE_DIR / "playbooks/templates/kubeadm-join.yaml.j2").read_text()
    init = (ANSIBLE_DIR / "playbooks/templates/kubeadm-init.yaml.j2").read_text()
    for template in (join, init):
        assert "name: provider-id" in template and "value: {{ provider_id }}" in template


def test_inventory_is_never_committed() -> None:
    ignore = (ANSIBLE_DIR / "inventory/.gitignore").read_text()
    assert "hosts.yml" in ignore
    cfg = (ANSIBLE_DIR / "ansible.cfg").read_text()
    assert "inventory = inventory/hosts.yml" in cfg


def test_application_namespaces_get_the_charts_pull_secret() -> None:
    charts_secret = yaml.safe_load((INFRA_DIR.parent / "charts/ecoeco-api/values.yaml").read_text())
    group_vars = yaml.safe_load((ANSIBLE_DIR / "inventory/group_vars/all.yml").read_text())
    assert charts_secret["imagePullSecrets"] == [{"name": group_vars["registry_pull_secret_name"]}]
    tasks = yaml.safe_load((ANSIBLE_DIR / "roles/app_secrets/tasks/main.yml").read_text())
    secret_task = next(t for t in tasks if "pull secret" in t["name"])
    assert secret_task["kubernetes.core.k8s"]["definition"]["type"] == "kubernetes.io/dockerconfigjson"
    assert secret_task["no_log"] is True
    defaults = (ANSIBLE_DIR / "roles/app_secrets/defaults/main.yml").read_text()
    assert "topology_file" in defaults and "'api-'" in defaults


def test_ansible_evaluates_labels_taints_and_namespaces_from_the_topology(tmp_path: Path) -> None:
    # Real Ansible, localhost only: the expressions label-nodes.yml and the argocd role loop over.
    (label_play,) = yaml.safe_load((ANSIBLE_DIR / "playbooks/label-nodes.yml").read_text())
    taint_loop = label_play["tasks"][1]["loop"]
    play = [
        {
            "name": "Evaluate",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "vars_files": [str(ANSIBLE_DIR / "roles/app_secrets/defaults/main.yml")],
            "vars": {
                "topology_file": str(TOPOLOGY_FILE),
                "label_nodes_topology": label_play["vars"]["label_nodes_topology"],
            },
            "tasks": [
                {
                    "name": "Namespaces",
                    "ansible.builtin.debug": {
                        "msg": "{{ app_secrets_api_namespaces + [app_secrets_worker_namespace] }}"
                    },
                },
                {
                    "name": "Taints",
                    "ansible.builtin.debug": {
                        "msg": taint_loop.replace("}}", " | map('first') | map(attribute='name') | list }}")
                    },
                },
            ],
        }
    ]
    (tmp_path / "eval.yml").write_text(yaml.safe_dump(play))
    proc = run_tool(
        [tool("ansible-playbook"), "-i", "localhost,", str(tmp_path / "eval.yml")],
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    nodes = yaml.safe_load(TOPOLOGY_FILE.read_text())["nodes"]
    for node in nodes:
        if node["role"] == "api":
            assert f'"api-{node["domain"]}"' in proc.stdout
        if node.get("taints"):
            assert f'"{node["name"]}"' in proc.stdout
    assert '"workers"' in proc.stdout


def _preflight(inventory: Path) -> subprocess.CompletedProcess[str]:
    # Only the inventory-vs-topology play: the reachability play would try the made-up IPs.
    return run_tool(
        [tool("ansible-playbook"), "-i", str(inventory), "site.yml", "--skip-tags", "preflight-reach"]
        + ["--tags", "preflight-topology"],
        cwd=ANSIBLE_DIR,
    )


def test_preflight_accepts_the_inventory_terraform_renders(inventory_file: Path, tmp_path: Path) -> None:
    inventory = tmp_path / "inventory" / "hosts.yml"
    shutil.copytree(ANSIBLE_DIR / "inventory" / "group_vars", tmp_path / "inventory" / "group_vars")
    shutil.copy(inventory_file, inventory)
    proc = _preflight(inventory)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "Compare inventory hosts with topology nodes" in proc.stdout
    assert "TASK [Apply the Tigera operator]" not in proc.stdout


def test_preflight_stops_a_stale_inventory_that_lacks_a_node(inventory_file: Path, tmp_path: Path) -> None:
    inventory = tmp_path / "inventory" / "hosts.yml"
    shutil.copytree(ANSIBLE_DIR / "inventory" / "group_vars", tmp_path / "inventory" / "group_vars")
    lines = inventory_file.read_text().splitlines()
    inventory.write_text("\n".join(line for line in lines if "k8s-redis:" not in line) + "\n")
    proc = _preflight(inventory)
    assert proc.returncode != 0
    assert "does not match topology.yaml" in proc.stdout and "k8s-redis" in proc.stdout
