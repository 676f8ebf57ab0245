"""Exposure renderers: hostile names come out escaped in every markup."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
from rich.console import Console

from tethers.analyse.exposure import exposure
from tethers.config.jurisdictions import default_jurisdictions
from tethers.render.exposure import (
    render_exposure_html_section,
    render_exposure_json,
    render_exposure_markdown,
    render_exposure_terminal,
)
from tests.render.hostile import MAP, tags


def test_exposure_markups_escape():
    report = exposure(MAP, default_jurisdictions())
    html = render_exposure_html_section(report)
    assert not tags(html) & {"script", "img", "b"} and "&lt;script&gt;" in html
    assert 'href="https://www.law.cornell.edu/uscode/text/18/2713"' in html
    md = render_exposure_markdown(report)
    assert "<script>" not in md and "Evil \\| Corp \\[bold\\]" in md
    doc = json.loads(render_exposure_json(report))
    schema = resources.files("tethers.data").joinpath("schemas/exposure.schema.json").read_text(encoding="utf-8")
    jsonschema.validate(doc, json.loads(schema))
    assert doc["tethers"][0]["servers"]["countries"] == ["US"]
    console = Console(record=True, width=200, color_system=None)
    render_exposure_terminal(report, console)
    assert "[bold]" in console.export_text()
