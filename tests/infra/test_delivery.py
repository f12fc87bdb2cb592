"""From repository to a serving cluster (issue 11): each check would have caught one breaker.

Offline: YAML and HCL parsed, Ansible expressions evaluated by real Ansible on localhost, the
provider-free Terraform modules applied by the real terraform binary.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from infracheck import ANSIBLE_DIR, ARGOCD_DIR, CHARTS_DIR, INFRA_DIR, REPO_ROOT, TERRAFORM_DIR
from infracheck.charts import argocd_releases, deep_merge, load_yaml
from infracheck.offline_terraform import TerraformError, terraform
from infracheck.terraform import Module, load_module
from infracheck.tools import ToolMissing, run_tool, venv_tool

GROUP_VARS = ANSIBLE_DIR / "inventory/group_vars/all.yml"
STAGES = ANSIBLE_DIR / "stages.yaml"


def group_vars() -> dict[str, Any]:
    return yaml.safe_load(GROUP_VARS.read_text())


def stage_order() -> list[str]:
    return [s["playbook"] for s in yaml.safe_load(STAGES.read_text())["stages"]]


def evaluate(
    expressions: dict[str, str], tmp_path: Path, extra_vars: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Real Ansible on localhost: each expression with group_vars and every role's defaults loaded."""
    try:
        playbook = venv_tool("ansible-playbook")
    except ToolMissing as exc:
        pytest.skip(str(exc))
    play = [
        {
            "name": "Evaluate",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "vars_files": [str(GROUP_VARS)]
            + [str(p) for p in sorted(ANSIBLE_DIR.glob("roles/*/defaults/main.yml"))],
            "vars": {"playbook_dir": str(ANSIBLE_DIR / "playbooks")},
            "tasks": [
                {
                    "name": "Write the values",
                    "ansible.builtin.copy": {
                        "dest": str(tmp_path / "out.json"),
                        "content": "{{ values | to_json }}",
                        "mode": "0600",
                    },
                    "vars": {"values": expressions},
                }
            ],
        }
    ]
    (tmp_path / "eval.yml").write_text(yaml.safe_dump(play, width=1000))
    # Extra vars (-e) win over vars_files, as the inventory's facts and the vault's would.
    extra = {
        "topology_file": str(INFRA_DIR / "topology.yaml"),
        "ansible_python_interpreter": sys.executable,
        **(extra_vars or {}),
    }
    (tmp_path / "extra.json").write_text(json.dumps(extra))
    proc = run_tool(
        [playbook, "-i", "localhost,", "-e", f"@{tmp_path / 'extra.json'}", str(tmp_path / "eval.yml")],
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return json.loads((tmp_path / "out.json").read_text())


# Vault values as an operator would set them (secrets.vault.yml.example) and what Terraform's
# inventory provides.
VAULT = {
    "postgresql_password": "pg-0123456789abcdef",
    "redis_password": "redis-0123456789abcdef",
    "rabbitmq_app_password": "amqp-0123456789abcdef",
    "app_jwt_secret": "j" * 48,
    "registry_password": "ghp_token",
    "images_bucket": "ecoeco-prod-images-123456789012",
    "aws_region": "ap-northeast-2",
    "acm_certificate_arn": "arn:aws:acm:ap-northeast-2:123456789012:certificate/x",
    "alb_security_group": "ecoeco-prod-alb",
    "domain_name": "ecoeco.app",
    "topology_file": str(INFRA_DIR / "topology.yaml"),
}


# --- Breaker 2: the app Secrets ---------------------------------------------------------------

# Settings a pod may leave at the platform's default, and why. Every other field must reach the
# pod from the Secret or the chart, or the service silently runs on a sandbox default.
DEFAULT_IS_RIGHT = {
    "log_level": "the chart sets ECOECO_LOG_LEVEL",
    "environment": "the chart sets ECOECO_ENVIRONMENT",
    "jwt_algorithm": "HS256 with the Secret's JWT secret",
    "jwt_private_key": "RS256 only (not used)",
    "jwt_public_key": "RS256 only (not used)",
    "access_token_ttl_s": "a product default",
    "refresh_token_ttl_s": "a product default",
    "s3_endpoint_url": "None means AWS itself",
    "aws_access_key_id": "not configured: the S3 client then uses the instance profile",
    "aws_secret_access_key": "not configured: the S3 client then uses the instance profile",
    "openai_base_url": "optional (vault app_openai_base_url); without it the offline backends answer",
    "openai_api_key": "optional (vault app_openai_api_key)",
    "chat_model": "a product default",
    "vision_model": "a product default",
    "wal_dir": "the worker chart sets ECOECO_WAL_DIR (the journal volume)",
    "wal_sync_interval_s": "the worker chart sets it",
    "wal_retention_s": "a product default",
    "max_attempts": "the worker chart sets it",
    "max_upload_bytes": "a product default",
    "max_json_body_bytes": "a product default",
    "oauth_providers": "optional (vault app_oauth_providers); an empty client_id disables a provider",
    "oauth_state_ttl_s": "a product default",
    "presigned_url_ttl_s": "a product default",
    "chat_messages_per_minute": "a product default",
    "kakao_rest_api_key": "optional (vault app_kakao_rest_api_key); without it geocoding answers 503",
    "kakao_base_url": "the real Kakao API",
    "kakao_timeout_s": "a product default",
    "login_window_s": "a product default (the failed-login window)",
    "login_failures_per_account_client": "a product default",
    "login_failures_per_client": "a product default (the per-address cap, on outside the sandbox)",
    "registration_window_s": "a product default",
    "registrations_per_client": "a product default",
    "abandoned_upload_after_s": "a product default (uploads never completed expire after 6 h)",
    "upload_cleanup_batch": "a product default",
    "upload_cleanup_interval_s": "a product default",
}


def settings_fields() -> set[str]:
    from ecoeco.services.chat_llm.settings import ChatSettings
    from ecoeco.services.location.settings import LocationSettings

    return set(ChatSettings.model_fields) | set(LocationSettings.model_fields)


@pytest.fixture(scope="module")
def app_secrets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return evaluate(
        {
            "api": "{{ app_secrets_api }}",
            "worker": "{{ app_secrets_worker }}",
            "api_namespaces": "{{ app_secrets_api_namespaces }}",
            "api_name": "{{ app_secrets_api_name }}",
            "worker_name": "{{ app_secrets_worker_name }}",
            "worker_namespace": "{{ app_secrets_worker_namespace }}",
        },
        tmp_path_factory.mktemp("secrets"),
        VAULT,
    )


def test_every_setting_a_service_reads_reaches_the_pods(app_secrets: dict[str, Any]) -> None:
    chart_env = set()
    for chart in ("ecoeco-api", "ecoeco-worker"):
        chart_env |= set(load_yaml(CHARTS_DIR / chart / "values.yaml")["env"])
        chart_env |= set(
            re.findall(
                r"name: (ECOECO_\w+)",
                (CHARTS_DIR / chart / "templates")
                .joinpath("deployment.yaml" if chart == "ecoeco-api" else "statefulset.yaml")
                .read_text(),
            )
        )
    provided = {k.removeprefix("ECOECO_").lower() for k in set(app_secrets["api"]) | chart_env}
    missing = sorted(settings_fields() - provided - set(DEFAULT_IS_RIGHT))
    assert missing == [], f"settings no Secret or chart sets (they would run on sandbox defaults): {missing}"
    stale = sorted(set(DEFAULT_IS_RIGHT) - settings_fields())
    assert stale == [], f"DEFAULT_IS_RIGHT names settings that no longer exist: {stale}"


def test_app_secrets_hold_in_cluster_urls_from_the_vault(app_secrets: dict[str, Any]) -> None:
    api, worker = app_secrets["api"], app_secrets["worker"]
    assert api["ECOECO_DATABASE_URL"] == (
        "postgresql://ecoeco:pg-0123456789abcdef@postgresql.database.svc.cluster.local:5432/ecoeco"
    )
    assert api["ECOECO_REDIS_URL"] == "redis://:redis-0123456789abcdef@redis.cache.svc.cluster.local:6379/0"
    assert api["ECOECO_BROKER_URL"] == (
        "amqp://ecoeco:amqp-0123456789abcdef@rabbitmq.messaging.svc.cluster.local:5672/ecoeco"
    )
    assert api["ECOECO_JWT_SECRET"] == VAULT["app_jwt_secret"]
    # The bucket is Terraform's (from the inventory), never the sandbox default.
    assert api["ECOECO_S3_BUCKET"] == worker["ECOECO_S3_BUCKET"] == VAULT["images_bucket"]
    # No static keys: the instance profile. No JWT secret for the workers. No empty optional key.
    assert not {"ECOECO_AWS_ACCESS_KEY_ID", "ECOECO_AWS_SECRET_ACCESS_KEY"} & (set(api) | set(worker))
    assert "ECOECO_JWT_SECRET" not in worker
    assert all(v for v in {**api, **worker}.values())
    from ecoeco.services.common.settings import Settings

    for env in (api, worker):
        parsed = Settings(**{k.removeprefix("ECOECO_").lower(): v for k, v in env.items()})
        assert parsed.database_url == env["ECOECO_DATABASE_URL"]


def test_optional_integrations_are_written_only_when_set(tmp_path: Path) -> None:
    out = evaluate(
        {"api": "{{ app_secrets_api }}", "worker": "{{ app_secrets_worker }}"},
        tmp_path,
        {
            **VAULT,
            "app_openai_api_key": "sk-x",
            "app_openai_base_url": "https://llm.example/v1",
            "app_oauth_providers": {"kakao": {"client_id": "c"}},
        },
    )
    assert out["api"]["ECOECO_OPENAI_API_KEY"] == out["worker"]["ECOECO_OPENAI_API_KEY"] == "sk-x"
    assert json.loads(out["api"]["ECOECO_OAUTH_PROVIDERS"]) == {"kakao": {"client_id": "c"}}
    assert "ECOECO_OAUTH_PROVIDERS" not in out["worker"]


def rendered_env_from() -> set[tuple[str, str]]:
    """(namespace, secret) of every envFrom secretRef the ArgoCD releases' pods read."""
    refs = set()
    for rel in argocd_releases():
        values = rel.values()
        if "envSecretName" in values:
            refs.add((rel.namespace, values["envSecretName"]))
    return refs


def test_every_env_from_secret_is_created_by_a_stage_before_the_apps_sync(
    app_secrets: dict[str, Any],
) -> None:
    created = {(ns, app_secrets["api_name"]) for ns in app_secrets["api_namespaces"]}
    created.add((app_secrets["worker_namespace"], app_secrets["worker_name"]))
    assert rendered_env_from() <= created, rendered_env_from() - created
    templates = {c: (CHARTS_DIR / c / "templates").read_text() if False else "" for c in ()}
    del templates
    for chart in ("ecoeco-api", "ecoeco-worker"):
        for path in (CHARTS_DIR / chart / "templates").glob("*.yaml"):
            if "envFrom" in path.read_text():
                assert "name: {{ .Values.envSecretName }}" in path.read_text(), path
    order = stage_order()
    assert order.index("playbooks/08-5-app-secrets.yml") < order.index("playbooks/10-apps.yml")
    # Only the apps stage hands the releases to ArgoCD (the root application).
    for path in ANSIBLE_DIR.rglob("*.yml"):
        code = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
        if path.name != "10-apps.yml":
            assert "root.yaml" not in code, path


def test_the_data_stores_exist_before_the_apps_sync() -> None:
    order = stage_order()
    for store in ("08-1-rabbitmq", "08-2-redis", "08-3-postgresql"):
        assert order.index(f"playbooks/{store}.yml") < order.index("playbooks/10-apps.yml")


# --- Breaker 7: RabbitMQ vhost and user, Redis password ---------------------------------------


def test_rabbitmq_gets_the_vhost_and_user_the_broker_url_names(app_secrets: dict[str, Any]) -> None:
    tasks = yaml.safe_load((ANSIBLE_DIR / "roles/rabbitmq/tasks/main.yml").read_text())
    commands = [t["kubernetes.core.k8s_exec"]["command"] for t in tasks if "kubernetes.core.k8s_exec" in t]
    assert "rabbitmqctl add_vhost {{ rabbitmq_vhost }}" in commands
    assert any(c.startswith("rabbitmqctl add_user {{ rabbitmq_app_user }}") for c in commands)
    assert any(
        c.startswith("rabbitmqctl set_permissions -p {{ rabbitmq_vhost }} {{ rabbitmq_app_user }}")
        for c in commands
    )
    secret_tasks = [
        t for t in tasks if "password" in str(t.get("kubernetes.core.k8s_exec", {}).get("command", ""))
    ]
    assert secret_tasks and all(t.get("no_log") is True for t in secret_tasks)
    gv = group_vars()
    assert app_secrets["api"]["ECOECO_BROKER_URL"].endswith(f"/{gv['rabbitmq_vhost']}")


def test_redis_requires_the_password_the_redis_url_carries() -> None:
    template = (ANSIBLE_DIR / "roles/redis/templates/redis.yaml.j2").read_text()
    assert '"--requirepass", "$(REDIS_PASSWORD)"' in template
    assert (
        template.count("secretKeyRef: {name: redis-credentials, key: REDIS_PASSWORD}") == 3
    )  # server, probe, exporter
    assert "REDISCLI_AUTH" in template


# --- Breaker 3: ALB targets ------------------------------------------------------------------


def rendered_ingresses_and_services(
    tmp_path: Path,
) -> tuple[list[dict[str, Any]], dict[tuple[str, str], str]]:
    """Every Ingress of the cluster and the type of every Service they point at.

    API Ingresses and Services come from the chart's templates and values; the operator UIs'
    from the ingress stage; argocd-server's type from the argocd role, Grafana's from its Helm values.
    """
    ingresses: list[dict[str, Any]] = []
    services: dict[tuple[str, str], str] = {}
    api_service = (CHARTS_DIR / "ecoeco-api/templates/service.yaml").read_text()
    api_ingress = (CHARTS_DIR / "ecoeco-api/templates/ingress.yaml").read_text()
    (svc_type,) = re.findall(r"^  type: (\w+)$", api_service, re.M)
    annotations = dict(re.findall(r"^    (alb\.ingress\.kubernetes\.io/[\w.-]+): (.+)$", api_ingress, re.M))
    for rel in argocd_releases():
        if rel.chart != "ecoeco-api" or not rel.values()["ingress"]["enabled"]:
            continue
        values = rel.values()
        resolved = {}
        for key, value in annotations.items():
            value = value.strip()
            for ref in re.findall(r"\{\{ (\.Values\.[\w.]+) \}\}", value):
                node: Any = values
                for part in ref.removeprefix(".Values.").split("."):
                    node = node[part]
                value = value.replace(f"{{{{ {ref} }}}}", str(node))
            resolved[key] = value.strip("'\"")
        if values["ingress"].get("certificateArn"):
            resolved["alb.ingress.kubernetes.io/certificate-arn"] = values["ingress"]["certificateArn"]
        name = f"{values['service']}-api"
        ingresses.append(
            {
                "namespace": rel.namespace,
                "name": name,
                "host": values["ingress"]["host"],
                "annotations": resolved,
                "service": name,
            }
        )
        services[(rel.namespace, name)] = svc_type
    play = yaml.safe_load((ANSIBLE_DIR / "playbooks/08-4-ingress-resources.yml").read_text())[0]
    uis = evaluate(
        {"uis": "{{ ingress_uis }}", "annotations": "{{ alb_ingress_annotations }}"},
        tmp_path,
        {**VAULT, **play["vars"]},
    )
    for ui in uis["uis"]:
        ingresses.append(
            {
                "namespace": ui["namespace"],
                "name": ui["name"],
                "host": ui["host"],
                "annotations": {
                    **uis["annotations"],
                    "alb.ingress.kubernetes.io/healthcheck-path": ui["healthcheck"],
                },
                "service": ui["service"],
            }
        )
    argocd = yaml.safe_load((ANSIBLE_DIR / "roles/argocd/tasks/main.yml").read_text())
    for task in argocd:
        d = task.get("kubernetes.core.k8s", {})
        if d.get("kind") == "Service":
            services[(d["namespace"].replace("{{ argocd_namespace }}", "argocd"), d["name"])] = d[
                "definition"
            ]["spec"]["type"]
    services.setdefault(("argocd", "argocd-server"), "ClusterIP")  # the install manifest's type
    monitoring = yaml.safe_load((ANSIBLE_DIR / "playbooks/08-monitoring.yml").read_text())[0]
    grafana = monitoring["vars"]["monitoring_grafana"]
    services[("monitoring", "kube-prometheus-stack-grafana")] = grafana.get("service", {}).get(
        "type", "ClusterIP"
    )
    return ingresses, services


@pytest.fixture(scope="module")
def cluster_ingresses(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[list[dict[str, Any]], dict[tuple[str, str], str]]:
    return rendered_ingresses_and_services(tmp_path_factory.mktemp("ingresses"))


def test_no_instance_target_ingress_points_at_a_cluster_ip_service(
    cluster_ingresses: tuple[list[dict[str, Any]], dict[tuple[str, str], str]],
) -> None:
    ingresses, services = cluster_ingresses
    assert {i["host"] for i in ingresses} >= {"api.ecoeco.app", "argocd.ecoeco.app", "grafana.ecoeco.app"}
    problems = []
    for ing in ingresses:
        target = ing["annotations"].get("alb.ingress.kubernetes.io/target-type", "instance")
        svc = services.get((ing["namespace"], ing["service"]))
        if target == "instance" and svc != "NodePort":
            problems.append(
                f"{ing['namespace']}/{ing['name']}: instance targets on a {svc} Service (target group port 0)"
            )
        if target == "ip":
            problems.append(
                f"{ing['namespace']}/{ing['name']}: ip targets, but pod IPs are on the Calico overlay"
            )
    assert problems == []


def test_every_ingress_of_the_group_carries_the_same_group_settings(
    cluster_ingresses: tuple[list[dict[str, Any]], dict[tuple[str, str], str]],
) -> None:
    # The controller reconciles a group as one unit: one Ingress with a conflicting or missing
    # group setting takes the whole ALB (the APIs included) down.
    ingresses, _ = cluster_ingresses
    group_keys = (
        "group.name",
        "scheme",
        "target-type",
        "listen-ports",
        "ssl-redirect",
        "certificate-arn",
        "security-groups",
        "manage-backend-security-group-rules",
    )
    seen: dict[str, set[str]] = {k: set() for k in group_keys}
    for ing in ingresses:
        for key in group_keys:
            seen[key].add(ing["annotations"].get(f"alb.ingress.kubernetes.io/{key}", "<unset>"))
    # The API chart's certificate comes from its values (set per environment); the rest must agree.
    seen["certificate-arn"].discard("<unset>")
    assert {k: v for k, v in seen.items() if len(v) != 1 and k != "certificate-arn"} == {}
    assert seen["group.name"] == {group_vars()["alb_group_name"]}
    assert seen["manage-backend-security-group-rules"] == {"false"}


# --- Breaker 4: DNS ----------------------------------------------------------------------------


def test_every_ingress_host_has_a_dns_record_to_the_alb(
    root_module: Module, cluster_ingresses: tuple[list[dict[str, Any]], dict[tuple[str, str], str]]
) -> None:
    ingresses, _ = cluster_ingresses
    domain = root_module.variables["domain_name"]["default"]
    hosts = dict(root_module.locals["ingress_hosts"])
    resolved = {
        k: str(v)
        .replace("${local.api_domain}", f"{root_module.variables['api_subdomain']['default']}.{domain}")
        .replace("${var.domain_name}", domain)
        .replace("local.api_domain", f"api.{domain}")
        for k, v in hosts.items()
    }
    assert {i["host"] for i in ingresses} <= set(resolved.values()), (
        resolved,
        {i["host"] for i in ingresses},
    )
    record = root_module.resources["aws_route53_record.ingress"].body
    assert "local.ingress_hosts" in record["for_each"]
    (alias,) = record["alias"]
    assert alias["name"] == "data.aws_lb.ingress[0].dns_name"
    lbs = root_module.data["aws_lbs.ingress"].body
    assert lbs["tags"]["ingress.k8s.aws/stack"] == "var.alb_group_name"
    assert root_module.variables["alb_group_name"]["default"] == group_vars()["alb_group_name"]
    gv = group_vars()
    assert (
        gv["argocd_domain"] == "argocd.{{ domain_name }}"
        and gv["grafana_domain"] == "grafana.{{ domain_name }}"
    )


# --- Breaker 5: S3 -----------------------------------------------------------------------------


def test_s3_client_uses_the_default_chain_without_configured_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    from ecoeco.services.common.settings import Settings
    from ecoeco.services.common.storage import s3_client

    for key in ("ECOECO_AWS_ACCESS_KEY_ID", "ECOECO_AWS_SECRET_ACCESS_KEY", "ECOECO_S3_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    # boto3's default chain: here the environment stands in for the instance profile.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAINSTANCEPROFILE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "from-the-chain")
    creds = s3_client(Settings())._request_signer._credentials
    assert creds.access_key == "AKIAINSTANCEPROFILE"
    # Configured keys, or the sandbox's moto endpoint, still use static keys.
    monkeypatch.setenv("ECOECO_AWS_ACCESS_KEY_ID", "AKIASTATIC")
    monkeypatch.setenv("ECOECO_AWS_SECRET_ACCESS_KEY", "static")
    assert s3_client(Settings())._request_signer._credentials.access_key == "AKIASTATIC"
    moto = Settings(s3_endpoint_url="http://127.0.0.1:5000", aws_access_key_id="testing")
    assert s3_client(moto)._request_signer._credentials.access_key == "testing"


def test_the_app_bucket_is_the_one_terraform_creates(
    rendered: dict[str, str], app_secrets: dict[str, Any]
) -> None:
    # The inventory Terraform renders carries the bucket; the Secret takes it from there.
    inventory = yaml.safe_load(rendered["ansible_inventory"])
    assert inventory["all"]["vars"]["images_bucket"] == "ecoeco-prod-images-123456789012"
    defaults = (ANSIBLE_DIR / "roles/app_secrets/defaults/main.yml").read_text()
    assert 'ECOECO_S3_BUCKET: "{{ images_bucket }}"' in defaults
    main = load_module(TERRAFORM_DIR)
    facts = main.modules["inventory"]["cluster_facts"]
    assert facts["images_bucket"] == "${aws_s3_bucket.images.bucket}" or "aws_s3_bucket.images.bucket" in str(
        facts
    )
    # group_vars would override the inventory's all:vars: Terraform's facts must not be set there.
    for key in ("images_bucket", "acm_certificate_arn", "alb_security_group"):
        assert key not in group_vars(), key


# --- Breaker 6: ArgoCD repository ---------------------------------------------------------------


def test_the_gitops_repository_url_is_written_once(tmp_path: Path) -> None:
    url_re = re.compile(r"https://github\.com/[\w.-]+/[\w.-]+\.git")
    holders = [
        str(p.relative_to(REPO_ROOT))
        for base in (INFRA_DIR, CHARTS_DIR)
        for p in base.rglob("*")
        if p.is_file() and p.suffix in (".yaml", ".yml", ".j2", ".tf") and url_re.search(p.read_text())
    ]
    assert holders == ["infra/ansible/inventory/group_vars/all.yml"]
    rendered = evaluate(
        {
            "project": "{{ lookup('ansible.builtin.template', '"
            + str(ARGOCD_DIR / "project.yaml")
            + "') | from_yaml }}",
            "root": "{{ lookup('ansible.builtin.template', '"
            + str(ARGOCD_DIR / "root.yaml")
            + "') | from_yaml }}",
        },
        tmp_path,
        {"gitops_repo_url": "https://git.example/ops.git", "gitops_target_revision": "v1"},
    )
    assert rendered["project"]["spec"]["sourceRepos"] == ["https://git.example/ops.git"]
    source = rendered["root"]["spec"]["source"]
    assert (source["repoURL"], source["targetRevision"]) == ("https://git.example/ops.git", "v1")
    # The root application's patches reach every Application / ApplicationSet in apps/.
    patches = {p["target"]["kind"]: yaml.safe_load(p["patch"]) for p in source["kustomize"]["patches"]}
    kustomization = yaml.safe_load((ARGOCD_DIR / "apps/kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in (ARGOCD_DIR / "apps").glob("*.yaml")} - {"kustomization.yaml"}
    for name in listed:
        doc = yaml.safe_load((ARGOCD_DIR / "apps" / name).read_text())
        ops = {op["path"]: op["value"] for op in patches[doc["kind"]]}
        spec = doc["spec"]["template"]["spec"] if doc["kind"] == "ApplicationSet" else doc["spec"]
        prefix = "/spec/template/spec/source" if doc["kind"] == "ApplicationSet" else "/spec/source"
        assert "repoURL" in spec["source"] and ops[f"{prefix}/repoURL"] == "https://git.example/ops.git"
        assert ops[f"{prefix}/targetRevision"] == "v1"


def test_a_private_repository_gets_argocd_credentials() -> None:
    play = yaml.safe_load((ANSIBLE_DIR / "playbooks/10-apps.yml").read_text())[0]
    (repo,) = [t for t in play["tasks"] if "repository" in t["name"]]
    definition = repo["kubernetes.core.k8s"]["definition"]
    assert definition["metadata"]["labels"]["argocd.argoproj.io/secret-type"] == "repository"
    assert set(definition["data"]) >= {"url", "username", "password"}
    assert "gitops_repo_url" in definition["data"]["url"] and repo["no_log"] is True


# --- Breaker 8: CRDs ----------------------------------------------------------------------------

BUILTIN_GROUPS = {
    "",
    "apps",
    "batch",
    "networking.k8s.io",
    "storage.k8s.io",
    "rbac.authorization.k8s.io",
    "policy",
}


def _task_lists() -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((ANSIBLE_DIR / "playbooks").glob("*.yml")):
        for i, play in enumerate(yaml.safe_load(path.read_text()) or []):
            out[f"{path.name}#{i}"] = play.get("tasks", [])
    for path in sorted((ANSIBLE_DIR / "roles").glob("*/tasks/main.yml")):
        out[path.parts[-3]] = yaml.safe_load(path.read_text()) or []
    return out


def custom_resources(task: dict[str, Any]) -> list[tuple[str, str]]:
    """(group, kind) of every custom resource a task creates."""
    k8s = task.get("kubernetes.core.k8s") or {}
    if k8s.get("state", "present") != "present":
        return []
    definition = k8s.get("definition")
    docs = (
        definition if isinstance(definition, list) else [definition] if isinstance(definition, dict) else []
    )
    found = []
    for doc in docs:
        group = str(doc.get("apiVersion", "v1")).rpartition("/")[0]
        if group not in BUILTIN_GROUPS:
            found.append((group, doc["kind"]))
    if isinstance(definition, str) and "argocd" in definition:
        found.append(("argoproj.io", "AppProject"))
    return found


def waited_crds(task: dict[str, Any]) -> set[str]:
    command = str(task.get("ansible.builtin.command", ""))
    if "kubectl wait --for condition=established" not in command:
        return set()
    names = set(re.findall(r"crd/([\w.-]+)", command))
    return names | {str(item) for item in task.get("loop", [])} if "{{ item }}" in command else names


def test_every_custom_resource_waits_for_its_crd_first() -> None:
    problems = []
    for where, tasks in _task_lists().items():
        waited: set[str] = set()
        for task in tasks:
            waited |= waited_crds(task)
            for group, kind in custom_resources(task):
                if not any(crd.endswith(f".{group}") and crd.startswith(kind.lower()) for crd in waited):
                    problems.append(f"{where}: {kind}.{group} created before its CRD is established")
    assert problems == []


def test_crd_check_reports_the_calico_installation_race() -> None:
    tasks = _task_lists()["04-cni-install.yml#0"]
    racy = [t for t in tasks if not waited_crds(t)]
    waited: set[str] = set()
    problems = []
    for task in racy:
        waited |= waited_crds(task)
        problems += [k for _, k in custom_resources(task) if not waited]
    assert problems == ["Installation"]


# --- Breaker 9: availability zones ---------------------------------------------------------------


def _zones(tmp_path: Path, offerings: dict[str, list[str]], az_count: int = 3) -> list[str]:
    tmp_path.mkdir(parents=True)
    locations = [az for az, types in offerings.items() for _ in types]
    types = [t for az, ts in offerings.items() for t in ts]
    (tmp_path / "main.tf").write_text(
        f"""
module "zones" {{
  source         = "{TERRAFORM_DIR / "modules/availability-zones"}"
  zones          = {json.dumps(sorted(offerings))}
  instance_types = ["t3a.medium", "t3a.large"]
  az_count       = {az_count}
  offerings      = {{ locations = {json.dumps(locations)}, instance_types = {json.dumps(types)} }}
}}
output "names" {{
  value = module.zones.names
}}
"""
    )
    terraform(["init", "-backend=false", "-input=false", "-no-color"], tmp_path)
    terraform(["apply", "-auto-approve", "-input=false", "-no-color"], tmp_path)
    return json.loads(terraform(["output", "-json", "names"], tmp_path).stdout)


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform binary not installed")
def test_azs_are_chosen_by_instance_type_offerings_not_position(tmp_path: Path) -> None:
    both = ["t3a.medium", "t3a.large"]
    offerings = {
        "ap-northeast-2a": both,
        "ap-northeast-2b": ["t3a.medium"],
        "ap-northeast-2c": both,
        "ap-northeast-2d": both,
    }
    assert _zones(tmp_path / "ok", offerings) == ["ap-northeast-2a", "ap-northeast-2c", "ap-northeast-2d"]
    with pytest.raises(TerraformError, match="Only 2 AZs offer all of"):
        _zones(tmp_path / "short", {**offerings, "ap-northeast-2d": ["t3a.medium"]})


def test_the_vpc_takes_its_azs_from_the_data_sources(root_module: Module) -> None:
    vpc = root_module.child("vpc")
    (subnet,) = vpc.resources_of("aws_subnet")
    assert subnet.body["availability_zone"] == "module.zones.names[count.index]"
    offerings = vpc.data["aws_ec2_instance_type_offerings.zones"].body
    assert offerings["location_type"] == "availability-zone"
    assert vpc.modules["zones"]["zones"] == "data.aws_availability_zones.available.names"
    assert root_module.modules["vpc"]["instance_types"] == "module.topology.instance_types"


# --- Breaker 10: teardown, the alb security group, Helm upgrades ----------------------------------


def test_the_terraform_alb_security_group_is_the_one_the_ingresses_attach(
    root_module: Module, cluster_ingresses: tuple[list[dict[str, Any]], dict[tuple[str, str], str]]
) -> None:
    ingresses, _ = cluster_ingresses
    sg = root_module.child("security_groups").resources["aws_security_group.alb"].body
    name = sg["tags"]["Name"].replace("${var.name}", "ecoeco-prod")
    assert {i["annotations"]["alb.ingress.kubernetes.io/security-groups"] for i in ingresses} == {name}
    assert (
        root_module.modules["inventory"]["cluster_facts"]["alb_security_group"]
        == "module.security_groups.alb_name"
    )
    # The controller then creates no security group (nothing of its own blocks the VPC's deletion).
    play = yaml.safe_load((ANSIBLE_DIR / "playbooks/07-alb-controller.yml").read_text())[0]
    values = play["tasks"][0]["kubernetes.core.helm"]["values"]
    assert values["enableBackendSecurityGroup"] is False


def test_helm_owned_objects_are_configured_through_helm_values() -> None:
    # The ALB controller's chart owns the IngressClass and IngressClassParams "alb": a k8s task
    # creating or patching them is undone by the next `helm upgrade` of the controller.
    helm_owned = {("IngressClass", "alb"), ("IngressClassParams", "alb")}
    offenders = []
    for where, tasks in _task_lists().items():
        for task in tasks:
            k8s = task.get("kubernetes.core.k8s") or {}
            definition = k8s.get("definition")
            docs = (
                definition
                if isinstance(definition, list)
                else [definition]
                if isinstance(definition, dict)
                else []
            )
            for doc in docs:
                if (doc.get("kind"), (doc.get("metadata") or {}).get("name")) in helm_owned:
                    offenders.append(f"{where}: {doc['kind']}")
    assert offenders == []
    play = yaml.safe_load((ANSIBLE_DIR / "playbooks/07-alb-controller.yml").read_text())[0]
    values = play["tasks"][0]["kubernetes.core.helm"]["values"]
    spec = values["ingressClassParams"]["spec"]
    assert spec["group"]["name"] == "{{ alb_group_name }}" and spec["scheme"] == "internet-facing"
    assert values["ingressClassConfig"]["default"] is True


@pytest.fixture
def moto_aws() -> Any:
    from tests.conftest import moto_server

    with moto_server() as url:
        yield url


def test_teardown_leaves_nothing_tagged_and_touches_nothing_else(
    moto_aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    sys_path = str(INFRA_DIR / "scripts")
    monkeypatch.syspath_prepend(sys_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    import leftovers

    region = "ap-northeast-2"
    ec2 = boto3.client("ec2", endpoint_url=moto_aws, region_name=region)
    elb = boto3.client("elbv2", endpoint_url=moto_aws, region_name=region)
    tags = [
        {"Key": "Project", "Value": "ecoeco"},
        {"Key": "Environment", "Value": "prod"},
        {"Key": "ManagedBy", "Value": "kubernetes"},
    ]
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{region}{z}")["Subnet"][
            "SubnetId"
        ]
        for i, z in ((1, "a"), (2, "b"))
    ]
    nodes = ec2.create_security_group(GroupName="nodes", Description="terraform's", VpcId=vpc)["GroupId"]
    backend = ec2.create_security_group(
        GroupName="k8s-traffic",
        Description="controller's",
        VpcId=vpc,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": tags}],
    )["GroupId"]
    # The controller's rule on Terraform's group, which kept the controller's group alive.
    ec2.authorize_security_group_ingress(
        GroupId=nodes,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 30000,
                "ToPort": 32767,
                "UserIdGroupPairs": [{"GroupId": backend}],
            }
        ],
    )
    alb = elb.create_load_balancer(Name="k8s-ecoeco", Subnets=subnets, Tags=tags)["LoadBalancers"][0]
    tg = elb.create_target_group(
        Name="k8s-api", Protocol="HTTP", Port=30080, VpcId=vpc, TargetType="instance", Tags=tags
    )["TargetGroups"][0]
    volume = ec2.create_volume(
        AvailabilityZone=f"{region}a", Size=50, TagSpecifications=[{"ResourceType": "volume", "Tags": tags}]
    )["VolumeId"]
    other_tags = [
        {"Key": "Project", "Value": "ecoeco"},
        {"Key": "Environment", "Value": "staging"},
        {"Key": "ManagedBy", "Value": "kubernetes"},
    ]
    staging = ec2.create_volume(
        AvailabilityZone=f"{region}a",
        Size=1,
        TagSpecifications=[{"ResourceType": "volume", "Tags": other_tags}],
    )["VolumeId"]
    untagged = ec2.create_volume(AvailabilityZone=f"{region}a", Size=1)["VolumeId"]

    args = ["--environment", "prod", "--region", region, "--endpoint-url", moto_aws]
    assert leftovers.main(args) == 1  # listed, nothing deleted
    assert elb.describe_load_balancers()["LoadBalancers"]
    assert leftovers.main([*args, "--delete"]) == 0
    assert [lb["LoadBalancerArn"] for lb in elb.describe_load_balancers()["LoadBalancers"]] == []
    assert tg["TargetGroupArn"] not in [
        t["TargetGroupArn"] for t in elb.describe_target_groups()["TargetGroups"]
    ]
    groups = {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]}
    assert backend not in groups and nodes in groups
    volumes = {v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]}
    assert volume not in volumes and {staging, untagged} <= volumes
    assert alb["LoadBalancerArn"]


def test_teardown_playbook_frees_controller_resources_before_terraform_destroy() -> None:
    play = yaml.safe_load((ANSIBLE_DIR / "teardown.yml").read_text())[0]
    names = [t["name"] for t in play["tasks"]]
    assert names.index(next(n for n in names if "ArgoCD stops" in n)) < names.index(
        next(n for n in names if "Delete them and wait until the ALB controller" in n)
    )
    gv = group_vars()
    assert gv["project_tags"]["ManagedBy"] == "kubernetes"
    helm = yaml.safe_load((ANSIBLE_DIR / "playbooks/07-alb-controller.yml").read_text())[0]["tasks"][0]
    assert helm["kubernetes.core.helm"]["values"]["defaultTags"] == "{{ project_tags }}"
    readme = (INFRA_DIR / "README.md").read_text()
    assert "teardown.yml" in readme and "leftovers.py" in readme and "terraform destroy" in readme


def test_values_merge_helper_still_follows_helm() -> None:
    assert deep_merge({"a": {"b": 1}}, {"a": {"c": 2}}) == {"a": {"b": 1, "c": 2}}


# --- Breaker 1: the image's tag, from one place ---------------------------------------------------


def test_the_image_tag_is_the_charts_app_version() -> None:
    import tomllib

    version = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]
    for chart in ("ecoeco-api", "ecoeco-worker"):
        assert load_yaml(CHARTS_DIR / chart / "Chart.yaml")["appVersion"] == version
        assert load_yaml(CHARTS_DIR / chart / "values.yaml")["image"]["tag"] == ""
        text = "".join(p.read_text() for p in (CHARTS_DIR / chart / "templates").glob("*"))
        uses = re.findall(r"\.Values\.image\.tag[^}]*", text)
        assert uses and all("default .Chart.AppVersion" in u for u in uses), uses
    workflow = (REPO_ROOT / ".github/workflows/image.yml").read_text()
    assert "appVersion" in workflow and "ghcr.io" in workflow and "trivy" in workflow


