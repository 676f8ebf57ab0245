"""``tethers history`` and ``tethers diff`` as a user meets them: stdout, stderr and exit codes."""

from __future__ import annotations

import importlib
import json
import re

import pytest

from tethers.cli import main as cli_main
from tests.clirun import run
from tethers.model import CollectError, Dependency, Evidence, ProviderRef, ScanResult
from tethers.model.evidence import DNS_MX, DNS_NS
from tethers.store import HistoryStore
from tethers.types import Function, Mode

CLOUDFLARE = ProviderRef("cloudflare", "Cloudflare", "Cloudflare, Inc.", "US")
EPIK = ProviderRef("epik", "Epik", "Epik Holdings", "US")
M365 = ProviderRef("microsoft-365", "Microsoft 365", "Microsoft Corporation", "US")


@pytest.fixture(autouse=True)
def commands(monkeypatch):
    """Build the real parser; only history and diff when other command modules are not there yet."""
    try:
        for name in cli_main.COMMANDS:
            importlib.import_module(f"tethers.cli.{name}")
    except ImportError:
        monkeypatch.setattr(cli_main, "COMMANDS", ["history", "diff"])
    monkeypatch.setenv("COLUMNS", "200")  # no wrapping inside the lines the tests read


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "history.sqlite3"
    monkeypatch.setenv("TETHERS_DB", str(path))
    return path


def make_scan(domain="example.com", when="2024-01-01T00:00:00+00:00", dns=CLOUDFLARE, ns=("a.ns.cloudflare.com",), errors=0):
    deps = [Dependency(Function.DNS, dns, tuple(Evidence(DNS_NS, domain, h + ".", h) for h in ns))]
    deps.append(Dependency(Function.EMAIL_INBOUND, M365, (Evidence(DNS_MX, domain, "10 mx.outlook.example.", "mx.outlook.example"),)))
    return ScanResult(
        domain=domain,
        mode=Mode.LIVE,
        started=when,
        finished=when,
        resolver="127.0.0.1:53",
        dependencies=tuple(deps),
        errors=tuple(CollectError(domain, "TXT", "timeout") for _ in range(errors)),
        evidence_count=3,
    )


@pytest.fixture
def saved(db):
    """Three scans of example.com (Cloudflare, Cloudflare, then Epik) and one of example.org."""
    store = HistoryStore(db)
    return {
        "jan": store.save(make_scan(when="2024-01-01T00:00:00+00:00")),
        "feb": store.save(make_scan(when="2024-02-01T00:00:00+00:00")),
        "org": store.save(make_scan("example.org", when="2024-02-15T00:00:00+00:00")),
        "mar": store.save(make_scan(when="2024-03-01T00:00:00+00:00", dns=EPIK, ns=("ns1.epik.com",), errors=2)),
    }


# -- history --------------------------------------------------------------------


def test_history_without_a_database_says_so_and_creates_nothing(capsys, db):
    code, out, err = run(capsys, "history")
    assert (code, err) == (0, "")
    assert "No scans saved in" in out and db.name in out
    assert not db.exists()


def test_history_lists_domains_with_counts(capsys, saved):
    code, out, err = run(capsys, "history")
    assert (code, err) == (0, "")
    assert re.search(r"example\.com\s*│\s*3\s*│\s*2024-03-01T00:00:00\+00:00", out), out
    assert re.search(r"example\.org\s*│\s*1\s*│", out), out


