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
    from ecoeco.console.app import EcoApp

    written: list[Path] = []
    app = EcoApp(snapshot=snapshot)
    async with app.run_test(size=size) as pilot:
        # Triage is an area outside AREAS (no footer slot); it is shot like the others.
        for mode in [*(m for m, _t, _s in keys.AREAS), "triage"]:
            await app.switch_mode(mode)
            await pilot.pause()
            await pilot.wait_for_scheduled_animations()
            path = out / f"{stem}-{mode}.svg"
            path.write_text(app.export_screenshot(title=f"Eco² Ops · {stem} · {mode}"), encoding="utf-8")
            written.append(path)
        await app.switch_mode("overview")
        await pilot.press("question_mark")
        await pilot.pause()
        path = out / f"{stem}-help.svg"
        path.write_text(app.export_screenshot(title=f"Eco² Ops · {stem} · help"), encoding="utf-8")
        written.append(path)
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
    for fixture in fixtures:
        try:
            snapshot = load_fixture(fixture)
        except ValueError as exc:
            parser.error(f"{fixture}: not a valid snapshot: {exc}")
        for path in asyncio.run(render_all(snapshot, fixture.stem, args.out, args.size)):
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
