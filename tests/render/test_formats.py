"""The package surface the CLI relies on."""

from __future__ import annotations

import io

from rich.console import Console

import tethers.render as render
from tethers.model import ScanResult


def test_formats_and_exports() -> None:
    assert list(render.FORMATS) == ["terminal", "json", "jsonl", "md", "html"]
    assert sorted(render.__all__) == sorted(
        ["FORMATS", "render_html", "render_json", "render_jsonl", "render_jsonl_line", "render_markdown", "render_terminal"]
    )


def test_text_formats_return_text_ending_in_newline(scans: list[ScanResult]) -> None:
    for name in ("json", "jsonl", "md", "html"):
        text = render.FORMATS[name](scans)
        assert isinstance(text, str) and text.endswith("\n") and not text.endswith("\n\n"), name


def test_terminal_format_prints_to_the_console(scans: list[ScanResult]) -> None:
    console = Console(file=io.StringIO(), width=120, color_system=None)
    assert render.FORMATS["terminal"](scans, console) is None
    assert "parler.com" in console.file.getvalue()  # type: ignore[attr-defined]
