"""``tethers report``: portfolio aggregation over a results folder, checked against a plain-Python count."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from tethers.batch.folder import ResultsFolder
from tethers.batch.parquet import read_lines
from tethers.cli.main import main

DOMAINS = ["example.com", "example.net", "example.org", "missing.example.com"]


@pytest.fixture(scope="module")
def folders(builtin_server, tmp_path_factory) -> dict[str, Path]:
    """The same list scanned into a JSONL folder and a Parquet folder."""
    host, port = builtin_server.address
    base = tmp_path_factory.mktemp("report")
    (base / "list.txt").write_text("\n".join(DOMAINS) + "\n")
    out = {}
    for fmt in ("jsonl", "parquet"):
        out[fmt] = base / fmt
        code = main(["scan", "-i", str(base / "list.txt"), "-o", f"{out[fmt]}/", "--format", fmt,
                     "--resolver", f"{host}:{port}", "--chunk-size", "2", "--workers", "1"])
        assert code == 0
    return out


def _scans(folder: Path) -> list[dict]:
    lines: list[str] = []
    for part in ResultsFolder(folder).data_files():
        lines += read_lines(part) if part.suffix == ".parquet" else part.read_text().splitlines()
    return [json.loads(line) for line in lines]


def _report(capsys, folder: Path, *extra: str) -> dict:
    assert main(["report", str(folder), "--format", "json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_counts_match_a_plain_python_aggregation(capsys, folders):
    scans = _scans(folders["jsonl"])
    ok = [s for s in scans if not (s["evidence_count"] == 0 and s["errors"])]
    providers: Counter[tuple[str, str]] = Counter()
    owners: dict[str, set[str]] = defaultdict(set)
    countries: dict[str, set[str]] = defaultdict(set)
    per_function: dict[tuple[str, str], set[str]] = defaultdict(set)
    for scan in ok:
        seen = set()
        for dep in scan["dependencies"]:
            key = (dep["function"], dep["provider"]["id"])
            if key not in seen:
                seen.add(key)
                providers[key] += 1
            owners[dep["provider"]["owner_id"] or dep["provider"]["owner"]].add(scan["domain"])
            countries[dep["provider"]["country"] or "??"].add(scan["domain"])
            per_function[(scan["domain"], dep["function"])].add(dep["provider"]["id"])
    sole: dict[str, set[str]] = defaultdict(set)
    for (domain, _), ids in per_function.items():
        if len(ids) == 1:
            sole[next(iter(ids))].add(domain)

    report = _report(capsys, folders["jsonl"], "--top", "1000")
    assert report["overview"]["domains"] == len(DOMAINS)
    assert report["overview"]["failed"] == len(scans) - len(ok) == 1  # missing.example.com does not exist
    assert {(p["function"], p["provider_id"]): p["domains"] for p in report["providers"]} == dict(providers)
    assert {o["owner_id"]: o["domains"] for o in report["owners"]} == {k: len(v) for k, v in owners.items()}
    assert {j["country"]: j["domains"] for j in report["jurisdictions"]} == {k: len(v) for k, v in countries.items()}
    assert report["overview"]["countries"] == len(set(countries) - {"??"})  # "unknown" is not a country
    assert {s["provider_id"]: s["domains"] for s in report["single_points_of_failure"]} == {
        k: len(v) for k, v in sole.items()}
    assert {f["reason"] for f in report["lookup_failures"]} >= {"nxdomain"}


def test_jsonl_and_parquet_folders_give_the_same_report(capsys, folders):
    a = _report(capsys, folders["jsonl"])
    b = _report(capsys, folders["parquet"])
    a.pop("folder"), b.pop("folder")
    assert a == b
    assert sorted(s["domain"] for s in _scans(folders["parquet"])) == sorted(DOMAINS)


def test_terminal_and_markdown(capsys, folders):
    assert main(["report", str(folders["parquet"]), "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "Single points of failure" in out and "4 domains scanned, 1 failed" in out
    assert main(["report", str(folders["jsonl"]), "--format", "md"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# Portfolio report") and "| function | provider |" in md


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "no such folder"),
        ("empty", "no manifest.json"),
        ("no-parts", "no committed results yet"),
    ],
)
def test_folders_without_results_are_one_line_errors(capsys, tmp_path, setup, message):
    folder = tmp_path / "r"
    if setup != "missing":
        folder.mkdir()
    if setup == "no-parts":
        ResultsFolder(folder).create(input_path="x", digest="d", fmt="jsonl", options={})
    assert main(["report", str(folder)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_bad_top_is_a_usage_error(capsys, folders):
    assert main(["report", str(folders["jsonl"]), "--top", "0"]) == 2
    assert "--top" in capsys.readouterr().err


def test_the_report_says_which_query_plan_the_batch_used(builtin_server, tmp_path, capsys, folders):
    full = _report(capsys, folders["jsonl"])
    assert full["query_plan"] == "full" and "zendesk" in {p["provider_id"] for p in full["providers"]}
    host, port = builtin_server.address
    (tmp_path / "list.txt").write_text("example.com\n")
    assert main(["scan", "-i", str(tmp_path / "list.txt"), "-o", f"{tmp_path / 'quick'}/", "--depth", "quick",
                 "--resolver", f"{host}:{port}", "--workers", "1"]) == 0
    capsys.readouterr()
    doc = _report(capsys, tmp_path / "quick")
    assert doc["query_plan"] == "quick"
    # Providers only a service name reveals (help.example.com → Zendesk) are missing, and the report says why.
    assert "zendesk" not in {p["provider_id"] for p in doc["providers"]}
    assert main(["report", str(tmp_path / "quick"), "--format", "md"]) == 0
    assert "Scanned with --depth quick" in capsys.readouterr().out


REPORT_SCHEMA = Path(__file__).resolve().parents[2] / "tethers" / "data" / "schemas" / "report.schema.json"


@pytest.fixture(scope="module")
def report_validator():
    from jsonschema import Draft202012Validator

    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_the_json_report_matches_its_schema(capsys, folders, report_validator, fmt):
    doc = _report(capsys, folders[fmt])
    # Every ranking holds rows, so the row shapes are checked too, not just empty lists.
    assert all(doc[key] for key in ("providers", "owners", "jurisdictions", "single_points_of_failure",
                                     "functions", "lookup_failures"))
    assert [e.message for e in report_validator.iter_errors(doc)] == []


def _drop_failed(doc: dict) -> None:
    del doc["overview"]["failed"]


def _drop_row_key(doc: dict) -> None:
    del doc["single_points_of_failure"][0]["functions"]


def _count_as_text(doc: dict) -> None:
    doc["providers"][0]["domains"] = str(doc["providers"][0]["domains"])


def _unknown_plan(doc: dict) -> None:
    doc["query_plan"] = "deep"


def _extra_column(doc: dict) -> None:
    doc["owners"][0]["share"] = 0.5


@pytest.mark.parametrize("breaks", [_drop_failed, _drop_row_key, _count_as_text, _unknown_plan, _extra_column])
def test_the_schema_rejects_a_broken_report(capsys, folders, report_validator, breaks):
    doc = _report(capsys, folders["jsonl"])
    breaks(doc)
    assert not report_validator.is_valid(doc)
