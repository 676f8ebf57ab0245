"""Query plans: which names a scan asks about, and the RFC 8020 cut under parents that do not exist."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tethers.collect.dns import (
    APEX_TYPES,
    DKIM_SELECTORS,
    FULL,
    PLANS,
    SERVICE_NAMES,
    SRV_NAMES,
    DnsCollector,
    plan_named,
)
from tethers.collect.resolver import Answer
from tethers.collect.zonefile import ZoneResolver, load_zone_file
from tethers.errors import InputError

ZONES = Path(__file__).parent.parent / "fixtures" / "zones"


class Recording:
    """Passes queries to a ZoneResolver and remembers what was asked."""

    description = "recording"

    def __init__(self, inner: ZoneResolver) -> None:
        self.inner = inner
        self.asked: list[tuple[str, str]] = []

    async def query(self, name: str, rdtype: str) -> Answer:
        self.asked.append((name, rdtype))
        return self.inner.lookup(name, rdtype)


def collect(domain: str, plan=FULL):
    resolver = Recording(ZoneResolver([load_zone_file(p) for p in sorted(ZONES.glob("*.zone"))]))
    out = asyncio.run(DnsCollector(resolver, plan=plan).collect(domain))
    return out, resolver.asked


def dkim_asked(asked):
    return {name.split(".")[0] for name, _ in asked if "._domainkey." in name}


def test_full_plan_static_query_count():
    assert len(FULL.static_queries("example.com")) == (
        len(APEX_TYPES) + 4 + len(DKIM_SELECTORS) + len(SRV_NAMES) + len(SERVICE_NAMES))


def test_no_dkim_selector_is_asked_under_a_domainkey_that_does_not_exist():
    out, asked = collect("example.org")
    assert ("_domainkey.example.org", "TXT") in asked
    assert dkim_asked(asked) == set()
    assert not any(rdtype == "SRV" for _, rdtype in asked)
    assert out.absent == ["_domainkey.example.org", "_tcp.example.org", "_tls.example.org"]


def test_selectors_are_asked_under_an_empty_non_terminal_and_found():
    out, asked = collect("example.com")
    assert dkim_asked(asked) == set(DKIM_SELECTORS)
    dkim = {e.target for e in out.evidence if e.source == "dns:DKIM"}
    assert "s1.domainkey.u4829173.wl174.sendgrid.net" in dkim
    assert {e.target for e in out.evidence if e.source == "dns:SRV"} == {"sipdir.online.lync.com", "sipfed.online.lync.com"}
    assert out.absent == []


def test_without_the_cut_every_name_is_asked():
    out, asked = collect("example.org", plan_named("full", cut=False))
    assert dkim_asked(asked) == set(DKIM_SELECTORS)
    assert {n for n, t in asked if t == "SRV"} == {f"{s}.example.org" for s in SRV_NAMES}
    assert ("_domainkey.example.org", "TXT") not in asked and out.absent == []


def test_quick_plan_asks_about_a_dozen_names_and_still_finds_the_mail_and_web_providers():
    out, asked = collect("example.com", PLANS["quick"])
    first = {(n, t) for n, t in asked if n.endswith("example.com")}
    assert len(first) <= len(APEX_TYPES) + 4 + 1 + 1 + 4 + 10  # apex, policy, _domainkey, www, selectors, own hosts
    services = {n for n, t in asked if t == "A" and n.endswith(".example.com") and n.count(".") == 2}
    assert "www.example.com" in services and "status.example.com" not in services
    assert "s1.domainkey.u4829173.wl174.sendgrid.net" in {e.target for e in out.evidence if e.source == "dns:DKIM"}
    assert "aspmx.l.google.com" in {e.target for e in out.evidence if e.source == "dns:MX"}


def test_a_parent_that_fails_is_not_taken_for_absent():
    class Failing(Recording):
        async def query(self, name, rdtype):
            if name == "_domainkey.example.org":
                self.asked.append((name, rdtype))
                return Answer(name, rdtype, "SERVFAIL")
            return await super().query(name, rdtype)

    resolver = Failing(ZoneResolver([load_zone_file(p) for p in sorted(ZONES.glob("*.zone"))]))
    out = asyncio.run(DnsCollector(resolver).collect("example.org"))
    assert dkim_asked(resolver.asked) == set(DKIM_SELECTORS)
    assert "_domainkey.example.org" not in out.absent


def test_unknown_depth_is_a_clear_error():
    with pytest.raises(InputError, match="unknown scan depth 'deep'"):
        plan_named("deep")


@pytest.mark.parametrize(("rcodes", "reason"), [(("REFUSED",) * 7, "refused"),
                                                (("SERVFAIL",) * 6 + ("REFUSED",), "apex-unanswered")])
def test_a_zone_that_answers_nothing_at_its_apex_is_not_asked_further(rcodes, reason):
    class Lame(Recording):
        async def query(self, name, rdtype):
            self.asked.append((name, rdtype))
            return Answer(name, rdtype, dict(zip(APEX_TYPES, rcodes))[rdtype] if name == "lame.example" else "NXDOMAIN")

    resolver = Lame(ZoneResolver([]))
    out = asyncio.run(DnsCollector(resolver).collect("lame.example"))
    assert {n for n, _ in resolver.asked} == {"lame.example"}
    assert out.errors[-1].reason == reason and "not asked" in out.errors[-1].detail
    assert len(out.errors) == len(APEX_TYPES) + 1 and out.evidence == []


def test_one_answered_apex_type_is_enough_to_go_on():
    class HalfLame(Recording):
        async def query(self, name, rdtype):
            self.asked.append((name, rdtype))
            if name == "example.com" and rdtype != "NS":
                return Answer(name, rdtype, "SERVFAIL")
            return await super().query(name, rdtype)

    resolver = HalfLame(ZoneResolver([load_zone_file(p) for p in sorted(ZONES.glob("*.zone"))]))
    out = asyncio.run(DnsCollector(resolver).collect("example.com"))
    assert ("www.example.com", "A") in resolver.asked
    assert "ada.ns.cloudflare.com" in {e.target for e in out.evidence if e.source == "dns:NS"}
