"""The Markdown renderer: golden file, escaping, and tables that stay tables."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tethers.model import ScanResult
from tethers.render import render_markdown
from tethers.render.markdown import md


def test_markdown_golden(scans: list[ScanResult], golden: Callable[[str, str], None]) -> None:
    golden("scans.md", render_markdown(scans))


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("`code`", "\\`code\\`"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("line\nbreak", "line\\\\x0abreak"),
        ("[bold red]x[/]", "\\[bold red\\]x\\[/\\]"),
        ("*.example.com", "\\*.example.com"),
        ("back\\slash|", "back\\\\slash\\|"),
        ("&amp;", "&amp;amp;"),
        ("_dmarc.parler.com", "_dmarc.parler.com"),
    ],
)
def test_md_escape(raw: str, escaped: str) -> None:
    assert md(raw) == escaped


def _cells(row: str) -> list[str]:
    # Split on pipes that are not escaped by a backslash (itself not escaped).
    return re.split(r"(?<!\\)(?:\\\\)*\|", row.strip())[1:-1]


def test_every_table_row_has_the_header_column_count(scans: list[ScanResult]) -> None:
    text = render_markdown(scans)
    blocks = re.findall(r"((?:^\|.*\n)+)", text, flags=re.M)
    assert len(blocks) == 3  # dependencies, unattributed, countries
    for block in blocks:
        rows = block.splitlines()
        width = len(_cells(rows[0]))
        assert all(len(_cells(row)) == width for row in rows), block


def test_hostile_content_is_inert(parler: ScanResult) -> None:
    text = render_markdown([parler])
    assert "<script" not in text and "\x07" not in text and "\x1b" not in text
    assert "TXT &lt;script&gt;alert(1)&lt;/script&gt; \\[bold red\\]x\\[/\\] \\\\x07" in text
    # The only raw HTML is the line break between evidence items.
    assert set(re.findall(r"<[^>]*>", text)) == {"<br>"}


def test_sections(scans: list[ScanResult]) -> None:
    text = render_markdown(scans)
    assert text.startswith("# tethers report\n")
    assert text.endswith("\n") and not text.endswith("\n\n")
    heads = re.findall(r"^#{2,3} .*$", text, flags=re.M)
    assert heads == [
        "## parler.com", "### Dependencies", "### Unattributed evidence", "### Countries", "### Errors",
        "## gone.example", "### Errors",
    ]
    assert "| dns | Epik | Epik Inc. | US | US | NS ns3.epik.com<br>NS ns4.epik.com |" in text
    assert "| RU | Russia | hosting | hosting |" in text
    assert "**Nothing could be learnt about this domain: every lookup failed.**" in text
