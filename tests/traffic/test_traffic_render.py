"""Traffic renderers: the same content in each format, empty reports, policy findings shown."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
from rich.console import Console

from tethers.render.traffic import brief, render_traffic_html, render_traffic_json, render_traffic_terminal, span
from tethers.traffic.analyse import analyse
from tethers.traffic.examples import write_example
from tethers.traffic.model import TrafficReport
from tethers.traffic.policy import TrafficPolicy, flag_rules

SCHEMA = json.loads((Path(__file__).parents[2] / "tethers" / "data" / "schemas" / "traffic.schema.json").read_text())


def terminal(report: TrafficReport) -> str:
    buf = io.StringIO()
    render_traffic_terminal(report, Console(file=buf, width=160, highlight=False))
    return buf.getvalue()


def test_empty_report_renders_everywhere():
    report = TrafficReport(inputs=(), endpoints=())
    assert "0 endpoints, 0 flows" in terminal(report)
    jsonschema.validate(json.loads(render_traffic_json(report)), SCHEMA)
    assert "<h1>Where the traffic goes</h1>" in render_traffic_html(report)


def test_violations_in_every_format(tmp_path: Path):
    capture = write_example("clubhouse-2021", tmp_path / "c.pcap")
    report = analyse([str(capture)], policy=TrafficPolicy(tuple(flag_rules(deny={"CN"}, deny_listed=["CN"]))))
    text = terminal(report)
    assert "Policy violations (2)" in text and "Owner countries: CN (China)" in text
    page = render_traffic_html(report)
    assert page.count('class="bar bad"') == 2 and "join-illustrative.sd-rtn.com" in page
    assert "Bytes to providers owned there" in page
    doc = json.loads(render_traffic_json(report))
    assert {v["name"] for v in doc["policy"]["violations"]} == {"join-illustrative.sd-rtn.com", "edge-illustrative.agora.io"}


def test_time_labels():
    assert span(1_600_000_000.0, 1_600_000_065.5) == "2020-09-13T12:26:40.000Z – 12:27:45.500Z"
    assert span(1_600_000_000.0, 1_600_000_000.0) == "2020-09-13T12:26:40.000Z"
    assert brief(1_600_000_000.0, 1_600_000_065.0) == "12:26:40Z +65 s"
