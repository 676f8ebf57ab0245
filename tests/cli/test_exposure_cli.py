"""``tethers exposure``: regimes of the controlling country per tether, and server countries apart."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from tests.clirun import run

ROOT = Path(__file__).parents[2]
SCHEMA = json.loads((ROOT / "tethers" / "data" / "schemas" / "exposure.schema.json").read_text(encoding="utf-8"))
ZONE = ROOT / "tests" / "fixtures" / "zones" / "example.com.zone"


@pytest.fixture(autouse=True)
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("TETHERS_DB", str(tmp_path / "history.sqlite3"))


def test_terminal_report(capsys):
    code, out, err = run(capsys, "exposure", ZONE)
    assert code == 0, err
    assert "Jurisdiction exposure: example.com" in out and "controls" in out
    assert "US CLOUD Act (US, 2018)" in out and "Cloudflare" in out
    assert re.search(r"no located server for (\d+) of \1 tethers", out), "a zone file shows no provider addresses"


def test_json_report(capsys):
    code, out, err = run(capsys, "exposure", ZONE, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    assert doc["schema"] == "tethers/exposure@1" and doc["organisation"] == "example.com"
    dns = next(t for t in doc["tethers"] if t["function"] == "dns")
    assert dns["controls"]["country"] == "US" and "us-cloud-act" in dns["controls"]["regimes"]
    assert dns["servers"] == {"countries": [], "located": 0, "unlocated": 0, "locations": []}
    assert dns["summary"].startswith("dns (Cloudflare, US) is reachable under US CLOUD Act")
    cloud = next(r for r in doc["regimes"] if r["id"] == "us-cloud-act")
    assert cloud["sources"] and "dns" in cloud["functions"] and cloud["allows"] == ["compel-data"]
    assert set(doc["controls"]) == {"US"} and doc["servers"] == {}


def test_markdown_with_servers_from_saved_results(capsys, tmp_path):
    code, out, err = run(capsys, "scan", "--zone-file", ZONE, "--format", "json", "--no-store")
    assert code == 0, err
    doc = json.loads(out)
    mail = next(d for d in doc["scans"][0]["dependencies"] if d["function"] == "email-inbound")
    mail["locations"] = [{"ip": "192.0.2.25", "country": "DE", "asn": 15169, "as_name": "GOOGLE"}]
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = run(capsys, "exposure", saved, "--format", "md")
    assert code == 0, err
    assert "| email-inbound | Google Workspace" in out
    # Controlled from the US, served (as far as we saw) from Germany: both stated, neither merged.
    assert "email-inbound (Google Workspace (Gmail for business), US) is reachable under US CLOUD Act" in out
    assert "its servers we saw sit in DE" in out and "- DE (Germany): email-inbound" in out


def test_output_file_and_errors(capsys, tmp_path):
    target = tmp_path / "exposure.json"
    code, out, err = run(capsys, "exposure", ZONE, "--format", "json", "-o", target)
    assert code == 0 and out == ""
    jsonschema.validate(json.loads(target.read_text(encoding="utf-8")), SCHEMA)
    code, out, err = run(capsys, "exposure", tmp_path / "missing.json")
    assert code == 2 and "no such file" in err
    code, out, err = run(capsys, "exposure", "not a domain")
    assert code == 2 and "Traceback" not in err
