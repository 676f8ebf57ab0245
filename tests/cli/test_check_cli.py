"""``tethers check`` as CI meets it: exit codes 0/1/2, evidence on stdout, JSON and JUnit XML read back."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from tests.clirun import run

ROOT = Path(__file__).parents[2]
ZONE = ROOT / "tests" / "fixtures" / "zones" / "example.com.zone"
SCHEMA = json.loads((ROOT / "tethers" / "data" / "schemas" / "check.schema.json").read_text(encoding="utf-8"))
EXAMPLES = ROOT / "tethers" / "data" / "examples" / "policies"


@pytest.fixture(autouse=True)
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("TETHERS_DB", str(tmp_path / "history.sqlite3"))


def write(tmp_path, text, name="policy.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_clean_policy_exits_0(capsys, tmp_path):
    policy = write(tmp_path, '[[rule]]\nid = "no-cn-ru"\ndeny_owner_countries = ["CN", "RU"]\n')
    code, out, err = run(capsys, "check", ZONE, "--policy", policy)
    assert code == 0, err
    assert "passed: 0 violations" in out


def test_violations_exit_1_with_evidence(capsys):
    code, out, err = run(capsys, "check", ZONE, "--policy", EXAMPLES / "no-single-dns.toml")
    assert code == 1, err
    assert "[two-dns-owners] dns: 1 independent owner (Cloudflare, Inc. (US))" in out
    assert "NS ada.ns.cloudflare.com" in out and "NS bob.ns.cloudflare.com" in out
    assert "warning [two-mail-providers]" in out and "unknown [critical-not-single-owner]" in out
    assert "FAILED" in out


def test_warnings_and_unknowns_do_not_fail(capsys, tmp_path):
    policy = write(tmp_path, '[[rule]]\nid = "eea"\nseverity = "warning"\nallow_owner_regions = ["EEA"]\n'
                             '[[rule]]\nid = "servers"\nallow_server_regions = ["EEA"]\n')
    code, out, err = run(capsys, "check", ZONE, "--policy", policy)
    assert code == 0, err
    assert "warning [eea]" in out and "unknown [servers]" in out and "no server address seen" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", str(ZONE)], "--policy"),
        (["check", str(ZONE), "--policy", "/nonexistent/policy.toml"], "no such file"),
        (["check", "/nonexistent.zone", "--policy", str(EXAMPLES / "eu-sovereign.toml")], "/nonexistent.zone"),
        (["check", str(ZONE), "--policy", str(EXAMPLES / "eu-sovereign.toml"), "--format", "yaml"], "invalid choice"),
    ],
    ids=["no-policy", "missing-policy", "missing-target", "bad-format"],
)
def test_usage_errors_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2


def test_bad_policy_names_its_line_and_exits_2(capsys, tmp_path):
    policy = write(tmp_path, 'name = "x"\n\n[[rule]]\nid = "a"\ndeny_owner_countries = ["ZZ"]\n')
    code, out, err = run(capsys, "check", ZONE, "--policy", policy)
    assert code == 2 and out == ""
    assert f"{policy}:5: rule 'a': 'ZZ' is not a country code" in err


def test_json_report(capsys):
    code, out, err = run(capsys, "check", ZONE, "--policy", EXAMPLES / "eu-sovereign.toml", "--format", "json")
    assert code == 1, err
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    assert doc["schema"] == "tethers/check@1" and doc["passed"] is False and doc["organisation"] == "example.com"
    assert doc["counts"]["violations"] >= 10 and doc["counts"]["unknown"] >= 10
    first = doc["findings"][0]
    assert first["status"] == "violated" and first["severity"] == "error" and first["evidence"]
    assert {"rule", "function", "provider", "message", "locations", "origin"} <= set(first)
    statuses = [f["status"] for f in doc["findings"]]
    assert statuses == sorted(statuses, key=lambda s: s == "unknown"), "violations before unknowns"
    assert {c["outcome"] for c in doc["cases"]} == {"fail", "warn", "unknown"}


def test_markdown_and_output_file(capsys, tmp_path):
    target = tmp_path / "check.md"
    code, out, err = run(capsys, "check", ZONE, "--policy", EXAMPLES / "no-single-dns.toml", "--format", "md",
                         "-o", target)
    assert code == 1 and out == ""
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Policy check: No single point of failure")
    assert "| violation | two-dns-owners | dns | Cloudflare |" in text and "## Evidence" in text


def test_junit_is_valid_xml_one_case_per_rule_and_function(capsys, tmp_path):
    junit = tmp_path / "results.xml"
    code, _, err = run(capsys, "check", ZONE, "--policy", EXAMPLES / "eu-sovereign.toml", "--junit", junit,
                       "--format", "json")
    assert code == 1, err
    root = ET.parse(junit).getroot()
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert int(suite.get("tests")) == len(cases) == int(root.get("tests"))
    names = {(c.get("classname"), c.get("name")) for c in cases}
    assert ("owners-in-europe", "dns") in names and ("no-five-eyes-mail", "email-inbound") in names
    assert ("no-five-eyes-mail", "dns") not in names, "a rule with functions covers only those"
    failed = {(c.get("classname"), c.get("name")) for c in cases if c.find("failure") is not None}
    assert int(suite.get("failures")) == len(failed)
    assert ("owners-in-europe", "email-sending") in failed
    sending = next(c for c in cases if (c.get("classname"), c.get("name")) == ("owners-in-europe", "email-sending"))
    failure = sending.find("failure")
    assert "Twilio SendGrid" in failure.get("message") and "SPF" in failure.text
    skipped = [c for c in cases if c.find("skipped") is not None]
    assert int(suite.get("skipped")) == len(skipped) > 0
    assert all(c.find("failure") is None for c in skipped)
    warned = next(c for c in cases if c.get("classname") == "two-dns-owners")
    assert warned.find("failure") is None and "1 independent owner" in warned.find("system-out").text


def test_junit_escapes_hostile_names(capsys, tmp_path):
    policy = write(tmp_path, 'name = "<b>ours</b> & \\"theirs\\" \\u0007"\n'
                             '[[rule]]\nid = "x"\ndescription = "]]></failure><oops/>"\nallow_owner_countries = ["DE"]\n')
    junit = tmp_path / "results.xml"
    code, _, err = run(capsys, "check", ZONE, "--policy", policy, "--junit", junit, "--format", "json")
    assert code == 1, err
    root = ET.parse(junit).getroot()  # parses: every value escaped, the BEL made visible
    assert root.find("testsuite").get("name") == '<b>ours</b> & "theirs" \\x07'
    assert root.find(".//oops") is None


def test_junit_and_output_must_differ(capsys, tmp_path):
    same = tmp_path / "out.xml"
    code, _, err = run(capsys, "check", ZONE, "--policy", EXAMPLES / "no-single-dns.toml", "--junit", same, "-o", same)
    assert code == 2 and "same file" in err


def test_server_rules_over_saved_results_with_locations(capsys, tmp_path):
    """Saved scans carry server locations: a denied server country fails, with the address as evidence."""
    code, out, err = run(capsys, "scan", "--zone-file", ZONE, "--format", "json", "--no-store")
    assert code == 0, err
    doc = json.loads(out)
    dns = next(d for d in doc["scans"][0]["dependencies"] if d["function"] == "dns")
    dns["locations"] = [{"ip": "198.51.100.53", "country": "US", "asn": 13335, "as_name": "CLOUDFLARENET"}]
    dns["evidence"].append({"source": "dns:A", "name": "ada.ns.cloudflare.com", "value": "198.51.100.53",
                            "target": "198.51.100.53"})
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps(doc), encoding="utf-8")
    policy = write(tmp_path, '[[rule]]\nid = "no-us-dns-servers"\nfunctions = ["dns"]\ndeny_server_countries = ["US"]\n')
    code, out, err = run(capsys, "check", saved, "--policy", policy)
    assert code == 1, err
    assert "[no-us-dns-servers] dns: Cloudflare has servers in US, in denied server countries: US" in out
    assert "server 198.51.100.53 in US AS13335" in out and "A ada.ns.cloudflare.com → 198.51.100.53" in out


def test_inventory_critical_functions_feed_no_single_owner(capsys, tmp_path):
    inventory = write(tmp_path, f'organisation = "Example"\nzone_files = ["{ZONE}"]\ncritical = ["dns"]\n'
                                '[[dependency]]\nfunction = "payments"\nprovider = "stripe"\ncritical = true\n',
                      name="inventory.toml")
    policy = write(tmp_path, '[[rule]]\nid = "spof"\nno_single_owner = true\n')
    code, out, err = run(capsys, "check", inventory, "--policy", policy, "--format", "json")
    assert code == 1, err
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    assert {(c["function"], c["outcome"]) for c in doc["cases"]} == {("dns", "fail"), ("payments", "fail")}
    payments = next(f for f in doc["findings"] if f["function"] == "payments")
    assert payments["origin"] == "declared" and payments["evidence"] == []
    code, out, err = run(capsys, "check", inventory, "--policy", policy)
    assert "declared in the inventory (no DNS evidence)" in out
