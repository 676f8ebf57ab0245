"""Renderers: one pure function per output format.

``FORMATS`` maps each ``--format`` name to a function taking the scans and
returning the text to write. The terminal renderer is the exception: it prints to
a rich ``Console`` (``render_terminal(scans, console)``), so its entry takes the
console too and returns ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tethers.render.html import render_html
from tethers.render.json import render_json, render_jsonl, render_jsonl_line
from tethers.render.markdown import render_markdown
from tethers.render.terminal import render_terminal

FORMATS: dict[str, Callable[..., Any]] = {
    "terminal": render_terminal,
    "json": render_json,
    "jsonl": render_jsonl,
    "md": render_markdown,
    "html": render_html,
}

__all__ = [
    "FORMATS",
    "render_html",
    "render_json",
    "render_jsonl",
    "render_jsonl_line",
    "render_markdown",
    "render_terminal",
]
