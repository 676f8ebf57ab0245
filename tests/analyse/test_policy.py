"""Policy checks over small maps built here: each rule kind breaks, holds, or cannot tell."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from tethers.analyse.policy import Outcome, Status, check, evaluate
from tethers.cli.target import load_target
from tethers.config.policy import load_policy
from tethers.model import DependencyMap, Evidence, Location, Origin, ProviderRef, Tether
from tethers.types import Function

ROOT = Path(__file__).parents[2]
ZONES = ROOT / "tests" / "fixtures" / "zones"
EXAMPLES = ROOT / "tethers" / "data" / "examples" / "policies"

CLOUDFLARE = ProviderRef("cloudflare", "Cloudflare", "Cloudflare, Inc.", "US", "cloudflare", "Cloudflare, Inc.", ("cloudflare",))
IONOS = ProviderRef("ionos", "IONOS", "United Internet AG", "DE", "united-internet", "IONOS SE", ("ionos", "united-internet"))
GOOGLE = ProviderRef("google-workspace", "Google Workspace", "Alphabet Inc.", "US", "alphabet", "Google LLC", ("google", "alphabet"))
GOOGLE_DNS = ProviderRef("google-cloud-dns", "Google Cloud DNS", "Alphabet Inc.", "US", "alphabet", "Google LLC", ("google", "alphabet"))

NS = Evidence("dns:NS", "example.org", "ada.ns.cloudflare.com.", "ada.ns.cloudflare.com")
A_DE = Evidence("dns:A", "mx.example.org", "192.0.2.1", "192.0.2.1", via=NS)
A_US = Evidence("dns:A", "mx2.example.org", "198.51.100.7", "198.51.100.7", via=NS)


def tether(function, provider, evidence=(NS,), locations=(), origin=Origin.DISCOVERED, critical=False):
    return Tether(function, provider, origin, critical, tuple(evidence), tuple(locations))


def dmap(*tethers, critical=()):
    return DependencyMap("example.org", tuple(tethers), frozenset(critical))


def policy(tmp_path, text):
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return load_policy(path)


def test_owner_allow_list_breaks_for_us_owner_and_holds_for_eea(tmp_path):
    p = policy(tmp_path, '[[rule]]\nid = "eea"\nallow_owner_regions = ["EEA"]\n')
    report = evaluate(dmap(tether(Function.DNS, CLOUDFLARE), tether(Function.HOSTING, IONOS)), p)
    outcomes = {c.function: c.outcome for c in report.cases}
    assert outcomes == {Function.DNS: Outcome.FAIL, Function.HOSTING: Outcome.PASS}
    (v,) = report.violations
    assert v.rule == "eea" and v.provider == CLOUDFLARE and v.function is Function.DNS
    assert "owned by Cloudflare, Inc. in US, outside the allowed EEA" in v.message
    assert v.evidence == (NS,) and report.failed


def test_owner_deny_list_respects_functions(tmp_path):
    p = policy(tmp_path, '[[rule]]\nid = "no-us-mail"\nfunctions = ["email-inbound"]\ndeny_owner_countries = ["US"]\n')
    m = dmap(tether(Function.DNS, CLOUDFLARE), tether(Function.EMAIL_INBOUND, GOOGLE))
    findings = check(m, p)
    assert [(f.function, f.provider.id) for f in findings] == [(Function.EMAIL_INBOUND, "google-workspace")]
    assert "a denied owner country (US)" in findings[0].message


def test_server_rule_uses_only_seen_servers(tmp_path):
    p = policy(tmp_path, '[[rule]]\nid = "servers-eea"\nallow_server_regions = ["EEA"]\n')
    located = tether(Function.EMAIL_INBOUND, GOOGLE, (NS, A_DE, A_US),
                     [Location("192.0.2.1", "DE", 3320, "DTAG"), Location("198.51.100.7", "US", 15169, "GOOGLE")])
    unseen = tether(Function.DNS, CLOUDFLARE)
    half = tether(Function.HOSTING, IONOS, (A_DE,), [Location("192.0.2.1", "DE", 8560, "IONOS"),
                                                     Location("192.0.2.9", None, None, None)])
    report = evaluate(dmap(unseen, located, half), p)
    by_function = {c.function: c for c in report.cases}
    assert by_function[Function.EMAIL_INBOUND].outcome is Outcome.FAIL
    bad = by_function[Function.EMAIL_INBOUND].findings[0]
    assert bad.locations == (Location("198.51.100.7", "US", 15169, "GOOGLE"),)
    assert bad.evidence == (A_US,), "the evidence is the record behind the offending address"
    assert "has servers in US, outside the allowed EEA" in bad.message
    # No server seen: unknown, never a pass or a failure.
    (dns,) = by_function[Function.DNS].findings
    assert dns.status is Status.UNKNOWN and not dns.failing and by_function[Function.DNS].outcome is Outcome.UNKNOWN
    # Every located server allowed, one without a country: unknown too.
    (hosting,) = by_function[Function.HOSTING].findings
    assert hosting.status is Status.UNKNOWN and "1 of 2 server addresses have no country" in hosting.message
    assert len(report.unknowns) == 2 and len(report.violations) == 1


def test_server_deny_list(tmp_path):
    p = policy(tmp_path, '[[rule]]\nid = "no-us-servers"\ndeny_server_countries = ["US"]\n')
    ok = tether(Function.HOSTING, IONOS, (A_DE,), [Location("192.0.2.1", "DE", 8560, "IONOS")])
    assert evaluate(dmap(ok), p).cases[0].outcome is Outcome.PASS
    bad = tether(Function.HOSTING, IONOS, (A_US,), [Location("198.51.100.7", "US", 8560, "IONOS")])
    (v,) = check(dmap(bad), p)
    assert v.status is Status.VIOLATED and "in denied server countries: US" in v.message


def test_min_dns_owners_counts_owners_not_providers(tmp_path):
    p = policy(tmp_path, '[[rule]]\nid = "two-dns-owners"\nmin_dns_owners = 2\n')
    same_owner = dmap(tether(Function.DNS, GOOGLE_DNS), tether(Function.DNS, GOOGLE))
    (v,) = check(same_owner, p)
    assert v.function is Function.DNS and "1 independent owner (Alphabet Inc. (US))" in v.message
    assert v.provider is None, "two providers share the owner: the finding is about the function"
    assert not check(dmap(tether(Function.DNS, CLOUDFLARE), tether(Function.DNS, IONOS)), p)


def test_min_providers_and_missing_function(tmp_path):
    p = policy(tmp_path, '[[rule]]\nid = "two-mx"\nfunctions = ["email-inbound"]\nmin_providers = 2\n')
    (v,) = check(dmap(tether(Function.EMAIL_INBOUND, GOOGLE)), p)
    assert v.status is Status.VIOLATED and "1 provider (Google Workspace)" in v.message and v.provider == GOOGLE
    (u,) = check(dmap(tether(Function.DNS, CLOUDFLARE)), p)
    assert u.status is Status.UNKNOWN and "no provider seen" in u.message


def test_forbidden_providers_and_owners(tmp_path):
    p = policy(tmp_path, '[[rule]]\nid = "no-cf"\ndeny_providers = ["cloudflare"]\n'
                         '[[rule]]\nid = "no-google"\ndeny_owners = ["google"]\n')
    findings = check(dmap(tether(Function.DNS, CLOUDFLARE), tether(Function.EMAIL_INBOUND, GOOGLE),
                          tether(Function.HOSTING, IONOS)), p)
    assert [(f.rule, f.provider.id) for f in findings] == [("no-cf", "cloudflare"), ("no-google", "google-workspace")]
    assert "belongs to google, a forbidden owner (ultimate owner Alphabet Inc.)" in findings[1].message


def test_no_single_owner_for_critical_functions(tmp_path):
    p = policy(tmp_path, '[[rule]]\nid = "spof"\nno_single_owner = true\n')
    declared = tether(Function.PAYMENTS, IONOS, evidence=(), origin=Origin.DECLARED, critical=True)
    m = dmap(tether(Function.DNS, CLOUDFLARE, critical=True), tether(Function.DNS, IONOS, critical=True), declared,
             critical={Function.DNS, Function.PAYMENTS})
    report = evaluate(m, p)
    assert {c.function: c.outcome for c in report.cases} == {Function.DNS: Outcome.PASS, Function.PAYMENTS: Outcome.FAIL}
    (v,) = report.violations
    assert v.origin is Origin.DECLARED and v.evidence == ()
    assert "payments is critical and held by a single owner: United Internet AG (DE)" in v.message
    # Without critical functions there is nothing to judge: an unknown, not a pass.
    (case,) = evaluate(dmap(tether(Function.DNS, CLOUDFLARE)), p).cases
    assert case.function is None and case.outcome is Outcome.UNKNOWN


def test_warnings_report_but_do_not_fail(tmp_path):
    p = policy(tmp_path, '[[rule]]\nid = "eea"\nseverity = "warning"\nallow_owner_regions = ["EEA"]\n')
    report = evaluate(dmap(tether(Function.DNS, CLOUDFLARE)), p)
    assert report.cases[0].outcome is Outcome.WARN and len(report.violations) == 1 and not report.failed


def test_evidence_is_capped():
    from tethers.analyse.policy import MAX_EVIDENCE

    many = [Evidence("dns:MX", "example.org", f"10 mx{i}.google.com.", f"mx{i}.google.com") for i in range(40)]
    p = load_policy(EXAMPLES / "no-single-dns.toml")
    findings = check(dmap(tether(Function.DNS, CLOUDFLARE, many)), p)
    assert all(len(f.evidence) <= MAX_EVIDENCE for f in findings)


@pytest.fixture(scope="module")
def example_com():
    args = argparse.Namespace(target=str(ZONES / "example.com.zone"), inventory=None, live=False, resolver=None, db=None)
    return load_target(args)


def test_eu_sovereign_over_the_example_zone(example_com):
    report = evaluate(example_com, load_policy(EXAMPLES / "eu-sovereign.toml"))
    assert report.failed
    owner = {(v.function, v.provider.id) for v in report.violations if v.rule == "owners-in-europe"}
    assert (Function.DNS, "cloudflare") in owner and (Function.EMAIL_INBOUND, "google-workspace") in owner
    assert (Function.EMAIL_SENDING, "sendgrid") in owner and (Function.CDN, "aws-cloudfront") in owner
    # A zone file carries no addresses for provider hosts, so no server rule can fail.
    assert all(f.status is Status.UNKNOWN for f in report.findings if f.rule == "servers-in-europe")
    dns = next(v for v in report.violations if v.rule == "two-dns-owners")
    assert {ev.target for ev in dns.evidence} >= {"ada.ns.cloudflare.com", "bob.ns.cloudflare.com"}


def test_a_policy_the_example_zone_meets(example_com, tmp_path):
    p = policy(tmp_path, '[[rule]]\nid = "no-cn-ru"\ndeny_owner_countries = ["CN", "RU"]\n')
    report = evaluate(example_com, p)
    assert not report.findings and not report.failed
    assert {c.function for c in report.cases} == set(example_com.functions())
