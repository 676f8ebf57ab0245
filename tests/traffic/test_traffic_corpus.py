"""Acceptance over real captures and HAR files in ../shared/corpus (skipped when absent).

The expected names are what tshark 4.0 reads from the same files (ClientHello SNI,
including the one inside the QUIC Initial) and what the corpus README counts (DNS
names, HAR hosts and requests); the attributions are ones an analyst checks by hand.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tethers.traffic.analyse import analyse

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("TETHERS_CORPUS", REPO.parent / "shared" / "corpus"))
PCAP, HAR = CORPUS / "pcap", CORPUS / "har"

pytestmark = pytest.mark.skipif(not PCAP.is_dir(), reason=f"no corpus at {CORPUS}")

SNI = {
    "suricata-verify_base64-decode-5885.pcap": {
        "redirect.viglink.com", "www.google.com", "ssl.gstatic.com", "fonts.gstatic.com", "content-autofill.googleapis.com",
        "code.jquery.com", "clients2.google.com", "apis.google.com", "accounts.google.com"},
    "suricata-verify_tls-subjectaltname.pcap": {
        "mamzon.ru", "mc.yandex.ru", "www.msn.com", "www.coffeecircle.com", "www.bing.com", "r20swj13mr.microsoft.com",
        "query.prod.cms.msn.com", "pagead2.googlesyndication.com", "ieonline.microsoft.com", "go.microsoft.com",
        "www.havenyt.dk", "www.google.com", "tpc.googlesyndication.com", "partner.googleadservices.com", "madmaskiner.dk",
        "iecvlist.microsoft.com", "googleads.g.doubleclick.net", "bedreboligliv.dk", "adservice.google.fr", "adservice.google.com"},
    "zeek_quic_firefox-102-blog-cloudflare-com.pcap": {"blog.cloudflare.com"},
    "zeek_tls13-ech.pcap": {"cloudflare-ech.com"},
}
DNS_NAMES = {"suricata-verify_base64-decode-5885.pcap": 13, "suricata-verify_tls-subjectaltname.pcap": 36}


def sni_names(report) -> set[str]:  # type: ignore[no-untyped-def]
    return {ev.name for e in report.endpoints for ev in e.evidence if ev.source in ("pcap:sni", "pcap:quic-sni")}


@pytest.mark.parametrize("name", sorted(SNI))
def test_sni_as_tshark_reads_it(name):
    path = PCAP / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    report = analyse([str(path)])
    assert sni_names(report) == SNI[name]
    assert report.inputs[0].warnings == []
    if name in DNS_NAMES:
        assert len({e.name for e in report.endpoints if e.name}) >= DNS_NAMES[name]


def test_quic_and_ech_endpoints():
    quic = analyse([str(PCAP / "zeek_quic_firefox-102-blog-cloudflare-com.pcap")])
    [ep] = quic.endpoints
    assert ep.protocols == ("udp/quic",) and ep.evidence[0].source == "pcap:quic-sni" and ep.bytes_in > 500_000
    ech = analyse([str(PCAP / "zeek_tls13-ech.pcap")])
    named = next(e for e in ech.endpoints if e.name == "cloudflare-ech.com")
    assert "Encrypted Client Hello" in named.evidence[0].value
    assert named.attribution.provider.id == "cloudflare"  # type: ignore[union-attr]


def test_attributions_checked_by_hand():
    report = analyse([str(PCAP / "suricata-verify_tls-subjectaltname.pcap"), str(PCAP / "suricata-verify_base64-decode-5885.pcap")])
    got = {e.name: e.attribution.provider.id for e in report.endpoints if e.attribution.provider}
    assert got["googleads.g.doubleclick.net"] == "google-ads"
    assert got["pagead2.googlesyndication.com"] == "google-ads"
    assert got["www.google.com"] == "google-services"
    assert got["www.bing.com"] == "microsoft-windows-services"
    assert got["code.jquery.com"] == "stackpath"  # via the CNAME the capture's DNS answer gave
    assert got["mamzon.ru"] == "hetzner"  # a typo-squat on a Hetzner server: known only by its network
    yandex = next(e for e in report.endpoints if e.name == "mc.yandex.ru")
    assert yandex.location.country == "RU"


@pytest.mark.parametrize(("name", "hosts", "requests"), [
    ("pagexray_ferguson.har", 41, 174),
    ("pagexray_www.nytimes.com.har", 84, 328),
    ("pagexray_mytoys.de.har", 15, 50),
    ("pagexray_browsertime-recalculate-style.har", 2, 7),
])
def test_har_hosts_and_requests(name, hosts, requests):
    path = HAR / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    report = analyse([str(path)])
    assert len({e.name for e in report.endpoints}) == hosts and report.inputs[0].records == requests
    assert sum(e.flows for e in report.endpoints) == requests


def test_har_third_parties():
    report = analyse([str(HAR / "pagexray_www.nytimes.com.har")])
    got = {e.name: e.attribution.provider.id for e in report.endpoints if e.attribution.provider}
    assert got["www.google-analytics.com"] == "google-analytics"
    assert got["connect.facebook.net"] == "meta-sdk"
    assert got["cm.g.doubleclick.net"] == "google-ads"