def test_history_domains_as_json(capsys, saved, db):
    code, out, err = run(capsys, "history", "--format", "json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["schema"] == "tethers/history@1" and doc["db"] == str(db)
    assert doc["domains"] == [
        {"domain": "example.com", "scans": 3, "latest": "2024-03-01T00:00:00+00:00"},
        {"domain": "example.org", "scans": 1, "latest": "2024-02-15T00:00:00+00:00"},
    ]


def test_history_of_a_domain_newest_first(capsys, saved):
    code, out, err = run(capsys, "history", "EXAMPLE.com.", "--format", "json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["domain"] == "example.com"
    assert [s["id"] for s in doc["scans"]] == [saved["mar"], saved["feb"], saved["jan"]]
    assert doc["scans"][0] == {
        "id": saved["mar"],
        "started": "2024-03-01T00:00:00+00:00",
        "mode": "live",
        "dependencies": 2,
        "unattributed": 0,
        "errors": 2,
    }


def test_history_of_a_domain_as_a_table_with_limit(capsys, saved):
    code, out, err = run(capsys, "history", "example.com", "--limit", "2")
    assert (code, err) == (0, "")
    rows = re.findall(r"│\s*(\d+)\s*│\s*(2024-\S+)\s*│\s*live", out)
    assert rows == [(str(saved["mar"]), "2024-03-01T00:00:00+00:00"), (str(saved["feb"]), "2024-02-01T00:00:00+00:00")]


def test_history_of_a_domain_without_scans(capsys, saved):
    code, out, err = run(capsys, "history", "example.net")
    assert (code, err) == (0, "")
    assert "No scans of example.net saved" in out


def test_db_flag_overrides_the_environment(capsys, saved, tmp_path):
    other = tmp_path / "other.sqlite3"
    HistoryStore(other).save(make_scan("other.example"))
    code, out, _ = run(capsys, "history", "--db", str(other), "--format", "json")
    assert code == 0
    assert [d["domain"] for d in json.loads(out)["domains"]] == ["other.example"]


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        pytest.param(["history", "not a domain"], 2, "invalid domain name 'not a domain'", id="bad-domain"),
        pytest.param(["history", "https://example.com/"], 2, "not a URL", id="url"),
        pytest.param(["history", "--limit", "0"], 2, "expected a number of at least 1", id="limit-zero"),
        pytest.param(["history", "--limit", "many"], 2, "expected a whole number", id="limit-word"),
        pytest.param(["history", "--format", "html"], 2, "invalid choice", id="bad-format"),
        pytest.param(["diff"], 2, "the following arguments are required: DOMAIN", id="diff-no-domain"),
        pytest.param(["diff", "example..com"], 2, "invalid domain name", id="diff-bad-domain"),
        pytest.param(["diff", "example.com", "--from", "-3"], 2, "expected a number of at least 1", id="from-negative"),
    ],
)
def test_bad_input_is_one_line_on_stderr(capsys, db, argv, code, message):
    got, out, err = run(capsys, *argv)
    assert got == code
    assert out == ""
    first, *rest = err.splitlines()
    assert first.startswith("tethers: error: ") and message in first, err
    assert all(line.startswith("hint: ") for line in rest)


@pytest.mark.parametrize("command", ["history", "diff"])
def test_help_has_examples(capsys, command):
    with pytest.raises(SystemExit) as info:
        cli_main.main([command, "--help"])
    out = capsys.readouterr().out
    assert info.value.code == 0
    assert "examples:" in out and f"tethers {command} example.com" in out and "--db" in out


def test_a_corrupt_database_is_an_operational_error_and_left_alone(capsys, db):
    db.write_bytes(b"not a database at all\n")
    for argv in (["history"], ["history", "example.com"], ["diff", "example.com"]):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (1, "")
        first = err.splitlines()[0]
        assert first.startswith("tethers: error: history database ") and str(db) in first
    assert db.read_bytes() == b"not a database at all\n"
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]


# -- diff -----------------------------------------------------------------------


def test_diff_defaults_to_the_two_latest_scans(capsys, saved):
    code, out, err = run(capsys, "diff", "example.com", "--format", "json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert (doc["old_id"], doc["new_id"]) == (saved["feb"], saved["mar"])
    assert doc["schema"] == "tethers/diff@1" and doc["empty"] is False
    (dns,) = doc["providers"]
    assert dns["function"] == "dns"
    assert [p["id"] for p in dns["gained"]] == ["epik"] and [p["id"] for p in dns["lost"]] == ["cloudflare"]
    assert doc["ns"] == {"added": ["ns1.epik.com"], "removed": ["a.ns.cloudflare.com"]}
    assert doc["mx"] == {"added": [], "removed": []}
    assert doc["errors"] == {"old": 0, "new": 2, "delta": 2}


def test_diff_terminal(capsys, saved):
    code, out, err = run(capsys, "diff", "example.com")
    assert (code, err) == (0, "")
    assert f"scan {saved['feb']} (started 2024-02-01T00:00:00+00:00) -> scan {saved['mar']}" in out
    lines = [line.strip() for line in out.splitlines()]
    for expected in (
        "Providers",
        "+ dns: Epik (Epik Holdings, US)",
        "- dns: Cloudflare (Cloudflare, Inc., US)",
        "Name servers",
        "+ ns1.epik.com",
        "- a.ns.cloudflare.com",
        "~ 0 -> 2 (+2)",
    ):
        assert expected in lines, (expected, out)
    assert "Mail exchangers" not in out


def test_diff_markdown(capsys, saved):
    code, out, err = run(capsys, "diff", "example.com", "--format", "md")
    assert (code, err) == (0, "")
    assert out.startswith("# Changes to `example.com`\n")
    assert "## Name servers\n\n- added: `ns1.epik.com`\n- removed: `a.ns.cloudflare.com`\n" in out
    assert "- changed: `0 -> 2 (+2)`" in out


def test_diff_of_identical_content_says_no_changes(capsys, saved):
    code, out, err = run(capsys, "diff", "example.com", "--from", str(saved["jan"]), "--to", str(saved["feb"]))
    assert (code, err) == (0, "")
    assert "No changes." in out
    assert "Providers" not in out


def test_diff_from_only_compares_with_the_latest(capsys, saved):
    code, out, _ = run(capsys, "diff", "example.com", "--from", str(saved["jan"]), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["old_id"], doc["new_id"]) == (saved["jan"], saved["mar"])


def test_diff_to_only_compares_with_the_scan_before(capsys, saved):
    code, out, _ = run(capsys, "diff", "example.com", "--to", str(saved["feb"]), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["old_id"], doc["new_id"]) == (saved["jan"], saved["feb"])
    assert doc["empty"] is True


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["--from", "{org}"], "scan {org} is a scan of example.org, not example.com", id="from-other-domain"),
        pytest.param(["--to", "{org}"], "scan {org} is a scan of example.org, not example.com", id="to-other-domain"),
        pytest.param(["--from", "999"], "no scan with id 999 in ", id="unknown-id"),
        pytest.param(["--from", "{feb}", "--to", "{feb}"], "--from and --to both name scan {feb}", id="same-scan"),
        pytest.param(["--to", "{jan}"], "scan {jan} is the oldest saved scan of example.com", id="to-oldest"),
        pytest.param(["--from", "{mar}"], "scan {mar} is the latest saved scan of example.com", id="from-latest"),
    ],
)
def test_diff_bad_ids(capsys, saved, argv, message):
    argv = [a.format(**saved) for a in argv]
    code, out, err = run(capsys, "diff", "example.com", *argv)
    assert (code, out) == (2, "")
    first, *rest = err.splitlines()
    assert first.startswith("tethers: error: " + message.format(**saved)), err
    assert all(line.startswith("hint: ") for line in rest)


