"""What-if and concentration renderers: embeddable HTML sections, empty inputs, escaping."""

from __future__ import annotations

import io
import json
from importlib import resources

import pytest
from jsonschema import Draft202012Validator
from rich.console import Console

from tethers.analyse.concentration import concentration, portfolio
from tethers.analyse.whatif import Cut, CutItem, CutKind, minimal_cut_sets, simulate
from tethers.model import DependencyMap, Evidence, Origin, ProviderRef, Tether
from tethers.model.evidence import DNS_TXT
from tethers.render import concentration as concentration_render
from tethers.render import whatif as whatif_render
from tethers.render.concentration import render_concentration_html_section, render_concentration_json
from tethers.render.whatif import (
    render_whatif_html_section,
    render_whatif_json,
    render_whatif_markdown,
    render_whatif_terminal,
)
from tethers.types import Function

HOSTILE = "<img src=x onerror=alert(1)> [bold]b[/] \x1b[31m"
EVIL = ProviderRef("evil", HOSTILE, HOSTILE, "US", "evil", HOSTILE, ("evil",))
TXT = Evidence(DNS_TXT, "example.com", HOSTILE, HOSTILE)


def hostile_map():
    return DependencyMap(HOSTILE, (Tether(Function.OTHER_SAAS, EVIL, Origin.BOTH, True, (TXT,), note=HOSTILE),))


def hostile_cut():
    return Cut((CutItem(CutKind.PROVIDER, "evil", HOSTILE, "javascript:alert(1)", "2024-01-01"),), HOSTILE, HOSTILE)


def test_whatif_section_is_one_escaped_section():
    m = hostile_map()
    html = render_whatif_html_section(simulate(m, hostile_cut()), minimal_cut_sets(m))
    assert html.startswith('<section class="scan whatif">') and html.endswith("</section>")
    assert "<html" not in html and "<img" not in html and "&lt;img src=x" in html
    assert "\x1b" not in html
    assert 'href="javascript' not in html  # a source that is not a web address is shown, never linked


def test_whatif_terminal_prints_content_literally():
    m = hostile_map()
    buffer = io.StringIO()
    render_whatif_terminal(simulate(m, hostile_cut()), minimal_cut_sets(m), Console(file=buffer, width=200, highlight=False))
    out = buffer.getvalue()
    assert "[bold]b[/]" in out and "\x1b[31m" not in out and "\\x1b[31m" in out


def test_whatif_markdown_escapes_and_json_round_trips():
    m = hostile_map()
    result, cuts = simulate(m, hostile_cut()), minimal_cut_sets(m)
    md = render_whatif_markdown(result, cuts)
    assert "<img" not in md and "\\[bold\\]" in md
    doc = json.loads(render_whatif_json(result, cuts))
    assert doc["organisation"] == HOSTILE  # JSON keeps the data exact; consumers escape for their medium
    assert doc["functions"][0]["lost"][0]["note"] == HOSTILE


def test_empty_map_renders_everywhere():
    m = DependencyMap("Nothing", ())
    result, cuts = simulate(m, Cut()), minimal_cut_sets(m)
    buffer = io.StringIO()
    render_whatif_terminal(result, cuts, Console(file=buffer, width=120))
    assert "no function to analyse" in buffer.getvalue()
    assert json.loads(render_whatif_json(result, cuts))["functions"] == []
    assert "<section" in render_whatif_html_section(result, cuts)
    doc = json.loads(render_concentration_json([concentration(m)], None))
    assert doc["targets"][0]["tethers"] == 0 and doc["portfolio"] is None


def test_concentration_section_is_one_escaped_section():
    maps = [hostile_map(), hostile_map()]
    html = render_concentration_html_section([concentration(m) for m in maps], portfolio(maps))
    assert html.startswith('<section class="scan concentration">') and html.endswith("</section>")
    assert "<img" not in html and "&lt;img src=x" in html and "What the 2 targets lean on" in html


def schema(name):
    return json.loads(resources.files("tethers.data").joinpath(f"schemas/{name}.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("name", "module"), [("whatif", whatif_render), ("concentration", concentration_render)])
def test_schemas_are_valid_and_name_the_contract(name, module):
    document = schema(name)
    Draft202012Validator.check_schema(document)
    assert document["properties"]["schema"]["const"] == module.SCHEMA
    assert document["$defs"]["function"]["enum"] == [f.value for f in Function]


def test_edge_documents_follow_their_schemas():
    m = hostile_map()
    empty = DependencyMap("Nothing", ())
    whatif = Draft202012Validator(schema("whatif"))
    for dmap, cut in ((m, hostile_cut()), (empty, Cut())):
        whatif.validate(json.loads(render_whatif_json(simulate(dmap, cut), minimal_cut_sets(dmap, max_size=1))))
    conc = Draft202012Validator(schema("concentration"))
    conc.validate(json.loads(render_concentration_json([concentration(empty)], None)))
    conc.validate(json.loads(render_concentration_json([concentration(m), concentration(m)], portfolio([m, m]))))
