"""Endpoint attribution order: host-suffix, then CNAME rules, then the address; own, local, unattributed."""

from __future__ import annotations

import pytest

from tethers.kb import default_kb
from tethers.model import Evidence, Location
from tethers.traffic.attribution import TrafficAttributor
from tethers.traffic.endpoints import Draft

NOWHERE = Location("", None, None, None)


def draft(name: str, server: str = "", cnames: tuple[str, ...] = ()) -> Draft:
    d = Draft(server, name, 0.0)
    via = None
    owner = name
    for target in cnames:
        via = Evidence("pcap:dns", owner, f"CNAME {target}", target, via)
        owner = target
    if cnames:
        d.evidence[Evidence("pcap:dns", owner, f"A {server}", server, via)] = None
    return d


def attribute(d: Draft, location: Location = NOWHERE, own: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    return TrafficAttributor(default_kb(), own).attribute(d, location)


@pytest.mark.parametrize(("name", "provider", "rule_kind"), [
    ("api.mixpanel.com", "mixpanel", "host-suffix"),
    ("us04web.zoom.us", "zoom", "host-suffix"),
    ("o42.ingest.de.sentry.io", "sentry", "host-suffix"),
    ("fcm.googleapis.com", "firebase-cloud-messaging", "host-suffix"),  # longer than google-services' googleapis.com
    ("1-courier.push.apple.com", "apple-push-notifications", "host-suffix"),
    ("d1234abcd.cloudfront.net", "aws-cloudfront", "cname-suffix"),  # a provider's service host as an SNI
], ids=lambda v: v if isinstance(v, str) and "." in v else None)
def test_names(name, provider, rule_kind):
    a = attribute(draft(name))
    assert a.provider is not None and a.provider.id == provider and f" {rule_kind} " in a.rule and a.matched == name


def test_cname_target_is_tried_for_host_rules_after_the_name_itself():
    a = attribute(draft("voice.example.com", "198.51.100.7", cnames=("x.edge.agora.io",)))
    assert a.provider.id == "agora" and a.matched == "x.edge.agora.io"  # type: ignore[union-attr]


def test_address_rules_when_no_name_matches():
    zoom_net = Location("64.224.32.18", "US", 30103, "Zoom Video Communications, Inc")
    a = attribute(draft("", "64.224.32.18"), zoom_net)
    assert a.provider.id == "zoom" and "asn AS30103" in a.rule  # type: ignore[union-attr]


def test_own_local_and_unattributed():
    assert attribute(draft("api.example.com"), own=("example.com",)).own
    assert attribute(draft("", "192.168.1.1")).local
    assert attribute(draft("tracker.unknown-sdk.example.co.uk")).domain == "example.co.uk"
    located = Location("198.51.100.99", "DE", 64500, "Example Net")
    assert attribute(draft("", "198.51.100.99"), located).domain == "AS64500 Example Net"
    assert attribute(draft("10.1.2.3", "10.1.2.3")).provider is None  # an SNI holding an address names no one
