"""attack.schema.json against real ``tethers attack --format json`` output, and against broken documents."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker, ValidationError

from tethers.attack import SCHEMA as ATTACK_SCHEMA
from tethers.attack.accesslog import BUILTIN, parse_log_format
from tethers.attack.classify import NetClass
from tethers.attack.flows import csv_format, vpc_format
from tethers.attack.jsonlines import JsonLines
from tethers.attack.records import REFLECTION_PORTS, Vector
from tethers.cli.main import main
from tethers.render.attack import TRUST_WORDS, VERDICT_WORDS
from tests.attack.conftest import clf, write

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("TETHERS_CORPUS", REPO.parent / "shared" / "corpus"))
SCHEMA = json.loads(resources.files("tethers.data").joinpath("schemas/attack.schema.json").read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=FormatChecker())


def attack_json(capsys: pytest.CaptureFixture[str], *argv: object) -> dict[str, Any]:
    """Run ``tethers attack ... --format json`` and return the document, validated."""
    code = main(["attack", *map(str, argv), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    doc = json.loads(out)
    VALIDATOR.validate(doc)
    return doc


@pytest.fixture(scope="module")
def case_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("attack-schema") / "incident"
    assert main(["attack", "--make-case-study", str(directory), "--scale", "0.02"]) == 0
    return directory


@pytest.fixture(scope="module")
def case_doc(case_study: Path) -> dict[str, Any]:
    code = main(["attack", str(case_study / "access.log"), str(case_study / "flows.csv"), "--format", "json",
                 "-o", str(case_study / "report.json")])
    assert code == 0
    return json.loads((case_study / "report.json").read_text(encoding="utf-8"))


def test_schema_is_valid_and_names_the_contract() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["properties"]["schema"]["const"] == ATTACK_SCHEMA == "tethers/attack@1"


def test_schema_enums_follow_the_code() -> None:
    defs = SCHEMA["$defs"]
    assert defs["vector"]["enum"] == [v.label for v in Vector]
    assert defs["netClass"]["enum"] == [c.label for c in NetClass]
    assert defs["sourcePort"]["if"]["properties"]["value"]["enum"] == sorted(REFLECTION_PORTS)
    assert defs["claim"]["properties"]["verdict"]["enum"] == list(VERDICT_WORDS)
    assert defs["episode"]["properties"]["trust"]["enum"] == list(TRUST_WORDS)
    formats = set(defs["input"]["properties"]["format"]["enum"])
    names = {p.name for p in BUILTIN.values()} | {parse_log_format("$remote_addr [$time_local]").name}
    names |= {JsonLines().name, vpc_format(None).name, csv_format("time,src,dst").name, "pcap", "pcapng"}  # type: ignore[union-attr]
    assert names | {None} == formats


def test_case_study_document_follows_the_schema(case_doc: dict[str, Any]) -> None:
    VALIDATOR.validate(case_doc)
    vectors = {(e["vector"], e["surge"]) for e in case_doc["episodes"]}
    assert {("http", True), ("udp-reflection", True), ("tcp-syn", True)} <= vectors
    assert any(e["source_ports"].get("reflection_share") is not None for e in case_doc["episodes"])
    assert any(e["ttl"] for e in case_doc["episodes"]) and any(not e["ttl"] for e in case_doc["episodes"])


def test_case_study_with_every_filter_follows_the_schema(case_study: Path, capsys) -> None:
    doc = attack_json(capsys, case_study / "access.log", case_study / "flows.csv",
                      "--since", "2025-03-10T06:00Z", "--until", "2025-03-10T16:00Z", "--target", "198.51.100.0/24",
                      "--baseline", "2025-03-09T00:00Z,2025-03-10T00:00Z")
    assert doc["filters"]["baseline"] == ["2025-03-09T00:00Z", "2025-03-10T00:00Z"]
    assert doc["filters"]["target"] == "198.51.100.0/24" and doc["totals"]["excluded_by_filters"] > 0
    forwarded = attack_json(capsys, case_study / "access.log", "--client-ip", "forwarded")
    assert forwarded["filters"]["client_ip"] == "forwarded"


def test_odd_inputs_follow_the_schema(tmp_path: Path, capsys) -> None:
    log = write(tmp_path / "a.log", clf("192.0.2.1") + clf("5.9.1.1", "10/Mar/2025:09:46:00 +0000") + "garbage\n")
    empty = write(tmp_path / "empty.log", "")
    doc = attack_json(capsys, log, empty)
    assert doc["inputs"][0]["malformed_samples"] == ["garbage"]
    assert doc["inputs"][1]["format"] is None and doc["inputs"][1]["skipped"] == "empty"
    vhost = write(tmp_path / "vhost.log", "".join(f"{h}:443 {clf('5.9.1.1')}" for h in ("x.example", "y.example")))
    by_host = attack_json(capsys, vhost, "--target", "X.example.")
    assert by_host["filters"]["target"] == "x.example" and by_host["inputs"][0]["format"] == "vhost-combined"
    assert by_host["totals"]["excluded_by_filters"] == 1


@pytest.mark.corpus
@pytest.mark.skipif(not (CORPUS / "logs").is_dir(), reason="../shared/corpus is not present")
def test_corpus_documents_follow_the_schema(capsys) -> None:
    apache = attack_json(capsys, CORPUS / "logs" / "elastic_apache_logs.log")
    assert apache["inputs"][0]["records"] == 10000
    captures = sorted((CORPUS / "pcap").glob("*.pcap"))
    if captures:
        # Captures give TTLs, ports, bogon sources and several vectors; the sshd log is skipped, not read.
        mixed = attack_json(capsys, *captures, CORPUS / "logs" / "elastic_sshd_auth.log")
        assert mixed["inputs"][-1]["skipped"] and len(mixed["episodes"]) > 1


def _drop(*path: Any) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return edit


def _first(doc: dict[str, Any], test: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    return next(e for e in doc["episodes"] if test(e))


def _http(doc: dict[str, Any]) -> dict[str, Any]:
    return _first(doc, lambda e: e["vector"] == "http" and e["surge"])


def _ported(doc: dict[str, Any]) -> dict[str, Any]:
    return _first(doc, lambda e: bool(e["destination_ports"]))


BREAKAGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "episodes missing": _drop("episodes"),
    "claims missing": _drop("episodes", 0, "claims"),
    "skipped missing": _drop("inputs", 0, "skipped"),
    "client_ip missing": _drop("filters", "client_ip"),
    "share as text": lambda d: d["episodes"][0].__setitem__("new_share", "0.99"),
    "unknown key in a row": lambda d: d["episodes"][0]["by_country"][0].__setitem__("city", "Kyiv"),
    "http counted in packets": lambda d: _http(d).__setitem__("unit", "packets"),
    "new sources without a baseline": lambda d: _http(d).__setitem__("new_share", None),
    "unknown verdict": lambda d: d["episodes"][0]["claims"][0].__setitem__("verdict", "holds"),
    "time with seconds": lambda d: d["span"].__setitem__("start", "2025-03-09T00:00:00Z"),
    "half a port summary": lambda d: _drop("values")(_ported(d)["destination_ports"]),
    "reflection share above 1": lambda d: _first(d, lambda e: e["vector"] == "udp-reflection")["source_ports"]
    .__setitem__("reflection_share", 1.0001),
    "support above 1": lambda d: d["episodes"][0]["claims"][0].__setitem__("support", 1.0001),
    "service on an ordinary port": lambda d: _first(d, lambda e: e["vector"] == "udp-reflection")["source_ports"]
    ["values"][0].__setitem__("value", 4444),
}


@pytest.mark.parametrize("name", sorted(BREAKAGES))
def test_broken_documents_fail(case_doc: dict[str, Any], name: str) -> None:
    doc = copy.deepcopy(case_doc)
    BREAKAGES[name](doc)
    with pytest.raises(ValidationError):
        VALIDATOR.validate(doc)
