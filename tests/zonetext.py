"""Build in-memory zones for unit tests (integration tests use real servers instead)."""

from __future__ import annotations

from pathlib import Path

import dns.zone

from tethers.collect.zonefile import LoadedZone, ZoneResolver

SOA = "@ 3600 IN SOA ns1.{o}. hostmaster.{o}. 1 7200 900 1209600 300\n@ 3600 IN NS ns1.{o}.\n"


def zone(origin: str, body: str) -> LoadedZone:
    text = SOA.format(o=origin) + body
    z = dns.zone.from_text(text, origin=origin, relativize=False, check_origin=False)
    return LoadedZone(origin, Path(f"<{origin}>"), z)


def resolver(**zones: str) -> ZoneResolver:
    """resolver(example_com="...") → zones keyed by origin with '_' for '.'."""
    return ZoneResolver([zone(name.replace("_", "."), body) for name, body in zones.items()])
