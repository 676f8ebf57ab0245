"""Check renderers: hostile names come out escaped in every markup."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
from rich.console import Console

from tethers.analyse.policy import evaluate
from tethers.config.policy import Policy, Rule, RuleKind
from tethers.render.check import render_check_html_section, render_check_json, render_check_markdown, render_check_terminal
from tests.render.hostile import MAP, tags

POLICY = Policy("<i>policy</i>", "p.toml", (Rule("no-us", RuleKind.OWNER_COUNTRY, countries=frozenset({"US"}),
                                                  listed=("US",)),))


def test_check_html_and_markdown_escape():
    report = evaluate(MAP, POLICY)
    html = render_check_html_section(report)
    assert not tags(html) & {"script", "img", "b", "i"}
    assert "&lt;script&gt;" in html and "\\x07" in html
    md = render_check_markdown(report)
    assert "<script>" not in md and "<img" not in md and "&lt;script&gt;" in md
    doc = json.loads(render_check_json(report))
    schema = resources.files("tethers.data").joinpath("schemas/check.schema.json").read_text(encoding="utf-8")
    jsonschema.validate(doc, json.loads(schema))
    assert doc["findings"][0]["provider"]["name"] == "<script>alert(1)</script>"


def test_check_terminal_prints_markup_literally():
    console = Console(record=True, width=200, color_system=None)
    render_check_terminal(evaluate(MAP, POLICY), console)
    text = console.export_text()
    assert "<script>alert(1)</script>" in text and "Evil | Corp [bold]" in text and "\x07" not in text
