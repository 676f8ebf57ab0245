"""diff_scans, table-driven: each case names two scans and every field of the diff it expects."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tethers.analyse import (
    OwnerChange,
    ProviderChange,
    ScanDiff,
    SetChange,
    UnattributedRef,
    diff_scans,
    diff_to_dict,
)
from tethers.model import CollectError, Dependency, Evidence, ProviderRef, ScanResult, Unattributed
from tethers.model.evidence import DNS_A, DNS_MX, DNS_NS, DNS_SPF
from tethers.types import Function, Mode

DOMAIN = "example.com"
OLD_TIME = "2024-01-01T00:00:00+00:00"
NEW_TIME = "2024-02-01T00:00:00+00:00"

CLOUDFLARE = ProviderRef("cloudflare", "Cloudflare", "Cloudflare, Inc.", "US")
EPIK = ProviderRef("epik", "Epik", "Epik Holdings", "US")
EPIK_SOLD = replace(EPIK, owner="Registered Agent Holdings", country="CA")
M365 = ProviderRef("microsoft-365", "Microsoft 365", "Microsoft Corporation", "US")
GOOGLE = ProviderRef("google-workspace", "Google Workspace", "Alphabet Inc.", "US")


def ns(host: str, name: str = DOMAIN) -> Evidence:
    return Evidence(DNS_NS, name, host + ".", host)


def mx(host: str, pref: int = 10) -> Evidence:
    return Evidence(DNS_MX, DOMAIN, f"{pref} {host}.", host)


def dep(function: Function, provider: ProviderRef, *evidence: Evidence) -> Dependency:
    return Dependency(function, provider, evidence)


def unattributed(domain: str, function: Function | None = Function.EMAIL_SENDING) -> Unattributed:
    return Unattributed(function, domain, Evidence(DNS_SPF, DOMAIN, f"include:{domain}", domain))


def scan(*deps: Dependency, unknown: tuple[Unattributed, ...] = (), errors: int = 0, when: str = OLD_TIME) -> ScanResult:
    return ScanResult(
        domain=DOMAIN,
        mode=Mode.LIVE,
        started=when,
        finished=when,
        resolver="127.0.0.1:53",
        dependencies=deps,
        unattributed=unknown,
        errors=tuple(CollectError(f"n{i}.{DOMAIN}", "TXT", "timeout") for i in range(errors)),
    )


BASE_OLD = scan(
    dep(Function.DNS, CLOUDFLARE, ns("a.ns.cloudflare.com"), ns("b.ns.cloudflare.com")),
    dep(Function.EMAIL_INBOUND, M365, mx("example-com.mail.protection.outlook.com")),
    dep(Function.REGISTRAR, EPIK),
    unknown=(unattributed("mailer.example.net"),),
)

CASES = [
    pytest.param(BASE_OLD, BASE_OLD, {}, id="no-change"),
    pytest.param(
        BASE_OLD,
        # Same content in another order, found through a via chain: still no change.
        scan(
            dep(Function.REGISTRAR, EPIK),
            dep(Function.EMAIL_INBOUND, M365, Evidence(DNS_A, "x", "192.0.2.1", via=mx("EXAMPLE-com.mail.protection.outlook.com."))),
            dep(Function.DNS, CLOUDFLARE, ns("b.ns.cloudflare.com"), ns("a.ns.cloudflare.com")),
            unknown=(unattributed("mailer.example.net"),),
        ),
        {},
        id="no-change-reordered-and-via",
    ),
    pytest.param(
        BASE_OLD,
        scan(*BASE_OLD.dependencies, dep(Function.EMAIL_SENDING, GOOGLE), unknown=BASE_OLD.unattributed),
        {"providers": (ProviderChange(Function.EMAIL_SENDING, (GOOGLE,), ()),)},
        id="provider-gained",
    ),
    pytest.param(
        BASE_OLD,
        scan(*BASE_OLD.dependencies[:2], unknown=BASE_OLD.unattributed),
        {"providers": (ProviderChange(Function.REGISTRAR, (), (EPIK,)),)},
        id="provider-lost",
    ),
    pytest.param(
        BASE_OLD,
        scan(
            BASE_OLD.dependencies[0],
            dep(Function.EMAIL_INBOUND, GOOGLE, mx("aspmx.l.google.com", 1), mx("alt1.aspmx.l.google.com", 5)),
            BASE_OLD.dependencies[2],
            unknown=BASE_OLD.unattributed,
        ),
        {
            "providers": (ProviderChange(Function.EMAIL_INBOUND, (GOOGLE,), (M365,)),),
            "mx": SetChange(
                added=("alt1.aspmx.l.google.com", "aspmx.l.google.com"),
                removed=("example-com.mail.protection.outlook.com",),
            ),
        },
        id="mx-changed-provider-switched",
    ),
    pytest.param(
        BASE_OLD,
        scan(
            dep(Function.DNS, CLOUDFLARE, ns("a.ns.cloudflare.com"), ns("c.ns.cloudflare.com")),
            *BASE_OLD.dependencies[1:],
            unknown=BASE_OLD.unattributed,
        ),
        {"ns": SetChange(added=("c.ns.cloudflare.com",), removed=("b.ns.cloudflare.com",))},
        id="ns-moved-same-provider",
    ),
    pytest.param(
        BASE_OLD,
        scan(
            dep(Function.DNS, EPIK, ns("ns1.epik.com"), ns("ns2.epik.com")),
            *BASE_OLD.dependencies[1:],
            unknown=BASE_OLD.unattributed,
        ),
        {
            "providers": (ProviderChange(Function.DNS, (EPIK,), (CLOUDFLARE,)),),
            "ns": SetChange(
                added=("ns1.epik.com", "ns2.epik.com"), removed=("a.ns.cloudflare.com", "b.ns.cloudflare.com")
            ),
        },
        id="ns-moved-to-another-provider",
    ),
    pytest.param(
        BASE_OLD,
        scan(
            BASE_OLD.dependencies[0],
            dep(Function.EMAIL_INBOUND, M365, mx("example-com.mail.protection.outlook.com", 20)),
            BASE_OLD.dependencies[2],
            unknown=BASE_OLD.unattributed,
        ),
        {},
        id="mx-preference-only-is-not-a-change",
    ),
    pytest.param(
        BASE_OLD,
        scan(
            *BASE_OLD.dependencies,
            dep(Function.DNS, CLOUDFLARE, ns("x.ns.cloudflare.com", name=f"sub.{DOMAIN}")),
            unknown=BASE_OLD.unattributed,
        ),
        {},
        id="ns-of-a-subdomain-is-not-the-domains-ns",
    ),
    pytest.param(
        BASE_OLD,
        scan(*BASE_OLD.dependencies[:2], dep(Function.REGISTRAR, EPIK_SOLD), unknown=BASE_OLD.unattributed),
        {"owners": (OwnerChange("epik", "Epik", "Epik Holdings", "Registered Agent Holdings", "US", "CA"),)},
        id="owner-country-changed",
    ),
    pytest.param(
        BASE_OLD,
        scan(
            *BASE_OLD.dependencies,
            unknown=(unattributed("bulk.example.org"), unattributed("weird.example", None)),
        ),
        {
            "unattributed_gained": (
                UnattributedRef(None, "weird.example"),
                UnattributedRef(Function.EMAIL_SENDING, "bulk.example.org"),
            ),
            "unattributed_lost": (UnattributedRef(Function.EMAIL_SENDING, "mailer.example.net"),),
        },
        id="unattributed-gained-and-lost",
    ),
    pytest.param(
        BASE_OLD,
        scan(*BASE_OLD.dependencies, unknown=BASE_OLD.unattributed, errors=3),
        {"new_errors": 3},
        id="errors-grew",
    ),
]


@pytest.mark.parametrize(("old", "new", "changes"), CASES)
def test_diff(old, new, changes):
    new = replace(new, started=NEW_TIME)
    expected = replace(
        ScanDiff(
            domain=DOMAIN,
            old_started=OLD_TIME,
            new_started=NEW_TIME,
            providers=(),
            owners=(),
            ns=SetChange(),
            mx=SetChange(),
            unattributed_gained=(),
            unattributed_lost=(),
            old_errors=len(old.errors),
            new_errors=len(new.errors),
        ),
        **changes,
    )
    got = diff_scans(old, new)
    assert got == expected
    assert got.empty == (not changes)


def test_the_reverse_diff_swaps_gained_and_lost():
    new = scan(BASE_OLD.dependencies[0], dep(Function.EMAIL_INBOUND, GOOGLE, mx("aspmx.l.google.com")), errors=2)
    forward, backward = diff_scans(BASE_OLD, new), diff_scans(new, BASE_OLD)
    assert [(c.gained, c.lost) for c in forward.providers] == [(c.lost, c.gained) for c in backward.providers]
    assert (forward.mx.added, forward.mx.removed) == (backward.mx.removed, backward.mx.added)
    assert forward.unattributed_lost == backward.unattributed_gained
    assert forward.errors_delta == 2 == -backward.errors_delta


def test_providers_are_listed_in_function_order():
    new = scan(dep(Function.REGISTRAR, EPIK), dep(Function.DNS, EPIK), dep(Function.CDN, CLOUDFLARE))
    functions = [c.function for c in diff_scans(scan(), new).providers]
    assert functions == [Function.DNS, Function.REGISTRAR, Function.CDN]


def test_diff_to_dict_is_plain_json():
    new = scan(
        dep(Function.DNS, EPIK, ns("ns1.epik.com")),
        unknown=(unattributed("weird.example", None),),
        errors=1,
        when=NEW_TIME,
    )
    data = diff_to_dict(diff_scans(BASE_OLD, new))
    assert json.loads(json.dumps(data)) == data
    assert data["schema"] == "tethers/diff@1"
    assert data["empty"] is False
    assert data["ns"] == {"added": ["ns1.epik.com"], "removed": ["a.ns.cloudflare.com", "b.ns.cloudflare.com"]}
    assert data["errors"] == {"old": 0, "new": 1, "delta": 1}
    assert {"function": None, "domain": "weird.example"} in data["unattributed"]["gained"]
    dns = next(c for c in data["providers"] if c["function"] == "dns")
    assert [p["id"] for p in dns["gained"]] == ["epik"] and [p["id"] for p in dns["lost"]] == ["cloudflare"]
