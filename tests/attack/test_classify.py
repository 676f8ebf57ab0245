from __future__ import annotations

import ipaddress

import numpy as np
import pytest

from tethers.attack.classify import NetClass, class_of_name
from tethers.attack.enrich import address_text, attribute, prefix_text


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Hetzner Online GmbH", NetClass.HOSTING),
        ("DigitalOcean, LLC", NetClass.HOSTING),
        ("M247 Europe SRL", NetClass.HOSTING),
        ("Cloudflare, Inc.", NetClass.CDN),
        ("Comcast Cable Communications, LLC", NetClass.ACCESS),
        ('"Kyivstar" PJSC', NetClass.ACCESS),
        ("Deutsche Telekom AG", NetClass.ACCESS),
        ("Reliance Jio Infocomm Limited", NetClass.ACCESS),
        ("CONTENT DELIVERY NETWORK LTD", NetClass.UNCLASSIFIED),  # a Ukrainian access provider, not a CDN
        ("Interop Show Network", NetClass.UNCLASSIFIED),
        (None, NetClass.UNCLASSIFIED),
    ],
)
def test_as_name_heuristics(name: str | None, expected: NetClass) -> None:
    assert class_of_name(name) is expected


def key(ip: str) -> int:
    return int(ipaddress.IPv4Address(ip))


def test_bulk_attribution() -> None:
    ips = ["1.1.1.1", "5.9.1.1", "10.0.0.1", "24.1.1.1"]
    src = np.array(sorted(key(i) for i in ips), dtype=np.int64)
    v6 = [ipaddress.IPv6Address("2a01:4f8::1").packed]
    src = np.append(src, 1 << 32)
    a = attribute(src, v6)
    got = {address_text(int(s), v6): (a.countries[c] if c >= 0 else None, int(n), NetClass(int(k)),
                                      a.providers[p] if p >= 0 else None)
           for s, c, n, k, p in zip(a.src, a.country, a.asn, a.netclass, a.provider, strict=True)}
    assert got["1.1.1.1"][1:] == (13335, NetClass.CDN, "cloudflare")
    assert got["5.9.1.1"] == ("DE", 24940, NetClass.HOSTING, "hetzner")
    assert got["10.0.0.1"] == (None, -1, NetClass.BOGON, None)
    assert got["24.1.1.1"][1:3] == (7922, NetClass.ACCESS)
    assert got["2a01:4f8::1"][1:3] == (24940, NetClass.HOSTING)


def test_prefix_text() -> None:
    v6 = [ipaddress.IPv6Address("2001:db8:1:2::5").packed]
    assert prefix_text(key("192.0.2.77"), v6) == "192.0.2.0/24"
    assert prefix_text(1 << 32, v6) == "2001:db8:1::/48"