# --- The console on the bastion ------------------------------------------------------------------


def test_the_bastion_profile_is_a_valid_read_only_prod_profile(tmp_path: Path) -> None:
    from ecoeco.console.config import load_config

    template = ANSIBLE_DIR / "playbooks/templates/console.toml.j2"
    out = evaluate(
        {"toml": "{{ lookup('ansible.builtin.template', '" + str(template) + "') }}"},
        tmp_path,
        {
            **VAULT,
            "console_kubeconfig": "/home/ubuntu/.kube/config",
            "console_prometheus_url": "http://10.96.0.20:9090",
            "console_rabbitmq_url": "http://10.96.0.30:15672",
            "console_rabbitmq_user": "default_user_x",
            "console_rabbitmq_password": "pw",
        },
    )
    (tmp_path / "console.toml").write_text(out["toml"])
    config = load_config(tmp_path / "console.toml")
    prod = config.profiles["prod"]
    assert config.default_profile == "prod"
    assert (prod.environment, prod.read_only, prod.cluster) == ("prod", True, "kubernetes")
    assert prod.prometheus_url == "http://10.96.0.20:9090" and prod.s3_bucket == VAULT["images_bucket"]
    play = yaml.safe_load((ANSIBLE_DIR / "playbooks/11-console.yml").read_text())
    tasks = [t for p in play for t in p["tasks"] + p.get("handlers", [])]
    commands = [t["ansible.builtin.command"]["cmd"] for t in tasks if "ansible.builtin.command" in t]
    assert any("uv build --wheel" in c for c in commands)
    assert any("uv tool install" in c and "--constraints" in c and "--python 3.11" in c for c in commands)
