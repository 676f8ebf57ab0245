"""Concentration of one map and of a portfolio, on maps whose answers are worked out by hand."""

from __future__ import annotations

import random
import time

import pytest

from tethers.analyse.concentration import concentration, hhi, portfolio
from tethers.model import DependencyMap, Origin, ProviderRef, Tether
from tethers.types import Function as F


def ref(pid, owner, country="US", chain=None):
    return ProviderRef(pid, pid.title(), owner.title(), country, owner, owner.title(), tuple(chain or (owner,)))


AWS = ref("aws", "amazon")
ROUTE53 = ref("aws-route53", "amazon")
SES = ref("aws-ses", "amazon")
CLOUDFLARE = ref("cloudflare", "cloudflare")
M365 = ref("microsoft-365", "microsoft")
GOOGLE = ref("google-workspace", "alphabet", chain=("google", "alphabet"))
SENDGRID = ref("sendgrid", "twilio", chain=("sendgrid", "twilio"))
HETZNER = ref("hetzner", "hetzner", "DE")


def dmap(name, *pairs, critical=()):
    return DependencyMap(name, tuple(Tether(f, p, Origin.DISCOVERED, f in critical) for f, p in pairs), frozenset(critical))


def test_hhi_bounds():
    assert hhi([5]) == 1.0
    assert hhi([1, 1, 1, 1]) == pytest.approx(0.25)
    assert hhi([3, 1]) == pytest.approx(0.625)
    assert hhi([]) == 0.0 and hhi([0, 0]) == 0.0


def test_per_function_spread_counts_owners_not_providers():
    m = dmap("Example",
             (F.DNS, ROUTE53), (F.DNS, CLOUDFLARE),
             (F.HOSTING, AWS), (F.HOSTING, HETZNER),
             (F.EMAIL_SENDING, SES), (F.EMAIL_SENDING, SENDGRID), (F.EMAIL_SENDING, M365),
             critical={F.HOSTING})
    c = concentration(m)
    spread = {s.function: s for s in c.functions}
    assert spread[F.DNS].providers == ("aws-route53", "cloudflare") and spread[F.DNS].independent == 2
    assert spread[F.HOSTING].countries == ("DE", "US") and spread[F.HOSTING].critical
    assert [o.id for o in spread[F.EMAIL_SENDING].owners] == ["amazon", "microsoft", "twilio"]
    assert not spread[F.DNS].critical


def test_one_owner_behind_several_providers_is_one_independent_provider():
    c = concentration(dmap("Example", (F.HOSTING, AWS), (F.HOSTING, ROUTE53)))
    (spread,) = c.functions
    assert len(spread.providers) == 2 and spread.independent == 1


def test_owners_holding_several_functions_and_the_index():
    # amazon 3 tethers (dns, hosting, email-sending), cloudflare 1, microsoft 1: shares 3/5, 1/5, 1/5.
    m = dmap("Example", (F.DNS, ROUTE53), (F.HOSTING, AWS), (F.EMAIL_SENDING, SES), (F.CDN, CLOUDFLARE), (F.EMAIL_INBOUND, M365))
    c = concentration(m)
    assert [h.owner.id for h in c.holdings] == ["amazon", "cloudflare", "microsoft"]
    (multi,) = c.multi_function
    assert multi.owner.id == "amazon" and multi.functions == (F.DNS, F.EMAIL_SENDING, F.HOSTING) and multi.tethers == 3
    assert multi.providers == ("aws", "aws-route53", "aws-ses")
    assert c.hhi == pytest.approx(0.36 + 0.04 + 0.04)
    assert c.effective_owners == pytest.approx(1 / 0.44)
    assert c.country_hhi == 1.0  # every owner is in the US
    assert c.tethers == 5


def test_a_single_owner_map_is_fully_concentrated():
    c = concentration(dmap("Example", (F.DNS, CLOUDFLARE), (F.CDN, CLOUDFLARE)))
    assert c.hhi == 1.0 and c.effective_owners == 1.0


def test_empty_map():
    c = concentration(DependencyMap("Nothing", ()))
    assert c.functions == () and c.holdings == () and c.hhi == 0.0 and c.effective_owners == 0.0


def test_portfolio_counts_targets_not_tethers():
    a = dmap("a.example", (F.EMAIL_INBOUND, M365), (F.DNS, CLOUDFLARE), (F.HOSTING, AWS), (F.DNS, ROUTE53))
    b = dmap("b.example", (F.EMAIL_INBOUND, GOOGLE), (F.DNS, CLOUDFLARE))
    c = dmap("c.example", (F.EMAIL_INBOUND, M365), (F.EMAIL_SENDING, M365), (F.HOSTING, HETZNER))
    p = portfolio([a, b, c])
    assert p.targets == 3
    owners = {r.id: r for r in p.owners}
    assert owners["microsoft"].targets == 2  # not 3: c's two Microsoft tethers are one target
    assert dict(owners["microsoft"].by_function) == {F.EMAIL_INBOUND: 2, F.EMAIL_SENDING: 1}
    assert owners["amazon"].targets == 1 and dict(owners["amazon"].by_function) == {F.DNS: 1, F.HOSTING: 1}
    # sole: the owner alone holds some function of that target.
    assert owners["microsoft"].sole == 2
    assert owners["cloudflare"].sole == 1  # alone for b's DNS, shared with amazon at a
    assert owners["amazon"].sole == 1  # a's hosting
    assert [r.id for r in p.owners][:2] == ["microsoft", "cloudflare"]  # 2 targets each; microsoft is sole at more
    countries = {r.id: r.targets for r in p.countries}
    assert countries == {"US": 3, "DE": 1}
    providers = {r.id: r.targets for r in p.providers}
    assert providers["cloudflare"] == 2 and providers["google-workspace"] == 1
    assert dict(p.function_targets) == {F.DNS: 2, F.EMAIL_INBOUND: 3, F.EMAIL_SENDING: 1, F.HOSTING: 2}


def test_portfolio_of_nothing():
    p = portfolio([])
    assert p.targets == 0 and p.owners == () and p.function_targets == ()


def test_portfolio_of_hundreds_of_maps_is_fast_and_exact():
    rng = random.Random(2021)
    mail = [M365, GOOGLE, HETZNER]
    maps, expected_microsoft = [], 0
    for i in range(600):
        pick = rng.choice(mail)
        expected_microsoft += pick is M365
        maps.append(dmap(f"v{i}.example", (F.EMAIL_INBOUND, pick), (F.DNS, rng.choice([CLOUDFLARE, ROUTE53])), (F.HOSTING, AWS)))
    started = time.perf_counter()
    p = portfolio(maps)
    assert time.perf_counter() - started < 2.0
    owners = {r.id: r for r in p.owners}
    assert owners["microsoft"].targets == expected_microsoft
    assert p.owners[0].id == "amazon" and p.owners[0].targets == 600  # hosting everywhere
