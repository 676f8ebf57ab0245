from __future__ import annotations

import copy
import io
import json
import re
from typing import Any

from rich.console import Console

from tethers.render.attack import (
    render_attack_html,
    render_attack_json,
    render_attack_markdown,
    render_attack_terminal,
    sparkline,
)

EVIL = '<script>alert(1)</script>\x1b[31m|"'


def hostile(report: dict[str, Any]) -> dict[str, Any]:
    """The report with text from the world replaced by markup, pipes and escape codes."""
    r = copy.deepcopy(report)
    r["inputs"][0]["path"] = EVIL
    r["inputs"][0]["malformed_samples"] = [EVIL]
    for ep in r["episodes"]:
        for row in ep["by_asn"]:
            row["as_name"] = EVIL
    return r


def terminal(report: dict[str, Any]) -> str:
    buf = io.StringIO()
    render_attack_terminal(report, Console(file=buf, width=120, color_system=None))
    return buf.getvalue()


def test_terminal_shows_each_wave_and_its_verdicts(incident_report) -> None:
    text = terminal(incident_report)
    for needle in ("http surge", "udp-reflection surge", "tcp-syn surge", "DOES NOT HOLD", "WEAK", "PARTLY",
                   "probably forged", "reflectors, not the attacker", "Limits:"):
        assert needle in text, needle


def test_terminal_cleans_control_characters(incident_report) -> None:
    text = terminal(hostile(incident_report))
    assert "\x1b" not in text and "\\x1b[31m" in text


def test_json_round_trips(incident_report) -> None:
    assert json.loads(render_attack_json(incident_report)) == json.loads(json.dumps(incident_report))


def test_markdown_escapes_pipes_and_markup(incident_report) -> None:
    text = render_attack_markdown(hostile(incident_report))
    assert "<script>" not in text and "\x1b" not in text
    for line in text.splitlines():
        if line.startswith("| The "):
            assert len(re.findall(r"(?<!\\)\|", line)) == 6  # five cells, nothing leaked a column


def test_html_is_self_contained_and_escaped(incident_report) -> None:
    page = render_attack_html(hostile(incident_report))
    assert "<script>" not in page and "&lt;script&gt;" in page and "\x1b" not in page
    assert page.count("<svg") == 1 and "<polyline" in page
    assert "Content-Security-Policy" in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "DOES NOT HOLD" in page


def test_sparkline() -> None:
    assert sparkline([0, 1, 2, 4, 8]) == " ▂▃▅█"
    assert sparkline([]) == ""
    assert len(sparkline([1.0] * 1000, width=50)) <= 50
