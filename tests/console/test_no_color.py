"""NO_COLOR (issue 13 item 12): scrollbars are drawn as bars, not as stray blocks, and the tables that
can fit 80 columns show every column whole. Rendered by the real app under Pilot with NO_COLOR set,
through the same monochrome filter Textual applies on a terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.color import Color as RichColor
from rich.style import Style
from textual.geometry import Region
from textual.widgets import DataTable

from ecoeco.console.app import EcoApp
from ecoeco.console.snapshot import Snapshot

FIXTURES = Path(__file__).parent / "fixtures"
NARROW = (80, 24)


def fixture(name: str) -> Snapshot:
    return Snapshot.model_validate_json((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")


def _luminance(color: RichColor | None) -> float:
    if color is None or color.is_default:
        return 0.0
    r, g, b = color.get_truecolor()
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def _shown_background(style: Style) -> float:
    """What the eye sees as a cell's background: its background, or its foreground when reversed."""
    return _luminance(style.color if style.reverse else style.bgcolor)


@pytest.mark.parametrize(("mode", "table_id"), [("nodes", "nodes-table"), ("nodes", "pods-table")])
async def test_a_scrollbar_thumb_stands_out_from_its_track(mode: str, table_id: str) -> None:
    app = EcoApp(snapshot=fixture("incident"))
    async with app.run_test(size=NARROW) as pilot:
        assert app.no_color
        await app.switch_mode(mode)
        await pilot.pause()
        table = app.screen.query_one(f"#{table_id}", DataTable)
        assert table.show_vertical_scrollbar  # more rows than fit: the bar is the only hint
        bar = table.vertical_scrollbar
        strips = bar.render_lines(Region(0, 0, bar.size.width, bar.size.height))
        shades = []
        for strip in strips:
            segments = list(strip)
            for f in app._filters:  # what reaches the terminal (Monochrome under NO_COLOR)
                segments = f.apply(segments, app.styles.background)
            shades.append(_shown_background(segments[0].style or Style()))
        # Thumb and track: two clearly different shades (before the fix: 0.07 apart, plus stray ▅ ends).
        assert max(shades) - min(shades) > 0.5, shades


async def test_the_tables_that_can_fit_80_columns_show_every_column() -> None:
    app = EcoApp(snapshot=fixture("incident"))
    async with app.run_test(size=NARROW) as pilot:
        for mode, table_id in (
            ("nodes", "nodes-table"),
            ("queues", "queues-table"),
            ("services", "workloads-table"),
        ):
            await app.switch_mode(mode)
            await pilot.pause()
            table = app.screen.query_one(f"#{table_id}", DataTable)
            cut = table.virtual_size.width - table.scrollable_content_region.width
            assert cut <= 0, f"{table_id}: {cut} column(s) cut off at 80x24"
            assert not table.show_horizontal_scrollbar


async def test_a_node_tile_with_restarts_shows_its_pods_and_restarts_whole() -> None:
    snap = fixture("healthy")
    node = next(n for n in snap.cluster.nodes if n.name == "k8s-api-auth")
    node.pods[0].restarts = 2
    app = EcoApp(snapshot=snap)
    async with app.run_test(size=NARROW) as pilot:
        await pilot.pause()
        tile = app.screen.query_one("#tile-k8s-api-auth")
        lines = tile.render_lines(Region(0, 0, tile.size.width, tile.size.height))
        text = "\n".join(line.text for line in lines)
        assert "↻2" in text and "…" not in text, text
