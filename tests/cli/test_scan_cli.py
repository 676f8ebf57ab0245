"""``tethers scan`` as a user meets it: output, errors and exit codes."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clirun import run

ZONES = Path(__file__).parent.parent / "fixtures" / "zones"


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "history.sqlite3"
    monkeypatch.setenv("TETHERS_DB", str(path))
    return path


def test_zone_file_scan_as_json(capsys, db):
    code, out, err = run(capsys, "scan", "--zone-file", str(ZONES / "example.com.zone"), "--format", "json", "--db", str(db))
    assert code == 0, err
    doc = json.loads(out)
    assert doc["schema"] == "tethers/scan@1"
    (scan,) = doc["scans"]
    pairs = {(d["function"], d["provider"]["id"]) for d in scan["dependencies"]}
    assert ("email-inbound", "google-workspace") in pairs
    assert ("dns", "cloudflare") in pairs or ("dns", "cloudflare-dns") in pairs
    assert all(d["evidence"] for d in scan["dependencies"]), "every dependency carries its evidence"
    assert not [e for e in scan["errors"] if e["reason"] == "internal-error"]


def test_terminal_report_escapes_hostile_txt(capsys, db):
    code, out, err = run(capsys, "scan", "--zone-file", str(ZONES / "example.com.zone"), "--db", str(db))
    assert code == 0, err
    assert "example.com" in out and "Google" in out


def test_scans_are_stored_and_listed(capsys, db):
    for _ in range(2):
        assert run(capsys, "scan", "--zone-file", str(ZONES / "example.com.zone"), "--format", "jsonl")[0] == 0
    code, out, _ = run(capsys, "history", "example.com", "--format", "json")
    assert code == 0 and len(json.loads(out)["scans"]) == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["scan"], "no domain given"),
        (["scan", "not a domain"], "invalid domain name"),
        (["scan", "https://example.com/"], "not a URL"),
        (["scan", "--zone-file", "/nonexistent.zone"], "no such file"),
        (["scan", "example.com", "--resolver", "not-an-ip"], "invalid resolver"),
        (["scan", "example.com", "--timeout", "0"], "--timeout"),
        (["scan", "--format", "yaml", "example.com"], "invalid choice"),
    ],
    ids=["nothing", "bad-name", "url", "missing-zone", "bad-resolver", "bad-timeout", "bad-format"],
)
def test_usage_errors_are_one_line_exit_2(capsys, db, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2


def test_malformed_zone_file(capsys, db, tmp_path):
    bad = tmp_path / "bad.example.com.zone"
    bad.write_text("$ORIGIN example.com.\n@ IN SOA ns1 host 1 2 3 4 5\n@ IN MX abc mail.example.com.\n")
    code, _, err = run(capsys, "scan", "--zone-file", str(bad))
    assert code == 2 and "malformed zone file" in err


def test_empty_input_list(capsys, db, tmp_path):
    empty = tmp_path / "domains.txt"
    empty.write_text("# nothing here\n\n")
    code, _, err = run(capsys, "scan", "-i", str(empty))
    assert code == 2 and "empty" in err


def test_unreachable_resolver_fails_cleanly_and_keeps_history(capsys, db):
    assert run(capsys, "scan", "--zone-file", str(ZONES / "example.com.zone"))[0] == 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound and never read: queries go unanswered
        code, _, err = run(capsys, "scan", "example.com", "--resolver", f"127.0.0.1:{port}", "--timeout", "0.2", "--retries", "0")
    assert code == 1 and "did not answer" in err
    code, out, _ = run(capsys, "history", "example.com", "--format", "json")
    assert len(json.loads(out)["scans"]) >= 1


def test_no_traceback_from_a_real_process(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "tethers.cli.main", "scan", "--zone-file", str(tmp_path / "missing.zone")],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("tethers: error:") and "Traceback" not in proc.stderr


def test_a_50000_record_zone_scans(capsys, tmp_path):
    lines = ["$ORIGIN big-corp.com.", "$TTL 300", "@ IN SOA ns1 host 1 2 3 4 5", "@ IN NS ada.ns.cloudflare.com.",
             "@ IN MX 10 aspmx.l.google.com."]
    for i in range(50_000):
        kind = i % 3
        lines.append(f"h{i} IN A 192.0.2.{i % 250 + 1}" if kind == 0 else
                     f"h{i} IN CNAME x{i}.cloudfront.net." if kind == 1 else f'h{i} IN TXT "note {i} <b>"')
    zone = tmp_path / "big-corp.com.zone"
    zone.write_text("\n".join(lines) + "\n")
    code, out, err = run(capsys, "scan", "--zone-file", str(zone), "--no-store", "--format", "jsonl")
    assert code == 0, err
    (scan,) = [json.loads(line) for line in out.splitlines()]
    cdn = next(d for d in scan["dependencies"] if d["provider"]["id"] == "aws-cloudfront")
    assert len(cdn["evidence"]) == 16_667


def test_a_list_into_a_pipe_comes_out_as_json_lines(capsys, db, tmp_path, builtin_server):
    host, port = builtin_server.address
    listing = tmp_path / "domains.txt"
    listing.write_text("example.com\nexample.org\n")
    code, out, err = run(capsys, "scan", "-i", str(listing), "--resolver", f"{host}:{port}", "--no-store")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert sorted(s["domain"] for s in lines) == ["example.com", "example.org"]
    assert all(s["schema"] == "tethers/scan@1" for s in lines)
    # Asked for by name, the terminal tables still come.
    code, out, _ = run(capsys, "scan", "-i", str(listing), "--resolver", f"{host}:{port}", "--no-store",
                       "--format", "terminal")
    assert code == 0 and not out.lstrip().startswith("{") and "example.org" in out
