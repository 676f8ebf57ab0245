"""``tethers concentration``: one target, several, and a portfolio of hundreds read from the history."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tethers.cli import main as cli_main
from tests.clirun import run
from tethers.model import Dependency, Evidence, ProviderRef, ScanResult
from tethers.model.codec import document
from tethers.model.evidence import DNS_MX, DNS_NS
from tethers.store import HistoryStore
from tethers.types import Function, Mode

ROOT = Path(__file__).resolve().parents[2]
PARLER = ROOT / "tethers" / "data" / "examples" / "parler-2021" / "tethers.toml"
ZONE = ROOT / "tests" / "fixtures" / "zones" / "example.com.zone"

CLOUDFLARE = ProviderRef("cloudflare", "Cloudflare", "Cloudflare, Inc.", "US", "cloudflare", "Cloudflare, Inc.", ("cloudflare",))
ROUTE53 = ProviderRef("aws-route53", "Amazon Route 53", "Amazon.com, Inc.", "US", "amazon", "Amazon.com, Inc.", ("amazon",))
M365 = ProviderRef("microsoft-365", "Microsoft 365", "Microsoft Corporation", "US", "microsoft", "Microsoft Corporation", ("microsoft",))
GOOGLE = ProviderRef("google-workspace", "Google Workspace", "Alphabet Inc.", "US", "alphabet", "Google LLC", ("google", "alphabet"))
SCHEMA = Draft202012Validator(json.loads((ROOT / "tethers" / "data" / "schemas" / "concentration.schema.json").read_text(encoding="utf-8")))
YANDEX = ProviderRef("yandex-mail", "Yandex Mail", "Yandex", "RU", "yandex", "Yandex", ("yandex",))


@pytest.fixture(autouse=True)
def environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TETHERS_DB", str(tmp_path / "history.sqlite3"))
    monkeypatch.setenv("COLUMNS", "200")
    assert "concentration" in cli_main.COMMANDS


def scan(domain, dns, mail):
    deps = (
        Dependency(Function.DNS, dns, (Evidence(DNS_NS, domain, "ns1.provider.example.", "ns1.provider.example"),)),
        Dependency(Function.EMAIL_INBOUND, mail, (Evidence(DNS_MX, domain, "10 mx.provider.example.", "mx.provider.example"),)),
    )
    return ScanResult(domain, Mode.LIVE, "2024-05-01T00:00:00+00:00", "2024-05-01T00:00:01+00:00", "127.0.0.1:53",
                      dependencies=deps, evidence_count=2)


def test_one_target_in_json(capsys):
    code, out, err = run(capsys, "concentration", PARLER, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    SCHEMA.validate(doc)
    assert doc["schema"] == "tethers/concentration@1" and doc["portfolio"] is None
    (parler,) = doc["targets"]
    # 12 tethers: Epik 2 (dns, registrar), Microsoft 2 (mail in and out), eight owners 1 each.
    assert parler["tethers"] == 12
    assert parler["hhi"] == pytest.approx((2 * 2**2 + 8) / 12**2, abs=1e-6)
    spread = {f["function"]: f for f in parler["functions"]}
    assert spread["app-distribution"]["independent"] == 2
    assert spread["app-distribution"]["providers"] == ["apple-app-store", "google-play"]
    assert {o["id"] for o in parler["owners"] if len(o["functions"]) > 1} == {"epik", "microsoft"}


def test_one_target_on_the_terminal(capsys):
    code, out, _ = run(capsys, "concentration", PARLER)
    assert code == 0
    assert "Epik Holdings, Inc. [US] holds dns, registrar" in out
    assert "HHI 0.11 over 10 owners (like 9.0 equal owners)" in out
    assert "Herfindahl" in out and "What the" not in out  # no portfolio for one target


def test_portfolio_of_hundreds_of_domains_from_the_history(capsys, tmp_path):
    rng = random.Random(7)
    store = HistoryStore(tmp_path / "history.sqlite3")
    expected = {"microsoft": 0, "alphabet": 0, "yandex": 0, "cloudflare": 0, "amazon": 0}
    names = []
    for i in range(300):
        dns = rng.choice([(CLOUDFLARE, "cloudflare"), (ROUTE53, "amazon")])
        mail = rng.choice([(M365, "microsoft"), (GOOGLE, "alphabet"), (YANDEX, "yandex")])
        expected[dns[1]] += 1
        expected[mail[1]] += 1
        domain = f"vendor{i}.example"
        store.save(scan(domain, dns[0], mail[0]))
        names.append(domain)
    listing = tmp_path / "vendors.txt"
    listing.write_text("# our vendors\n" + "\n".join(names) + "\nnot a domain!\nunscanned.example\n", encoding="utf-8")
    started = time.perf_counter()
    code, out, err = run(capsys, "concentration", "-i", listing, "--format", "json")
    assert time.perf_counter() - started < 60
    assert code == 0
    assert f"skipping {listing}:302:" in err and f"skipping {listing}:303: no stored scan of unscanned.example" in err
    doc = json.loads(out)
    SCHEMA.validate(doc)
    assert len(doc["targets"]) == 300
    portfolio = doc["portfolio"]
    assert portfolio["targets"] == 300
    assert {o["id"]: o["targets"] for o in portfolio["owners"]} == {k: v for k, v in expected.items() if v}
    assert portfolio["owners"][0]["targets"] == max(expected.values())
    # Every vendor's DNS is US-owned (Cloudflare or Amazon); the Russian owner holds only some vendors' mail.
    assert {c["id"]: c["targets"] for c in portfolio["countries"]} == {"US": 300, "RU": expected["yandex"]}
    microsoft = next(o for o in portfolio["owners"] if o["id"] == "microsoft")
    assert microsoft["by_function"] == {"email-inbound": expected["microsoft"]} and microsoft["sole"] == expected["microsoft"]
    assert portfolio["function_targets"] == {"dns": 300, "email-inbound": 300}


def test_portfolio_on_the_terminal_and_in_markdown(capsys, tmp_path):
    saved = tmp_path / "a.json"
    saved.write_text(json.dumps(document([scan("a.example", CLOUDFLARE, YANDEX)])), encoding="utf-8")
    code, out, _ = run(capsys, "concentration", saved, ZONE, PARLER, "--top", "2")
    assert code == 0
    assert "What the 3 targets lean on: owners" in out and "What the 3 targets lean on: owner countries" in out
    assert "RU (Russia" in out  # the country label
    code, out, _ = run(capsys, "concentration", saved, ZONE, "--format", "md")
    assert code == 0 and "## What the 2 targets lean on: providers" in out
    assert "| Cloudflare \\[US\\] | 2/2 | 100% |" in out


def test_many_targets_are_summarised_one_row_each(capsys, tmp_path):
    paths = []
    for i in range(5):
        path = tmp_path / f"v{i}.json"
        path.write_text(json.dumps(document([scan(f"v{i}.example", CLOUDFLARE, M365)])), encoding="utf-8")
        paths.append(path)
    code, out, _ = run(capsys, "concentration", *paths)
    assert code == 0 and "5 targets" in out and "Per function" not in out


def test_hostile_names_are_escaped(capsys, tmp_path):
    hostile = ProviderRef("evil", "<script>x</script> [bold red]y[/]", "[blink]Owner[/] <b>", "US", "evil", "Evil", ("evil",))
    saved = tmp_path / "evil.json"
    saved.write_text(json.dumps(document([scan("evil.example", hostile, M365)])), encoding="utf-8")
    other = tmp_path / "ok.json"
    other.write_text(json.dumps(document([scan("ok.example", hostile, GOOGLE)])), encoding="utf-8")
    code, out, _ = run(capsys, "concentration", saved, other)
    assert code == 0 and "[blink]Owner[/] <b> [US]" in out
    page = tmp_path / "c.html"
    code, _, _ = run(capsys, "concentration", saved, other, "--format", "html", "-o", page)
    text = page.read_text(encoding="utf-8")
    assert code == 0 and "<script>x" not in text and "&lt;script&gt;x&lt;/script&gt;" in text and "<b>" not in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "no TARGET given"),
        (["--top", "0", "x.example"], "--top must be at least 1"),
        (["unscanned.example"], "no stored scan of unscanned.example"),
    ],
    ids=["nothing", "top", "unscanned"],
)
def test_bad_input_exits_2(capsys, argv, message):
    code, out, err = run(capsys, "concentration", *argv)
    assert code == 2 and out == "" and err.splitlines()[0] == f"tethers: error: {message}"


def test_a_list_where_nothing_loads(capsys, tmp_path):
    listing = tmp_path / "empty.txt"
    listing.write_text("# nothing yet\n", encoding="utf-8")
    code, _, err = run(capsys, "concentration", "-i", listing)
    assert code == 2 and "no target could be loaded" in err
