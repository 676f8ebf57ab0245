"""What-ifs, single points of failure and minimal cut sets on small maps worked out by hand."""

from __future__ import annotations

import pytest

from tethers.analyse.whatif import (
    Cut,
    CutItem,
    CutKind,
    Status,
    minimal_cut_sets,
    simulate,
    single_points_of_failure,
)
from tethers.model import DependencyMap, Evidence, Origin, ProviderRef, Tether
from tethers.model.evidence import DNS_MX
from tethers.types import Function as F


def ref(pid, owner, country="US", chain=None):
    return ProviderRef(pid, pid.title(), owner.title(), country, owner, owner.title(), tuple(chain or (owner,)))


AWS = ref("aws", "amazon")
ROUTE53 = ref("aws-route53", "amazon")
CLOUDFLARE = ref("cloudflare", "cloudflare")
M365 = ref("microsoft-365", "microsoft")
AZURE = ref("azure", "microsoft")
GOOGLE_MAIL = ref("google-workspace", "alphabet", chain=("google", "alphabet"))
TWILIO = ref("twilio", "twilio")
SENDGRID = ref("sendgrid", "twilio", chain=("sendgrid", "twilio"))
HETZNER = ref("hetzner", "hetzner", "DE")
YANDEX = ref("yandex-mail", "yandex", "RU")

MX = Evidence(DNS_MX, "example.com", "10 example-com.mail.protection.outlook.com.", "example-com.mail.protection.outlook.com")


def tether(function, provider, critical=False, evidence=()):
    return Tether(function, provider, Origin.DISCOVERED, critical, tuple(evidence), domains=("example.com",))


def dmap(*tethers, critical=()):
    return DependencyMap("Example", tuple(tethers), frozenset(critical))


def statuses(result):
    return {o.function: o.status for o in result.outcomes}


def test_cutting_a_provider_takes_down_what_only_it_holds():
    m = dmap(tether(F.HOSTING, AWS), tether(F.DNS, CLOUDFLARE), tether(F.EMAIL_INBOUND, M365, evidence=[MX]))
    result = simulate(m, Cut.of(providers=["aws"]))
    assert statuses(result) == {F.DNS: Status.UNAFFECTED, F.EMAIL_INBOUND: Status.UNAFFECTED, F.HOSTING: Status.DOWN}
    assert result.down == [F.HOSTING] and result.degraded == [] and result.unused == ()


def test_function_with_two_providers_of_one_owner_is_down_when_the_owner_is_cut():
    m = dmap(tether(F.HOSTING, AWS), tether(F.HOSTING, AZURE), tether(F.DNS, ROUTE53), tether(F.DNS, CLOUDFLARE))
    by_owner = simulate(m, Cut.of(owners=["amazon"]))
    assert statuses(by_owner) == {F.DNS: Status.DEGRADED, F.HOSTING: Status.DEGRADED}
    both_aws = dmap(tether(F.HOSTING, AWS), tether(F.HOSTING, ROUTE53))
    assert simulate(both_aws, Cut.of(owners=["amazon"])).down == [F.HOSTING]
    # Cutting one of the two providers leaves the other.
    assert simulate(both_aws, Cut.of(providers=["aws"])).degraded == [F.HOSTING]


def test_cutting_an_owner_reaches_its_subsidiaries():
    m = dmap(tether(F.EMAIL_SENDING, SENDGRID), tether(F.MESSAGING, TWILIO), tether(F.EMAIL_SENDING, M365))
    result = simulate(m, Cut.of(owners=["twilio"]))
    assert result.down == [F.MESSAGING]
    assert result.degraded == [F.EMAIL_SENDING]
    assert {loss.tether.provider.id for loss in result.losses} == {"sendgrid", "twilio"}
    # An intermediate owner in the chain reaches only what it owns.
    assert {loss.tether.provider.id for loss in simulate(m, Cut.of(owners=["sendgrid"])).losses} == {"sendgrid"}


def test_cutting_a_country_reaches_every_owner_headquartered_there():
    m = dmap(tether(F.HOSTING, AWS), tether(F.HOSTING, HETZNER), tether(F.EMAIL_INBOUND, YANDEX), tether(F.DNS, CLOUDFLARE))
    result = simulate(m, Cut.of(countries=["us"]))
    assert statuses(result) == {F.DNS: Status.DOWN, F.EMAIL_INBOUND: Status.UNAFFECTED, F.HOSTING: Status.DEGRADED}
    assert all(loss.cause == CutItem(CutKind.COUNTRY, "US") for loss in result.losses)


def test_the_most_specific_cause_is_named_and_evidence_travels_with_the_loss():
    m = dmap(tether(F.EMAIL_INBOUND, M365, critical=True, evidence=[MX]))
    cut = Cut.of(countries=["US"]) + Cut((CutItem(CutKind.PROVIDER, "microsoft-365", "ended service", "https://example.org/r"),))
    (loss,) = simulate(m, cut).losses
    assert loss.cause.kind is CutKind.PROVIDER and loss.cause.reason == "ended service"
    assert loss.tether.evidence == (MX,)


