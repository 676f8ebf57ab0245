"""End to end: scans through a real DNS server on loopback (Knot, and tethers' built-in one)."""

from __future__ import annotations

import json

import pytest

from tethers.cli.main import main

EXPECTED = {
    ("dns", "cloudflare"),
    ("email-inbound", "google-workspace"),
    ("email-sending", "google-workspace"),
    ("email-sending", "sendgrid"),
    ("email-reporting", "dmarcian"),
    ("cdn", "aws-cloudfront"),
    ("certificate-authority", "letsencrypt"),
    ("support", "zendesk"),
    ("status-page", "atlassian-statuspage"),
}


def scan_json(capsys, server, *domains, extra=()):
    host, port = server.address
    code = main(["scan", *domains, "--resolver", f"{host}:{port}", "--timeout", "1", "--retries", "1",
                 "--format", "json", "--no-store", *extra])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def validate_document(doc):
    from importlib import resources

    import jsonschema

    schema = json.loads((resources.files("tethers.data") / "schemas" / "scan.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(doc)


def pairs(scan):
    return {(d["function"], d["provider"]["id"]) for d in scan["dependencies"]}


@pytest.mark.parametrize("server_fixture", ["knot_server", "builtin_server"])
def test_live_scan_finds_the_providers(capsys, request, server_fixture):
    server = request.getfixturevalue(server_fixture)
    code, doc, err = scan_json(capsys, server, "example.com")
    assert code == 0, err
    validate_document(doc)
    (scan,) = doc["scans"]
    assert EXPECTED <= pairs(scan), sorted(EXPECTED - pairs(scan))
    assert scan["mode"] == "live" and scan["queries"] > 50
    # Evidence is traceable: the SPF include names the record it came from.
    sendgrid = next(d for d in scan["dependencies"] if d["provider"]["id"] == "sendgrid")
    assert any(e["source"] == "dns:SPF" and e["via"][0]["name"] == "example.com" for e in sendgrid["evidence"])
    reasons = {e["reason"] for e in scan["errors"]}
    assert "internal-error" not in reasons
    assert {"spf-loop", "spf-lookup-limit"} <= reasons  # example.net's include loop, served live


def test_knot_and_builtin_server_agree(capsys, knot_server, builtin_server):
    _, a, _ = scan_json(capsys, knot_server, "example.com", "example.net", "example.org")
    _, b, _ = scan_json(capsys, builtin_server, "example.com", "example.net", "example.org")
    key = lambda doc: {s["domain"]: (pairs(s), sorted(u["evidence"]["target"] for u in s["unattributed"])) for s in doc["scans"]}  # noqa: E731
    assert key(a) == key(b)


def test_nonexistent_domain_fails_with_exit_1(capsys, knot_server):
    code, doc, err = scan_json(capsys, knot_server, "nope.example.com")
    assert code == 1
    assert "scan failed (nxdomain)" in err
    assert doc["scans"][0]["errors"][0]["reason"] == "nxdomain"


@pytest.mark.parametrize("server_fixture", ["knot_server", "builtin_server"])
def test_a_zone_the_server_refuses_costs_only_the_apex_lookups(capsys, request, server_fixture):
    code, doc, err = scan_json(capsys, request.getfixturevalue(server_fixture), "not-served.test")
    assert code == 1 and "scan failed (refused)" in err
    scan = doc["scans"][0]
    assert scan["queries"] == 7 and {e["reason"] for e in scan["errors"]} == {"refused"}


def test_batch_from_stdin_streams_jsonl(capsys, monkeypatch, knot_server):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("example.com\n# comment\nexample.org\nnot a domain\n\nexample.com\n"))
    host, port = knot_server.address
    code = main(["scan", "-i", "-", "--resolver", f"{host}:{port}", "--format", "jsonl", "--no-store", "--timeout", "1"])
    out, err = capsys.readouterr()
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert sorted(line["domain"] for line in lines) == ["example.com", "example.org"]
    assert all(line["schema"] == "tethers/scan@1" for line in lines)
    assert "skipping -:4" in err


def test_library_api_scans_live(knot_server):
    import tethers

    host, port = knot_server.address
    result = tethers.scan("example.com", resolver=f"{host}:{port}", timeout=1.0)
    assert ("email-inbound", "google-workspace") in {(d.function.value, d.provider.id) for d in result.dependencies}
    quick = tethers.scan("example.com", resolver=f"{host}:{port}", timeout=1.0, depth="quick")
    assert quick.meta["depth"] == "quick" and quick.queries < result.queries / 3


@pytest.mark.parametrize("server_fixture", ["knot_server", "builtin_server"])
def test_servers_answer_empty_non_terminals_so_the_rfc8020_cut_is_safe(capsys, request, server_fixture):
    server = request.getfixturevalue(server_fixture)
    code, doc, err = scan_json(capsys, server, "example.com", "example.org")
    assert code == 0, err
    by_domain = {s["domain"]: s for s in doc["scans"]}
    # example.com holds DKIM keys, so _domainkey is an empty non-terminal: NOERROR, and its selectors are asked.
    assert "_domainkey" not in by_domain["example.com"]["meta"].get("absent", "")
    assert ("email-sending", "sendgrid") in pairs(by_domain["example.com"])
    # example.org holds nothing below its apex: NXDOMAIN, so the 26 selectors and 6 SRV names are skipped.
    assert by_domain["example.org"]["meta"]["absent"].split() == ["_domainkey.example.org", "_tcp.example.org",
                                                                   "_tls.example.org"]
    _, every, _ = scan_json(capsys, server, "example.org", extra=("--ask-all",))
    assert "absent" not in every["scans"][0]["meta"]
    assert every["scans"][0]["queries"] == by_domain["example.org"]["queries"] - 3 + 26 + 6


def test_quick_depth_asks_a_fraction_of_the_names(capsys, knot_server):
    code, doc, err = scan_json(capsys, knot_server, "example.com", extra=("--depth", "quick"))
    assert code == 0, err
    scan = doc["scans"][0]
    _, full, _ = scan_json(capsys, knot_server, "example.com")
    assert scan["meta"]["depth"] == "quick" and full["scans"][0]["meta"]["depth"] == "full"
    assert scan["queries"] < full["scans"][0]["queries"] / 3  # SPF includes and host addresses stay
    assert {("email-inbound", "google-workspace"), ("dns", "cloudflare"), ("cdn", "aws-cloudfront")} <= pairs(scan)
    assert ("support", "zendesk") not in pairs(scan)  # help.example.com is not asked at this depth
