"""Which zone files a demo server serves, and under which origin.

Both servers take the same input: a mapping ``{origin: path}`` or an iterable of paths
(and ``(origin, path)`` pairs). A bare path's origin is its file name without the
``.zone`` suffix, so ``parler.com.zone`` serves ``parler.com.``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import dns.exception
import dns.name
import dns.zone

from tethers.errors import InputError

ZoneFiles: TypeAlias = (
    Mapping[str, "str | os.PathLike[str]"]
    | Iterable["str | os.PathLike[str] | tuple[str, str | os.PathLike[str]]"]
)


@dataclass(frozen=True)
class ZoneSource:
    """One zone a server serves: its origin (absolute) and the RFC 1035 file it comes from."""

    origin: dns.name.Name
    path: Path

    @property
    def domain(self) -> str:
        """The origin without its final dot, as Knot and humans write it."""
        return self.origin.to_text(omit_final_dot=True)


def zone_sources(zones: ZoneFiles) -> tuple[ZoneSource, ...]:
    """Normalise the accepted forms into ``ZoneSource`` values, checking files and origins."""
    if isinstance(zones, (str, os.PathLike)):
        # A single path is an easy mistake to make; iterating it would yield characters.
        zones = [zones]
    pairs: list[tuple[str | None, str | os.PathLike[str]]] = []
    if isinstance(zones, Mapping):
        pairs = [(str(name), path) for name, path in zones.items()]
    else:
        for item in zones:
            if isinstance(item, tuple):
                name, path = item
                pairs.append((str(name), path))
            else:
                pairs.append((None, item))
    if not pairs:
        raise InputError("no zone files to serve")
    sources: list[ZoneSource] = []
    seen: set[dns.name.Name] = set()
    for origin_text, raw_path in pairs:
        path = Path(raw_path)
        if not path.is_file():
            raise InputError(f"zone file not found: {path}")
        if origin_text is None:
            origin_text = path.name.removesuffix(".zone")
        origin = _parse_origin(origin_text, path)
        if origin in seen:
            raise InputError(f"zone {origin} is given twice")
        seen.add(origin)
        sources.append(ZoneSource(origin=origin, path=path))
    return tuple(sources)


def _parse_origin(text: str, path: Path) -> dns.name.Name:
    try:
        origin = dns.name.from_text(text)
    except dns.exception.DNSException as exc:
        raise InputError(f"{path}: bad zone origin {text!r}: {exc}") from None
    if origin == dns.name.root:
        raise InputError(f"{path}: serving the root zone is not supported")
    return origin


def load_zone(source: ZoneSource) -> dns.zone.Zone:
    """Parse one zone file with dnspython (absolute names); a bad file is an ``InputError``."""
    try:
        zone = dns.zone.from_file(
            str(source.path), origin=source.origin, relativize=False, check_origin=False
        )
    except dns.exception.DNSException as exc:
        # dnspython's syntax errors already start "file:line: "; others need the file named.
        detail = str(exc) if str(exc).startswith(str(source.path)) else f"{source.path}: {exc}"
        raise InputError(f"cannot load zone {source.domain}: {detail}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{source.path}: cannot read zone file: {exc}") from None
    if zone.get_rdataset(source.origin, "SOA") is None:
        # Negative answers need the SOA; Knot refuses such a zone too.
        raise InputError(f"{source.path}: zone {source.domain} has no SOA record at its apex")
    return zone
