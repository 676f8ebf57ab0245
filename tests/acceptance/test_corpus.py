"""Acceptance over real published zones in ../shared/corpus/zones (skipped when absent).

EXPECTED lists what an analyst reading each zone file finds at a glance: the MX
and NS hosts and the main mail-sending includes. Every one must be attributed,
with the right owner country.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import tethers
from tethers.attribute import Attributor
from tethers.kb import default_kb

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("TETHERS_CORPUS", REPO.parent / "shared" / "corpus")) / "zones"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")

MICROSOFT_MAIL = {("email-inbound", "microsoft-365"), ("email-sending", "microsoft-365")}
GOOGLE_MAIL = {("email-inbound", "google-workspace")}
ROUTE53 = {("dns", "aws-route53")}
EXPECTED: dict[str, set[tuple[str, str]]] = {
    "data.gov": ROUTE53,
    "alpha.canada.ca": ROUTE53,
    "digital.gov": {("email-inbound", "aws-ses")},
    "search.gov": {("email-inbound", "aws-ses")},
    "fac.gov": GOOGLE_MAIL | {("support", "zendesk")},
    "pif.gov": GOOGLE_MAIL,
    "k8s.io": GOOGLE_MAIL,
    "kubernetes.io": GOOGLE_MAIL,
    "cds-snc.ca": GOOGLE_MAIL | ROUTE53,
    "hackclub.com": GOOGLE_MAIL | {("email-inbound", "sendgrid"), ("email-sending", "sendgrid")},
    "digital.justice.gov.uk": MICROSOFT_MAIL | ROUTE53,
    "judiciary.uk": MICROSOFT_MAIL | ROUTE53,
    "paroleboard.gov.uk": MICROSOFT_MAIL | ROUTE53,
    "yjb.gov.uk": MICROSOFT_MAIL | ROUTE53,
    "justice.gov.uk": MICROSOFT_MAIL | ROUTE53,
    "ima-citizensrights.org.uk": MICROSOFT_MAIL | ROUTE53,
    "crates.io": {("email-inbound", "mailgun"), ("status-page", "atlassian-statuspage")},
    "wikimediafoundation.org": {("hosting", "wordpress-com")},
}
COUNTRY = {"microsoft-365": "US", "google-workspace": "US", "aws-route53": "US", "aws-ses": "US", "sendgrid": "US",
           "zendesk": "US", "mailgun": "SE", "atlassian-statuspage": "US", "wordpress-com": "US"}


@pytest.fixture(scope="module")
def results() -> dict[str, tethers.ScanResult]:
    files = sorted(CORPUS.glob("*/*.zone"))
    assert len(files) >= 20
    return {r.domain: r for r in tethers.scan_zone_files(files)}


def test_every_zone_scans_without_internal_errors(results):
    for domain, result in results.items():
        assert not [e for e in result.errors if e.reason == "internal-error"], domain
        assert result.evidence_count > 0, domain


@pytest.mark.parametrize("domain", sorted(EXPECTED))
def test_analyst_findings_are_attributed_with_owner_country(results, domain):
    found = {(d.function.value, d.provider.id): d.provider.country for d in results[domain].dependencies}
    missing = EXPECTED[domain] - found.keys()
    assert not missing, f"{domain}: not attributed: {sorted(missing)}"
    for key in EXPECTED[domain]:
        assert found[key] == COUNTRY[key[1]], (domain, key)


def test_every_dependency_is_backed_by_its_evidence(results):
    """Precision by construction: each piece of evidence, matched again on its own, names the provider."""
    attributor = Attributor(default_kb(), None)  # type: ignore[arg-type]
    kb = default_kb()
    for domain, result in results.items():
        for dep in result.dependencies:
            for ev in dep.evidence:
                if ev.source in ("dns:A", "dns:AAAA"):
                    hits = kb.match_ip(ev.target)
                    assert hits or dep.locations, (domain, dep.provider.id, ev)
                    continue
                hits = attributor.match(ev)
                assert any(h.provider_id == dep.provider.id and h.function == dep.function for h in hits), (
                    domain, dep.provider.id, ev,
                )


def test_placeholder_name_servers_are_not_third_parties(results):
    for domain, result in results.items():
        assert not [u for u in result.unattributed if u.evidence.target.endswith(".invalid")], domain
