"""JSON and JSONL output: golden file, schema validity, and round trips through the codec."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from tethers.model import ScanResult
from tethers.model.codec import SCHEMA, document, scan_from_dict
from tethers.render import render_json, render_jsonl, render_jsonl_line
from tethers.types import Function, Mode


def _load(name: str) -> dict[str, Any]:
    return json.loads(resources.files("tethers.data").joinpath(f"schemas/{name}").read_text(encoding="utf-8"))


DOC_SCHEMA = _load("scan.schema.json")
LINE_SCHEMA = _load("scan-line.schema.json")
REGISTRY = Registry().with_resources(
    [(s["$id"], Resource.from_contents(s)) for s in (DOC_SCHEMA, LINE_SCHEMA)]
)
DOC = Draft202012Validator(DOC_SCHEMA, registry=REGISTRY)
LINE = Draft202012Validator(LINE_SCHEMA, registry=REGISTRY)


def test_schemas_are_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(DOC_SCHEMA)
    Draft202012Validator.check_schema(LINE_SCHEMA)


def test_schema_vocabularies_follow_the_code() -> None:
    assert DOC_SCHEMA["$defs"]["function"]["enum"] == [f.value for f in Function]
    assert DOC_SCHEMA["$defs"]["scanFields"]["properties"]["mode"]["enum"] == [m.value for m in Mode]
    assert DOC_SCHEMA["properties"]["schema"]["const"] == SCHEMA


def test_json_golden(scans: list[ScanResult], golden: Callable[[str, str], None]) -> None:
    golden("scans.json", render_json(scans))


def test_json_is_the_codec_document_and_valid(scans: list[ScanResult]) -> None:
    data = json.loads(render_json(scans))
    assert data == document(scans)
    DOC.validate(data)


def test_empty_document_is_valid() -> None:
    DOC.validate(json.loads(render_json([])))


def test_json_round_trips(scans: list[ScanResult]) -> None:
    data = json.loads(render_json(scans))
    back = [scan_from_dict(s) for s in data["scans"]]
    assert back == scans
    # Evidence equality ignores ``via``; the documents compare the chains too.
    assert document(back) == data


def test_jsonl_lines_are_single_valid_lines(scans: list[ScanResult]) -> None:
    for scan in scans:
        line = render_jsonl_line(scan)
        assert len(line.splitlines()) == 1 and not line.endswith("\n")
        data = json.loads(line)
        assert data["schema"] == SCHEMA
        LINE.validate(data)
        data.pop("schema")
        assert scan_from_dict(data) == scan
    assert render_jsonl(scans).splitlines() == [render_jsonl_line(s) for s in scans]


def test_jsonl_line_stays_one_line_with_unicode_line_breaks(parler: ScanResult) -> None:
    odd = ScanResult(domain="parler.com", mode=Mode.LIVE, started=parler.started, finished=parler.finished,
                     resolver="a\u2028b\u2029c\x85d\ne")
    line = render_jsonl_line(odd)
    assert len(line.splitlines()) == 1
    assert json.loads(line)["resolver"] == "a\u2028b\u2029c\x85d\ne"


def _mutate(path: list[str | int], value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(doc: dict[str, Any]) -> None:
        node: Any = doc
        for key in path[:-1]:
            node = node[key]
        if value is KeyError:
            del node[path[-1]]
        else:
            node[path[-1]] = value

    return apply


@pytest.mark.parametrize(
    "mutation",
    [
        pytest.param(_mutate(["schema"], "tethers/scan@2"), id="wrong-schema"),
        pytest.param(_mutate(["scans", 0, "dependencies", 0, "function"], "mail"), id="unknown-function"),
        pytest.param(_mutate(["scans", 0, "dependencies", 0, "provider", "country"], "us"), id="lower-case-country"),
        pytest.param(_mutate(["scans", 0, "dependencies", 0, "provider", "country"], None), id="null-owner-country"),
        pytest.param(_mutate(["scans", 0, "dependencies", 0, "locations", 0, "country"], "USA"), id="alpha-3-location"),
        pytest.param(_mutate(["scans", 0, "dependencies", 0, "evidence"], []), id="dependency-without-evidence"),
        pytest.param(_mutate(["scans", 0, "dependencies", 2, "evidence", 0, "via"], []), id="empty-via"),
        pytest.param(_mutate(["scans", 0, "errors", 0, "reason"], ""), id="empty-reason"),
        pytest.param(_mutate(["scans", 0, "mode"], "pcap"), id="unknown-mode"),
        pytest.param(_mutate(["scans", 0, "meta", "kb"], 3), id="non-string-meta"),
        pytest.param(_mutate(["scans", 0, "queries"], -1), id="negative-queries"),
        pytest.param(_mutate(["scans", 0, "resolver"], KeyError), id="missing-resolver"),
        pytest.param(_mutate(["scans", 0, "extra"], 1), id="extra-scan-field"),
        pytest.param(_mutate(["scans", 0, "unattributed", 0, "evidence", "target"], ""), id="empty-target"),
    ],
)
def test_schema_rejects(scans: list[ScanResult], mutation: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(render_json(scans))
    DOC.validate(data)  # valid before the mutation, so the rejection is the mutation's
    mutation(data)
    assert not DOC.is_valid(data)


def test_line_schema_requires_its_schema_key(parler: ScanResult) -> None:
    data = json.loads(render_jsonl_line(parler))
    data.pop("schema")
    assert not LINE.is_valid(data)
    data["schema"] = SCHEMA
    data["surprise"] = True
    assert not LINE.is_valid(data)


def test_unattributed_without_hint_is_null(parler: ScanResult) -> None:
    data = json.loads(render_json([parler]))
    assert [u["function"] for u in data["scans"][0]["unattributed"]] == ["email-inbound", None]