def test_critical_functions_lost_and_unused_cut_items():
    m = dmap(tether(F.HOSTING, AWS, critical=True), tether(F.SUPPORT, TWILIO), tether(F.DNS, CLOUDFLARE, critical=True))
    result = simulate(m, Cut.of(providers=["aws", "twilio", "zendesk"], owners=["apple"]))
    assert result.critical_lost == [F.HOSTING]
    assert result.down == [F.HOSTING, F.SUPPORT]
    assert [i.label for i in result.unused] == ["provider zendesk", "owner apple"]


def test_an_empty_cut_changes_nothing():
    m = dmap(tether(F.HOSTING, AWS), tether(F.DNS, CLOUDFLARE))
    result = simulate(m, Cut())
    assert result.down == [] and result.degraded == [] and result.unaffected == [F.DNS, F.HOSTING]


def test_cuts_add_up_without_repeating_items():
    a = Cut.of(providers=["aws"], countries=["us"])
    b = Cut.of(providers=["aws", "okta"])
    assert [i.label for i in (a + b).items] == ["provider aws", "country US", "provider okta"]


# -- single points of failure and minimal cut sets ------------------------------------


def owner_ids(cut_set):
    return [o.id for o in cut_set.owners]


def test_single_points_only_for_critical_functions():
    m = dmap(
        tether(F.HOSTING, AWS, critical=True),
        tether(F.DNS, CLOUDFLARE, critical=True), tether(F.DNS, ROUTE53, critical=True),
        tether(F.SUPPORT, TWILIO),  # alone, but support is not critical
    )
    spof = single_points_of_failure(m)
    assert [owner_ids(s) for s in spof.sets] == [["amazon"]]
    assert spof.sets[0].functions == (F.HOSTING,)
    assert not spof.critical_assumed
    assert spof.beyond == ((F.DNS, 2),)  # needs amazon and cloudflare together


def test_two_providers_of_one_owner_are_one_decision():
    m = dmap(tether(F.HOSTING, AWS, critical=True), tether(F.HOSTING, ROUTE53, critical=True))
    assert [owner_ids(s) for s in single_points_of_failure(m).sets] == [["amazon"]]


def test_minimal_cut_sets_of_size_two_and_no_supersets():
    m = dmap(
        tether(F.HOSTING, AWS), tether(F.HOSTING, HETZNER),  # {amazon, hetzner}
        tether(F.DNS, ROUTE53), tether(F.DNS, HETZNER), tether(F.DNS, CLOUDFLARE),  # superset of hosting's
        tether(F.EMAIL_INBOUND, M365), tether(F.EMAIL_INBOUND, YANDEX),  # {microsoft, yandex}
        critical={F.HOSTING, F.DNS, F.EMAIL_INBOUND},
    )
    cuts = minimal_cut_sets(m, max_size=3)
    assert [owner_ids(s) for s in cuts.sets] == [["amazon", "hetzner"], ["microsoft", "yandex"]]
    assert cuts.sets[0].functions == (F.HOSTING,)
    assert cuts.single_points == ()
    assert cuts.complete
    assert dict(cuts.holders)[F.DNS] and len(dict(cuts.holders)[F.DNS]) == 3


def test_a_single_point_hides_the_larger_sets_that_contain_it():
    m = dmap(tether(F.HOSTING, AWS), tether(F.DNS, ROUTE53), tether(F.DNS, CLOUDFLARE), critical={F.HOSTING, F.DNS})
    cuts = minimal_cut_sets(m)
    assert [owner_ids(s) for s in cuts.sets] == [["amazon"]]
    assert [o.id for o in dict(cuts.holders)[F.DNS]] == ["amazon", "cloudflare"]


def test_the_bound_is_reported_when_hit():
    m = dmap(*(tether(F.HOSTING, ref(f"h{i}", f"o{i}"), critical=True) for i in range(4)))
    cuts = minimal_cut_sets(m, max_size=3)
    assert cuts.sets == () and cuts.beyond == ((F.HOSTING, 4),) and not cuts.complete
    assert [owner_ids(s) for s in minimal_cut_sets(m, max_size=4).sets] == [["o0", "o1", "o2", "o3"]]


def test_without_critical_functions_every_function_is_assumed_critical():
    m = dmap(tether(F.HOSTING, AWS), tether(F.DNS, CLOUDFLARE), tether(F.DNS, ROUTE53))
    spof = single_points_of_failure(m)
    assert spof.critical_assumed
    assert spof.critical == (F.DNS, F.HOSTING)
    assert [owner_ids(s) for s in spof.sets] == [["amazon"]]


def test_one_owner_holding_two_critical_functions_alone_is_one_set():
    m = dmap(tether(F.DNS, CLOUDFLARE), tether(F.CDN, CLOUDFLARE), critical={F.DNS, F.CDN})
    (only,) = minimal_cut_sets(m).sets
    assert owner_ids(only) == ["cloudflare"] and set(only.functions) == {F.DNS, F.CDN}


def test_max_size_must_be_positive():
    with pytest.raises(ValueError):
        minimal_cut_sets(dmap(tether(F.DNS, CLOUDFLARE)), max_size=0)


def test_a_provider_without_owner_id_is_its_own_decision():
    bare = ProviderRef("selfhosted", "Own servers", "", "")
    spof = single_points_of_failure(dmap(tether(F.HOSTING, bare, critical=True)))
    assert owner_ids(spof.sets[0]) == ["selfhosted"]
    assert simulate(dmap(tether(F.HOSTING, bare)), Cut.of(providers=["selfhosted"])).down == [F.HOSTING]
