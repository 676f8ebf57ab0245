"""``tethers whatif`` as a user meets it: stdout, stderr and exit codes, and the Parler case end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tethers.cli import main as cli_main
from tests.clirun import run

ROOT = Path(__file__).resolve().parents[2]
PARLER = ROOT / "tethers" / "data" / "examples" / "parler-2021" / "tethers.toml"
ZONE = ROOT / "tests" / "fixtures" / "zones" / "example.com.zone"

HOSTILE = "<script>alert(1)</script> [bold red]x[/]"
SCHEMA = Draft202012Validator(json.loads((ROOT / "tethers" / "data" / "schemas" / "whatif.schema.json").read_text(encoding="utf-8")))


@pytest.fixture(autouse=True)
def environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TETHERS_DB", str(tmp_path / "history.sqlite3"))
    monkeypatch.setenv("COLUMNS", "200")
    assert "whatif" in cli_main.COMMANDS


def whatif_json(capsys, *argv):
    code, out, err = run(capsys, "whatif", *argv, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["schema"] == "tethers/whatif@1"
    SCHEMA.validate(doc)
    return doc


def function(doc, name):
    return next(f for f in doc["functions"] if f["function"] == name)


def test_parler_scenario_end_to_end(capsys):
    doc = whatif_json(capsys, PARLER, "--scenario", "parler-2021")
    summary = doc["summary"]
    assert {"hosting", "app-distribution", "messaging", "identity", "support"} <= set(summary["down"])
    assert set(summary["down"]) == {"hosting", "app-distribution", "messaging", "identity", "support", "payments", "collaboration"}
    assert summary["degraded"] == []
    assert summary["unaffected"] == ["dns", "registrar", "email-inbound", "email-sending"]
    assert summary["critical_lost"] == ["hosting", "messaging", "app-distribution"]
    # Mail stays on Exchange Online, the name at Epik.
    assert [t["provider"]["id"] for t in function(doc, "email-inbound")["kept"]] == ["microsoft-365"]
    assert [t["provider"]["id"] for t in function(doc, "dns")["kept"]] == ["epik"]
    # AWS hosting was both declared and seen in DNS: the loss carries the A records and the scenario's reason.
    (aws,) = function(doc, "hosting")["lost"]
    assert aws["origin"] == "both" and aws["cut_by"]["kind"] == "provider" and aws["cut_by"]["id"] == "aws"
    assert {e["source"] for e in aws["evidence"]} == {"dns:A"}
    assert aws["cut_by"]["date"] == "2021-01-10" and aws["cut_by"]["source"].startswith("https://")
    assert doc["cut"]["title"] == "Parler, January 2021" and doc["cut"]["unused"] == []
    # Who could have switched Parler off: four single owners, and the two app stores together.
    off = doc["switch_off"]
    assert [[o["id"] for o in s["owners"]] for s in off["single_points"]] == [["amazon"], ["epik"], ["microsoft"], ["twilio"]]
    assert [[o["id"] for o in s["owners"]] for s in off["cut_sets"] if len(s["owners"]) > 1] == [["alphabet", "apple"]]
    assert off["critical_assumed"] is False and off["complete"] is True


def test_parler_terminal_report(capsys):
    code, out, err = run(capsys, "whatif", PARLER, "--scenario", "parler-2021")
    assert code == 0 and err == ""
    assert "What if: Parler, January 2021 (Parler)" in out
    assert "critical functions lost: hosting, messaging, app-distribution" in out
    assert "7 functions down, 0 degraded, 4 unaffected" in out
    assert "provider aws (2021-01-10): AWS suspended Parler's account" in out
    assert "A parler.com → 34.212.45.137" in out
    assert "Alphabet Inc. [US] + Apple Inc. [US] → app-distribution" in out


def test_cut_from_flags_combines_with_commas_and_repeats(capsys):
    doc = whatif_json(capsys, PARLER, "--without", "aws,okta", "--without", "google-play")
    assert doc["summary"]["down"] == ["hosting", "identity"]
    assert doc["summary"]["degraded"] == ["app-distribution"]
    assert [i["id"] for i in doc["cut"]["items"]] == ["aws", "okta", "google-play"]


def test_cutting_an_owner_reaches_its_subsidiary(capsys):
    # The fixture zone sends mail through Google and SendGrid (Twilio): cutting Twilio degrades sending.
    doc = whatif_json(capsys, ZONE, "--without-owner", "twilio")
    assert doc["summary"]["degraded"] == ["email-sending"]
    lost = [t["provider"]["id"] for t in function(doc, "email-sending")["lost"]]
    assert lost == ["sendgrid"]


def test_cutting_a_country_and_unused_items(capsys):
    doc = whatif_json(capsys, PARLER, "--without-country", "us", "--without", "cloudflare")
    assert doc["summary"]["unaffected"] == [] and len(doc["summary"]["down"]) == 11
    assert [i["id"] for i in doc["cut"]["unused"]] == ["cloudflare"]


def test_without_critical_functions_all_are_assumed_critical(capsys):
    doc = whatif_json(capsys, ZONE, "--without", "cloudflare")
    assert doc["switch_off"]["critical_assumed"] is True
    code, out, _ = run(capsys, "whatif", ZONE, "--without", "cloudflare")
    assert code == 0 and "every function is treated as critical" in out


def test_no_cut_still_reports_who_can_switch_you_off(capsys):
    code, out, _ = run(capsys, "whatif", PARLER)
    assert code == 0
    assert "0 functions down" in out and "single points of failure" in out


@pytest.mark.parametrize(
    ("argv", "message", "hint"),
    [
        (["--without", "twillio"], "unknown provider 'twillio'", "did you mean: twilio"),
        (["--without-owner", "amazn"], "unknown owner 'amazn'", "amazon"),
        (["--without-country", "XX"], "unknown country code 'XX'", "ISO 3166-1"),
        (["--scenario", "parler-2012"], "no scenario named 'parler-2012' (and no such file)", "parler-2021"),
        (["--max-set", "0"], "--max-set must be between 1 and 6", None),
    ],
    ids=["provider", "owner", "country", "scenario", "max-set"],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message, hint):
    code, out, err = run(capsys, "whatif", PARLER, *argv)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert lines[0] == f"tethers: error: {message}"
    if hint:
        assert hint in lines[1]


def test_missing_target_and_bad_target(capsys, tmp_path):
    code, _, err = run(capsys, "whatif", "--without", "aws")
    assert code == 2 and "no TARGET given" in err
    code, _, err = run(capsys, "whatif", tmp_path / "nope.json", "--without", "aws")
    assert code == 2 and "no such file" in err


def test_bad_scenario_file_names_its_line(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "t"\n\n[[cut]]\nprovider = "aws"\nreason = "r"\nsource = "not a url"\n', encoding="utf-8")
    code, out, err = run(capsys, "whatif", PARLER, "--scenario", bad)
    assert code == 2 and out == ""
    assert err.startswith(f"tethers: error: {bad}:6: a source must be an http(s) URL")


def test_list_scenarios(capsys):
    code, out, _ = run(capsys, "whatif", "--list-scenarios")
    assert code == 0 and "parler-2021" in out and "Parler, January 2021" in out


def test_scenario_content_is_escaped_in_every_format(capsys, tmp_path):
    scenario = tmp_path / "hostile.toml"
    scenario.write_text(
        f'title = "{HOSTILE}"\ndescription = "{HOSTILE}"\n\n[[cut]]\nprovider = "aws"\n'
        f'reason = "{HOSTILE}"\nsource = "https://example.org/?q=<b>"\n', encoding="utf-8")
    code, out, _ = run(capsys, "whatif", PARLER, "--scenario", scenario)
    assert code == 0 and HOSTILE in out  # printed literally, not interpreted as markup
    page = tmp_path / "report.html"
    code, _, err = run(capsys, "whatif", PARLER, "--scenario", scenario, "--format", "html", "-o", page)
    assert code == 0 and f"wrote html report to {page}" in err
    text = page.read_text(encoding="utf-8")
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert 'href="https://example.org/?q=&lt;b&gt;"' in text
    code, out, _ = run(capsys, "whatif", PARLER, "--scenario", scenario, "--format", "md")
    assert code == 0 and "<script>" not in out and "&lt;script&gt;" in out and "\\[bold red\\]" in out


def test_markdown_report(capsys):
    code, out, _ = run(capsys, "whatif", PARLER, "--scenario", "parler-2021", "--format", "md")
    assert code == 0
    assert out.startswith("# What if: Parler, January 2021 (Parler)\n")
    assert "| hosting | **down** | yes | Amazon Web Services" in out
    assert "- **Critical functions lost: hosting, messaging, app-distribution**" in out