@pytest.mark.parametrize(("domain", "found"), [("example.org", 1), ("example.net", 0)])
def test_diff_needs_two_scans(capsys, saved, domain, found):
    code, out, err = run(capsys, "diff", domain)
    assert (code, out) == (2, "")
    first, hint = err.splitlines()
    assert first.startswith(f"tethers: error: need two saved scans of {domain} to compare, found {found} in ")
    assert hint.startswith("hint: ")


def test_diff_without_a_database_creates_nothing(capsys, db):
    code, _, err = run(capsys, "diff", "example.com")
    assert code == 2 and "found 0" in err
    assert not db.exists()


# -- hostile record content -----------------------------------------------------

HOSTILE_NAME = "[bold red]Evil[/bold red] <script>alert(1)</script> `tick`"
HOSTILE_HOST = "ns1.evil\x1b[31m.example"


@pytest.fixture
def hostile(db):
    store = HistoryStore(db)
    store.save(make_scan())
    evil = ProviderRef("evil", HOSTILE_NAME, "Evil\x07 Owner\u202e", "US")
    return store.save(make_scan(when="2024-02-01T00:00:00+00:00", dns=evil, ns=(HOSTILE_HOST,)))


def test_terminal_shows_hostile_content_literally(capsys, hostile):
    code, out, err = run(capsys, "diff", "example.com")
    assert (code, err) == (0, "")
    # Markup is printed, not interpreted; control characters are shown, not sent.
    assert HOSTILE_NAME in out
    assert "ns1.evil\\x1b[31m.example" in out
    assert "Evil\\x07 Owner\\u202e" in out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out


def test_markdown_keeps_hostile_content_in_code_spans(capsys, hostile):
    code, out, err = run(capsys, "diff", "example.com", "--format", "md")
    assert (code, err) == (0, "")
    line = next(line for line in out.splitlines() if "Evil" in line)
    # The fence is longer than any backtick run inside, so the span cannot be closed early.
    assert line.startswith("- added: ``dns: [bold red]Evil") and line.endswith("``")
    assert "\x1b" not in out and "\\x1b" in out


def test_json_carries_hostile_content_exactly_and_ascii_only(capsys, hostile):
    code, out, err = run(capsys, "diff", "example.com", "--format", "json")
    assert (code, err) == (0, "")
    assert out.isascii()
    doc = json.loads(out)
    assert doc["ns"]["added"] == [HOSTILE_HOST]
    assert doc["providers"][0]["gained"][0]["name"] == HOSTILE_NAME


def test_history_table_escapes_markup_in_the_database_path(capsys, tmp_path):
    path = tmp_path / "[red]odd[/red].sqlite3"
    HistoryStore(path).save(make_scan())
    code, out, _ = run(capsys, "history", "--db", str(path))
    assert code == 0
    assert "[red]odd[/red].sqlite3" in out
