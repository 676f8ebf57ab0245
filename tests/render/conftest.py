"""Scan fixtures for the renderers, and the golden-file check.

Golden files are the rendered outputs kept in tests/render/golden/ and read in
review. After an intended change of output, regenerate them with

    TETHERS_REGEN_GOLDEN=1 python -m pytest tests/render

and read the diff (git diff tests/render/golden) before committing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tethers.model import CollectError, Dependency, Evidence, Location, ProviderRef, ScanResult, Unattributed
from tethers.model.evidence import DNS_A, DNS_MX, DNS_NS, DNS_SPF, DNS_TXT
from tethers.types import Function, Mode

GOLDEN = Path(__file__).parent / "golden"

# Hostile record content: markup for rich, HTML, and a bell character.
HOSTILE_TXT = "<script>alert(1)</script> [bold red]x[/] \x07"

EPIK = ProviderRef("epik", "Epik", "Epik Inc.", "US", "epik", "Epik Inc.", ("epik",))
MICROSOFT = ProviderRef(
    "microsoft-365", "Microsoft 365 / Exchange Online", "Microsoft Corporation", "US",
    "microsoft", "Microsoft Corporation", ("microsoft",),
)
SENDGRID = ProviderRef(
    "sendgrid", "SendGrid", "Twilio Inc.", "US", "twilio", "SendGrid (Twilio)", ("sendgrid", "twilio")
)
DDOS_GUARD = ProviderRef("ddos-guard", "DDoS-Guard", "DDoS-Guard Ltd.", "RU", "ddos-guard", "DDoS-Guard Ltd.", ("ddos-guard",))


def parler_scan() -> ScanResult:
    """A scan shaped like parler.com in January 2021. Addresses are documentation ranges."""
    spf = Evidence(DNS_TXT, "parler.com", '"v=spf1 include:spf.protection.outlook.com include:sendgrid.net -all"')
    mx = Evidence(DNS_MX, "parler.com", "10 parler-com.mail.protection.outlook.com.", "parler-com.mail.protection.outlook.com")
    return ScanResult(
        domain="parler.com",
        mode=Mode.LIVE,
        started="2021-01-10T04:00:00+00:00",
        finished="2021-01-10T04:00:01.400000+00:00",
        resolver="127.0.0.1:53",
        dependencies=(
            Dependency(
                Function.EMAIL_INBOUND, MICROSOFT, (mx,),
                locations=(Location("192.0.2.10", "US", 8075, "MICROSOFT-CORP-MSN-AS-BLOCK"),
                           Location("192.0.2.11", "IE", 8075, "MICROSOFT-CORP-MSN-AS-BLOCK")),
                rules=("microsoft-365:0 mx-suffix mail.protection.outlook.com",),
            ),
            Dependency(
                Function.DNS, EPIK,
                (Evidence(DNS_NS, "parler.com", "ns3.epik.com.", "ns3.epik.com"),
                 Evidence(DNS_NS, "parler.com", "ns4.epik.com.", "ns4.epik.com")),
                locations=(Location("198.51.100.3", "US", None, None),),
                rules=("epik:0 ns-suffix epik.com",),
            ),
            Dependency(
                Function.EMAIL_SENDING, SENDGRID,
                (Evidence(DNS_SPF, "parler.com", "include:sendgrid.net", "sendgrid.net", via=spf),),
                rules=("sendgrid:0 spf-include sendgrid.net",),
            ),
            Dependency(
                Function.EMAIL_SENDING, MICROSOFT,
                (Evidence(DNS_SPF, "parler.com", "include:spf.protection.outlook.com", "spf.protection.outlook.com", via=spf),),
                rules=("microsoft-365:1 spf-include spf.protection.outlook.com",),
            ),
            Dependency(
                Function.HOSTING, DDOS_GUARD,
                (Evidence(DNS_A, "parler.com", "203.0.113.7", "203.0.113.7"),),
                locations=(Location("203.0.113.7", "RU", 57724, "DDOS-GUARD"),),
                rules=("ddos-guard:0 asn AS57724",),
            ),
        ),
        unattributed=(
            Unattributed(
                Function.EMAIL_INBOUND, "mailhost.example",
                Evidence(DNS_MX, "parler.com", "20 mx2.mailhost.example.", "mx2.mailhost.example"),
                locations=(Location("192.0.2.99", "DE", None, None),),
            ),
            Unattributed(None, "evil.example", Evidence(DNS_TXT, "parler.com", f'"{HOSTILE_TXT}"', HOSTILE_TXT)),
        ),
        errors=(
            CollectError("_dmarc.parler.com", "TXT", "timeout", "no answer after 2 tries"),
            CollectError("parler.com", "CAA", "malformed: [bold]bad[/bold] <b>", "\x1b[31mred"),
            CollectError("_mta-sts.parler.com", "TXT", "timeout"),
        ),
        evidence_count=9,
        queries=14,
        meta={"kb": "fixture", "psl": "fixture"},
    )


def failed_scan() -> ScanResult:
    """A scan where every lookup failed."""
    return ScanResult(
        domain="gone.example",
        mode=Mode.ZONE_FILE,
        started="2021-01-10T04:00:02+00:00",
        finished="2021-01-10T04:00:02+00:00",
        resolver="zone-file: tests/zones/gone.example.zone",
        errors=(CollectError("gone.example", "NS", "nxdomain"), CollectError("gone.example", "MX", "nxdomain")),
        queries=2,
    )


# Module scope: the scans are frozen, and property tests may take them as fixtures.
@pytest.fixture(scope="module")
def scans() -> list[ScanResult]:
    return [parler_scan(), failed_scan()]


@pytest.fixture(scope="module")
def parler() -> ScanResult:
    return parler_scan()


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """``golden(name, text)``: compare with golden/<name>, or rewrite it under TETHERS_REGEN_GOLDEN=1."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if os.environ.get("TETHERS_REGEN_GOLDEN") == "1":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            return
        assert path.exists(), f"{path} missing; run with TETHERS_REGEN_GOLDEN=1 to create it"
        expected = path.read_text(encoding="utf-8")
        assert text == expected, f"{name} differs from its golden file; if intended, regenerate with TETHERS_REGEN_GOLDEN=1"

    return check
