"""Count the resources `terraform plan` would create (from the parsed code) and time the offline checks.

    uv run python bench/infra_plan_count.py            # counts + timings of the quick checks
    uv run python bench/infra_plan_count.py --lint     # also time ansible-lint (slow)
    uv run python bench/infra_plan_count.py --pytest   # also time `pytest tests/infra -m "not slow"`

Prints figures only; nothing here asserts a duration.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "infra"))

from infracheck import ANSIBLE_DIR, CHARTS_DIR, TERRAFORM_DIR  # noqa: E402
from infracheck.charts import argocd_releases, capacity_problems, placement_problems, schema_errors  # noqa: E402
from infracheck.offline_terraform import render, terraform  # noqa: E402
from infracheck.plan_count import load_topology_nodes, plan_counts  # noqa: E402
from infracheck.references import all_problems  # noqa: E402
from infracheck.terraform import load_module  # noqa: E402
from infracheck.tools import run_tool, venv_tool  # noqa: E402


def print_counts(counts: Counter) -> None:
    by_type: Counter = Counter()
    for key, n in counts.items():
        by_type[key.split("/")[-1]] += n
    print("Resources a plan would create on an empty state (from the parsed code):")
    for rtype, n in sorted(by_type.items()):
        print(f"  {n:4d}  {rtype}")
    print(f"  {sum(by_type.values()):4d}  TOTAL ({len(by_type)} types)")


def timed(label: str, fn: Callable[[], object], results: list[tuple[str, float]]) -> object:
    start = time.perf_counter()
    out = fn()
    results.append((label, time.perf_counter() - start))
    return out


def check_charts() -> None:
    nodes = list(load_topology_nodes().values())
    releases = argocd_releases()
    for rel in releases:
        values = rel.values()
        assert not schema_errors(rel.chart_dir, values), rel
        if "nodeSelector" in values:
            assert not placement_problems(rel.name, values["nodeSelector"], values["tolerations"], nodes), rel
    assert not capacity_problems(releases, nodes)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lint", action="store_true", help="also time ansible-lint --offline")
    parser.add_argument("--pytest", action="store_true", help='also time pytest tests/infra -m "not slow"')
    args = parser.parse_args()

    results: list[tuple[str, float]] = []
    counts = timed("parse Terraform (hcl2) + count plan", plan_counts, results)
    print_counts(counts)  # type: ignore[arg-type]

    timed("reference check (validate stand-in)", lambda: all_problems(load_module(TERRAFORM_DIR)), results)
    if shutil.which("terraform"):
        timed(
            "terraform fmt -check -recursive",
            lambda: terraform(["fmt", "-check", "-recursive"], TERRAFORM_DIR),
            results,
        )
        with tempfile.TemporaryDirectory() as tmp:
            out = timed(
                "terraform init+apply of topology/inventory", lambda: render(Path(tmp) / "tf"), results
            )
            inventory = Path(tmp) / "hosts.yml"
            inventory.write_text(out["ansible_inventory"])  # type: ignore[index]
            playbook = venv_tool("ansible-playbook")
            timed(
                "ansible-playbook --syntax-check site.yml",
                lambda: run_tool([playbook, "-i", str(inventory), "--syntax-check", "site.yml"], ANSIBLE_DIR),
                results,
            )
    timed("chart schemas + placement + capacity", check_charts, results)
    if shutil.which("promtool"):
        rules = CHARTS_DIR / "ecoeco-monitoring/files/rules/ecoeco.rules.yaml"
        unit = REPO / "tests/infra/promtool/ecoeco_rules_test.yaml"
        timed(
            "promtool check + test rules",
            lambda: (
                subprocess.run(["promtool", "check", "rules", str(rules)], capture_output=True, check=True),
                subprocess.run(["promtool", "test", "rules", str(unit)], capture_output=True, check=True),
            ),
            results,
        )
    if args.lint:
        lint = venv_tool("ansible-lint")
        timed(
            "ansible-lint --offline",
            lambda: run_tool([lint, "--offline", "-q"], ANSIBLE_DIR, timeout=900),
            results,
        )
    if args.pytest:
        timed(
            'pytest tests/infra -m "not slow"',
            lambda: subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    "-m",
                    "not slow",
                    "tests/infra",
                ],
                cwd=REPO,
                capture_output=True,
            ),
            results,
        )

    print("\nOffline check timings (wall clock, this machine, now):")
    for label, seconds in results:
        print(f"  {seconds:7.2f} s  {label}")
    quick = sum(s for label, s in results if not label.startswith(("ansible-lint", "pytest")))
    print(f"  {quick:7.2f} s  quick checks total")
    return 0


if __name__ == "__main__":
    sys.exit(main())
