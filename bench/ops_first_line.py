"""Keypress to the first streamed line of an operation in the TUI: the time from pressing Run (the
key that starts the run) to the first line in the output pane, for ``terraform.plan`` (the real
terraform binary) and ``ansible.check`` of one stage (the real ansible-runner), on the test
fixtures. Headless (Textual's Pilot), so it measures the console and the tool, not a terminal.

    uv run python bench/ops_first_line.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from textual.widgets import Button, Input, Log

from ecoeco.console.app import EcoApp
from ecoeco.console.config import Profile
from ecoeco.console.ops import OperationRunner
from ecoeco.console.ops.registry import operations
from ecoeco.console.ops.terraform import TerraformInit
from ecoeco.console.screens.actions import OperationScreen

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "integration" / "ops"


async def first_line(profile: Profile, name: str, params: dict[str, str]) -> float:
    app = EcoApp(profile)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.switch_mode("actions")
        app.push_screen(OperationScreen(operations()[name]))
        while not app.screen.query("#op-run"):
            await pilot.pause(0.01)
        screen = app.screen
        assert isinstance(screen, OperationScreen)
        for key, value in params.items():
            screen.query_one(f"#param-{key}", Input).value = value
        await pilot.click("#op-plan-button")
        while screen.plan is None or screen.query_one("#op-run", Button).disabled:
            await pilot.pause(0.01)
        screen.query_one("#op-run", Button).focus()
        log = screen.query_one("#op-log", Log)
        t0 = time.perf_counter()
        # Not awaited: Pilot's press also waits for the app to go idle (the button's animation), which a
        # real keypress does not; the clock stops when the line is in the pane.
        pressing = asyncio.ensure_future(pilot.press("enter"))
        while not log.lines:
            await asyncio.sleep(0.001)
        took = time.perf_counter() - t0
        await pressing
        while screen.handle is not None:  # let the run end before the next one
            await pilot.pause(0.05)
    return took


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ecoeco-bench-ops-"))
    shutil.copytree(FIXTURES / "tf" / "nodes", work / "terraform")
    shutil.copytree(FIXTURES / "ansible", work / "ansible")
    (work / "terraformrc").write_text("")
    os.environ["TF_CLI_CONFIG_FILE"] = str(work / "terraformrc")
    os.environ["ECOECO_CONSOLE_STATE_DIR"] = str(work / "state")
    profile = Profile(
        name="bench",
        environment="sandbox",
        terraform_dir=str(work / "terraform"),
        ansible_dir=str(work / "ansible"),
    )
    init = OperationRunner(profile)
    init.run(init.plan(TerraformInit(), {}))
    for name, params in (("terraform.plan", {}), ("ansible.check", {"stages": "hello"})):
        times = [asyncio.run(first_line(profile, name, params)) for _ in range(args.runs)]
        print(
            f"{name}: keypress to first streamed line: median {statistics.median(times) * 1000:.0f} ms "
            f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}, {args.runs} runs)"
        )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
