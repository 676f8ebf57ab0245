"""The DNS collector over the fixture zones, through ZoneResolver (no network).

The same zones are scanned through real servers in tests/test_live_scan.py.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tethers.collect.dns import DnsCollector
from tethers.collect.zonefile import ZoneResolver, load_zone_file

ZONES = Path(__file__).parent.parent / "fixtures" / "zones"


@pytest.fixture(scope="module")
def collected():
    zones = [load_zone_file(p) for p in sorted(ZONES.glob("*.zone"))]
    collector = DnsCollector(ZoneResolver(zones))
    names = next(z for z in zones if z.origin == "example.com").names()
    return asyncio.run(collector.collect("example.com", names))


def targets(collected, source):
    return sorted({e.target for e in collected.evidence if e.source == source})


def test_apex_records(collected):
    assert targets(collected, "dns:NS") == ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"]
    assert "aspmx.l.google.com" in targets(collected, "dns:MX")
    assert targets(collected, "dns:CAA") == ["letsencrypt.org"]
    assert "<script>alert(1)</script>" in targets(collected, "dns:TXT")


def test_spf_includes_expanded_with_loop_and_limit_reported(collected):
    spf = targets(collected, "dns:SPF")
    assert {"_spf.google.com", "sendgrid.net", "spf-loop.example.net", "spf-chain1.example.net"} <= set(spf)
    reasons = {e.reason for e in collected.errors}
    assert {"spf-loop", "spf-lookup-limit"} <= reasons


def test_dmarc_receivers_and_dkim_cnames(collected):
    assert targets(collected, "dns:DMARC") == ["ag.dmarcian.com", "fo.dmarcian.com"]
    assert "s1.domainkey.u4829173.wl174.sendgrid.net" in targets(collected, "dns:DKIM")


def test_service_cnames_and_srv(collected):
    cnames = targets(collected, "dns:CNAME")
    assert {"d111111abcdef8.cloudfront.net", "example.zendesk.com", "q8m4z2r6t0yv.stspg-customer.com"} <= set(cnames)
    assert targets(collected, "dns:SRV") == ["sipdir.online.lync.com", "sipfed.online.lync.com"]


def test_cname_loop_is_an_error_not_a_hang(collected):
    loops = [e for e in collected.errors if e.reason == "cname-loop"]
    assert {e.name for e in loops} >= {"loop1.example.com"}


def test_long_chain_is_followed_with_each_step_linked(collected):
    end = [e for e in collected.evidence if e.source == "dns:A" and e.target == "192.0.2.80" and e.chain()[-1].name == "chain1.example.com"]
    assert end, "chain1 should reach chain-end's address"
    steps = [a.name for a in end[0].chain()[1:]]
    assert steps[-1] == "chain1.example.com" and len(steps) == 8


def test_unknown_domain_is_one_clear_error():
    zones = [load_zone_file(p) for p in sorted(ZONES.glob("*.zone"))]
    out = asyncio.run(DnsCollector(ZoneResolver(zones)).collect("nope.example.com"))
    assert [(e.reason) for e in out.errors] == ["nxdomain"] and out.evidence == []
