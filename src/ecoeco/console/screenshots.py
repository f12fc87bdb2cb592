"""``ecoeco-console screenshot``: every screen, rendered headlessly from the fixed snapshots, as SVG.

One command regenerates ``screenshots/``:  ``uv run ecoeco-console screenshot --out screenshots/``.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from ecoeco.console import keys
from ecoeco.console.snapshot import Snapshot

# The fixtures live in the repository (a checkout), not in the installed package.
DEFAULT_FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "console" / "fixtures"


def parse_size(text: str) -> tuple[int, int]:
    try:
        cols, rows = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 120x40, got {text!r}") from None
    if cols < 40 or rows < 12:
        raise argparse.ArgumentTypeError(f"size {text} is too small (minimum 40x12)")
    return cols, rows


def load_fixture(path: Path) -> Snapshot:
    return Snapshot.model_validate_json(path.read_text(encoding="utf-8"))


async def render_all(snapshot: Snapshot, stem: str, out: Path, size: tuple[int, int]) -> list[Path]:
    # Triage is an area outside AREAS (no footer slot); it is shot like the others.
    modes = [*(m for m, _t, _s in keys.AREAS), "triage"]
    return await render_modes(snapshot, stem, out, size, modes, with_help=True)


async def render_modes(
    snapshot: Snapshot,
    stem: str,
    out: Path,
    size: tuple[int, int],
    modes: list[str],
    *,
    with_help: bool = False,
) -> list[Path]:
    """The areas ``modes`` of a console showing ``snapshot`` as ``out/<stem>-<mode>.svg`` (the help
    overlay too when asked). Shared by ``screenshot`` and ``triage --bundle``."""
    from ecoeco.console.app import EcoApp

    written: list[Path] = []
    app = EcoApp(snapshot=snapshot)
    async with app.run_test(size=size) as pilot:
        for mode in modes:
            await app.switch_mode(mode)
            await pilot.pause()
            await pilot.wait_for_scheduled_animations()
            path = out / f"{stem}-{mode}.svg"
            path.write_text(app.export_screenshot(title=f"Eco² Ops · {stem} · {mode}"), encoding="utf-8")
            written.append(path)
        if not with_help:
            return written
        await app.switch_mode("overview")
        await pilot.press("question_mark")
        await pilot.pause()
        path = out / f"{stem}-help.svg"
        path.write_text(app.export_screenshot(title=f"Eco² Ops · {stem} · help"), encoding="utf-8")
        written.append(path)
    return written


# moto keeps its backends per process, shared with the tests' own moto servers when the screenshots
# are taken in a test: regions no test uses.
REGIONS = ("ap-southeast-3", "ap-southeast-4", "eu-central-2")
DEMO_DIR = Path("/tmp/ecoeco-console-screenshots")  # fixed, so the paths shown stay the same
OPS_FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "integration" / "ops"


def _restore_env(saved: dict[str, str | None]) -> None:
    import os

    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


async def _until(pilot: object, predicate: object, timeout: float = 120.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():  # type: ignore[operator]
        if loop.time() > deadline:
            raise RuntimeError("screenshot: the screen did not get there in time")
        await pilot.pause(0.05)  # type: ignore[attr-defined]


async def render_operations(out: Path, size: tuple[int, int]) -> list[Path]:
    """The write side with real tools on the test fixtures: the Actions list, a terraform plan summary,
    the typed confirmation, the streamed apply, an Ansible check's per-host progress, the Audit area.
    Skipped (with a note) where terraform or ansible-playbook is not installed."""
    import os
    import shutil

    from textual.widgets import Input, Log

    from ecoeco.console.app import EcoApp
    from ecoeco.console.config import Profile
    from ecoeco.console.errors import OperatorError
    from ecoeco.console.ops import OperationRunner
    from ecoeco.console.ops.proc import find_binary
    from ecoeco.console.ops.registry import operations
    from ecoeco.console.ops.terraform import TerraformInit
    from ecoeco.console.screens.actions import ActionsScreen, ConfirmScreen, OperationScreen

    try:
        terraform = find_binary("terraform")
        find_binary("ansible-playbook")
    except OperatorError as exc:
        print(f"screenshot: operation screens skipped: {exc}")
        return []
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    shutil.copytree(OPS_FIXTURES / "tf" / "nodes", DEMO_DIR / "terraform")
    shutil.copytree(OPS_FIXTURES / "ansible", DEMO_DIR / "ansible")
    state = DEMO_DIR / "state"
    saved = {k: os.environ.get(k) for k in ("ECOECO_CONSOLE_STATE_DIR", "TF_CLI_CONFIG_FILE")}
    os.environ["ECOECO_CONSOLE_STATE_DIR"] = str(state)
    (DEMO_DIR / "terraformrc").write_text("")  # no "missing CLI configuration" warning in the pictures
    os.environ["TF_CLI_CONFIG_FILE"] = str(DEMO_DIR / "terraformrc")
    profile = Profile(
        name="staging",
        environment="staging",
        terraform_dir=str(DEMO_DIR / "terraform"),
        terraform_bin=terraform,
        ansible_dir=str(DEMO_DIR / "ansible"),
    )
    written: list[Path] = []
    try:
        init = OperationRunner(profile, state_dir=state)
        init.run(init.plan(TerraformInit(), {}), timeout=120)
        app = EcoApp(profile)
        async with app.run_test(size=size) as pilot:

            def shot(name: str) -> None:
                path = out / f"ops-{name}.svg"
                path.write_text(app.export_screenshot(title=f"Eco² Ops · staging · {name}"), encoding="utf-8")
                written.append(path)

            await app.switch_mode("actions")
            await _until(pilot, lambda: isinstance(app.screen, ActionsScreen))
            await pilot.pause()
            shot("actions")

            app.push_screen(OperationScreen(operations()["terraform.apply"]))
            await _until(pilot, lambda: bool(app.screen.query("#op-plan-button")))
            screen = app.screen
            assert isinstance(screen, OperationScreen)
            await pilot.click("#op-plan-button")
            await _until(pilot, lambda: screen.plan is not None)
            await pilot.pause()
            shot("terraform-plan")

            await pilot.click("#op-run")
            await _until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            modal = app.screen
            modal.query_one("#confirm-env", Input).focus()
            await pilot.press(*"stag")
            await pilot.pause()
            shot("confirm")
            await pilot.press(*"ing", "enter")
            await _until(pilot, lambda: app.screen is screen)
            await _until(
                pilot, lambda: any(line.startswith("== ") for line in screen.query_one("#op-log", Log).lines)
            )
            await pilot.pause()
            shot("terraform-apply")
            app.pop_screen()

            app.push_screen(OperationScreen(operations()["ansible.check"]))
            await _until(pilot, lambda: bool(app.screen.query("#op-plan-button")))
            ansible = app.screen
            assert isinstance(ansible, OperationScreen)
            ansible.query_one("#param-stages", Input).value = "hello, config, fails"
            # The demo's Terraform module has no ansible_inventory output: name the fixture's inventory.
            ansible.query_one("#param-inventory", Input).value = str(DEMO_DIR / "ansible" / "inventory.yml")
            await pilot.click("#op-plan-button")
            await _until(pilot, lambda: ansible.plan is not None)
            await pilot.click("#op-run")
            await _until(
                pilot, lambda: any(line.startswith("== ") for line in ansible.query_one("#op-log", Log).lines)
            )
            await pilot.pause()
            shot("ansible-check")
            app.pop_screen()

            await app.switch_mode("audit")
            await pilot.pause()
            shot("audit")
    finally:
        _restore_env(saved)
    return written


async def render_infra_operations(out: Path, size: tuple[int, int]) -> list[Path]:
    """The operations on the sandbox's simulated infrastructure: the vCPU quota short of the topology,
    the rebuild's plan (pre-flight and the sandbox module's 20 resources), the destroy with cleanup
    listing what the controllers left. AWS is moto in this process (with the sandbox's EC2 quota);
    skipped (with a note) without the platform extra or the terraform binary."""
    import logging
    import os
    import shutil
    import socket

    from textual.widgets import Log

    from ecoeco.console.app import EcoApp
    from ecoeco.console.config import Profile
    from ecoeco.console.errors import OperatorError
    from ecoeco.console.ops import OperationRunner
    from ecoeco.console.ops.proc import find_binary
    from ecoeco.console.ops.registry import operations
    from ecoeco.console.ops.terraform import TerraformInit
    from ecoeco.console.sandbox_infra import ANSIBLE_DIR, TERRAFORM_DIR
    from ecoeco.console.screens.actions import OperationScreen

    try:
        terraform = find_binary("terraform")
        import boto3
        from moto.server import ThreadedMotoServer

        from ecoeco.shared import moto_quotas
    except (OperatorError, ImportError) as exc:
        print(f"screenshot: infrastructure operation screens skipped: {exc}")
        return []
    work = DEMO_DIR / "infra"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    moto_quotas.install()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log is not the console's
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    saved = {k: os.environ.get(k) for k in ("ECOECO_CONSOLE_STATE_DIR", "TF_CLI_CONFIG_FILE")}
    os.environ["ECOECO_CONSOLE_STATE_DIR"] = str(work / "state")
    (work / "terraformrc").write_text("")
    os.environ["TF_CLI_CONFIG_FILE"] = str(work / "terraformrc")
    written: list[Path] = []
    try:
        with moto_quotas.settings():
            base = {"name": "sandbox", "environment": "sandbox", "aws_endpoint_url": url, "terraform_bin": terraform,
                    "terraform_dir": str(TERRAFORM_DIR), "ansible_dir": str(ANSIBLE_DIR),
                    "terraform_backend_config": [f"path={work / 'terraform.tfstate'}"]}  # fmt: skip
            aws = {"endpoint_url": url, "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
            init = OperationRunner(Profile.model_validate(base), state_dir=work / "state")
            init.run(init.plan(TerraformInit(), {}), timeout=120)

            async def shoot(region: str, name: str, stem: str, run: bool) -> None:
                app = EcoApp(Profile.model_validate(base | {"aws_region": region}))
                async with app.run_test(size=size) as pilot:
                    await app.switch_mode("actions")
                    app.push_screen(OperationScreen(operations()[name]))
                    await _until(pilot, lambda: bool(app.screen.query("#op-plan-button")))
                    screen = app.screen
                    assert isinstance(screen, OperationScreen)
                    await pilot.click("#op-plan-button")
                    await _until(pilot, lambda: screen.plan is not None)
                    if run:
                        await pilot.click("#op-run")
                        await _until(
                            pilot,
                            lambda: any(
                                line.startswith("== ") for line in screen.query_one("#op-log", Log).lines
                            ),
                        )
                    await pilot.pause()
                    path = out / f"ops-{stem}.svg"
                    path.write_text(
                        app.export_screenshot(title=f"Eco² Ops · sandbox · {stem}"), encoding="utf-8"
                    )
                    written.append(path)

            # A fresh account: the default quota (16) against the 26 vCPUs the topology needs.
            await shoot(REGIONS[0], "quota.show", "quota-show", run=True)
            # Enough quota: the rebuild's plan is its pre-flight and the sandbox module's saved plan.
            moto_quotas.SETTINGS["default_vcpus"] = 32
            await shoot(REGIONS[1], "rebuild", "rebuild-plan", run=False)
            # What the ALB controller and the EBS CSI driver left: listed in the destroy's plan.
            ec2 = boto3.client("ec2", region_name=REGIONS[2], **aws)
            tags = [{"Key": "Project", "Value": "ecoeco"}, {"Key": "Environment", "Value": "sandbox"}]
            for pvc in ("data/postgresql-data-0", "monitoring/prometheus-db-0"):
                ec2.create_volume(AvailabilityZone=f"{REGIONS[2]}a", Size=20, TagSpecifications=[{
                    "ResourceType": "volume",
                    "Tags": [*tags, {"Key": "ebs.csi.aws.com/cluster", "Value": "true"},
                             {"Key": "kubernetes.io/created-for/pvc/namespace", "Value": pvc.split("/")[0]},
                             {"Key": "kubernetes.io/created-for/pvc/name", "Value": pvc.split("/")[1]}],
                }])  # fmt: skip
            vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
            ec2.create_security_group(
                GroupName="k8s-ecoeco-api", Description="managed by the ALB controller", VpcId=vpc,
                TagSpecifications=[{"ResourceType": "security-group",
                                    "Tags": [*tags, {"Key": "elbv2.k8s.aws/cluster", "Value": "ecoeco"}]}],
            )  # fmt: skip
            await shoot(REGIONS[2], "destroy.cleanup", "destroy-plan", run=False)
    finally:
        server.stop()
        _restore_env(saved)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ecoeco-console screenshot", description=__doc__)
    parser.add_argument(
        "--out", type=Path, default=Path("screenshots"), help="output folder (default screenshots/)"
    )
    parser.add_argument("--size", type=parse_size, default=(120, 40), help="COLSxROWS (default 120x40)")
    parser.add_argument(
        "--fixtures", type=Path, default=DEFAULT_FIXTURES, help="folder of snapshot JSON files to render"
    )
    args = parser.parse_args(argv)
    fixtures = sorted(args.fixtures.glob("*.json"))
    if not fixtures:
        parser.error(f"no snapshot fixtures (*.json) in {args.fixtures}")
    args.out.mkdir(parents=True, exist_ok=True)
    import os

    # The fixture pictures of Actions and Audit show an empty log, never the developer's own.
    os.environ["ECOECO_CONSOLE_STATE_DIR"] = str(DEMO_DIR / "empty-state")
    for fixture in fixtures:
        try:
            snapshot = load_fixture(fixture)
        except ValueError as exc:
            parser.error(f"{fixture}: not a valid snapshot: {exc}")
        for path in asyncio.run(render_all(snapshot, fixture.stem, args.out, args.size)):
            print(path)
    for path in asyncio.run(render_operations(args.out, args.size)):
        print(path)
    for path in asyncio.run(render_infra_operations(args.out, args.size)):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
