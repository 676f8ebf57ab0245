"""Addresses that say nothing about who hosts a service: private, reserved, documentation.

Taken from the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890
and its updates) plus everything outside 2000::/3, which is not allocated for
global unicast. Looking such an address up in the public datasets would give a
wrong answer or none, so the locator answers "unknown" without asking.

Deliberately not bogons: 6to4 (2002::/16) and Teredo (2001::/32), whose
addresses are publicly routed; the datasets attribute them like any other.
IPv4-mapped IPv6 (``::ffff:1.2.3.4``) is unwrapped by the locator before this
check, so it is judged as the IPv4 address it carries.
"""

from __future__ import annotations

import ipaddress
from functools import cache

from tethers.geo.table import RangeTable

IPV4_BOGONS = (
    "0.0.0.0/8",  # "this network"
    "10.0.0.0/8",  # private (RFC 1918)
    "100.64.0.0/10",  # shared address space, carrier-grade NAT (RFC 6598)
    "127.0.0.0/8",  # loopback
    "169.254.0.0/16",  # link-local
    "172.16.0.0/12",  # private (RFC 1918)
    "192.0.0.0/24",  # IETF protocol assignments
    "192.0.2.0/24",  # documentation TEST-NET-1
    "192.168.0.0/16",  # private (RFC 1918)
    "198.18.0.0/15",  # benchmarking
    "198.51.100.0/24",  # documentation TEST-NET-2
    "203.0.113.0/24",  # documentation TEST-NET-3
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved, and 255.255.255.255 broadcast
)

IPV6_BOGONS = (
    "::/3",  # unspecified, loopback, IPv4-compatible, NAT64 (64:ff9b::/96), discard (100::/64)
    "2001:2::/48",  # benchmarking
    "2001:10::/28",  # ORCHID (deprecated)
    "2001:db8::/32",  # documentation
    "3fff::/20",  # documentation (RFC 9637)
    "4000::/2",  # unallocated
    "8000::/1",  # unallocated, unique-local fc00::/7, link-local fe80::/10, multicast ff00::/8
)

IPV4_MAPPED_PREFIX = bytes(10) + b"\xff\xff"  # ::ffff:0:0/96


def _ranges(prefixes: tuple[str, ...]) -> list[tuple[int, int, int]]:
    nets = sorted(ipaddress.ip_network(p) for p in prefixes)
    return [(int(n.network_address), int(n.broadcast_address), 0) for n in nets]


@cache
def bogon_table() -> RangeTable:
    """A table whose value is 0 for every bogon address and -1 elsewhere."""
    return RangeTable.from_ranges(_ranges(IPV4_BOGONS), _ranges(IPV6_BOGONS))
