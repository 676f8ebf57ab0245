"""RFC 1035 master files as a resolver, so published zones go through the live pipeline.

``ZoneResolver`` answers like an authoritative server that also chases CNAMEs
across the loaded zones: a CNAME at the name comes back with whatever the chain
leads to inside the zones. Names outside every loaded zone answer with the error
``not-in-zones`` (no network is used in this mode).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dns.exception
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.zone

from tethers.collect.resolver import Answer, Record
from tethers.errors import InputError

MAX_ZONE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class LoadedZone:
    origin: str  # without trailing dot
    path: Path
    zone: dns.zone.Zone

    def names(self) -> list[tuple[str, list[str]]]:
        """(owner name, record types present) for every node, apex first."""
        out = []
        for rel, node in self.zone.nodes.items():
            absolute = rel.derelativize(self.zone.origin).to_text(omit_final_dot=True).lower()
            types = sorted({dns.rdatatype.to_text(rds.rdtype) for rds in node.rdatasets})
            out.append((absolute, types))
        out.sort(key=lambda item: (item[0] != self.origin, item[0]))
        return out


def load_zone_file(path: Path, origin: str | None = None) -> LoadedZone:
    """Load one master file; ``origin`` defaults to $ORIGIN in the file, else the file name."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a zone file")
    if path.stat().st_size > MAX_ZONE_BYTES:
        raise InputError(f"{path}: larger than {MAX_ZONE_BYTES // 2**20} MiB; refusing to load")
    guess = origin or path.name.removesuffix(".zone").removesuffix(".db")
    try:
        try:
            # The file's own $ORIGIN wins over a name guessed from the file name:
            # dnspython silently drops records outside the origin it is given.
            zone = _parse(path, origin)
        except dns.zone.UnknownOrigin:
            zone = _parse(path, guess)
    except dns.exception.SyntaxError as exc:
        raise InputError(f"{path}: malformed zone file: {exc}") from None
    except dns.exception.DNSException as exc:
        raise InputError(f"{path}: cannot load zone: {type(exc).__name__}: {exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text zone file (undecodable bytes)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if not zone.nodes:
        raise InputError(f"{path}: the zone holds no records")
    name = zone.origin.to_text(omit_final_dot=True).lower() if zone.origin else guess
    return LoadedZone(name, path, zone)


def _parse(path: Path, origin: str | None) -> dns.zone.Zone:
    return dns.zone.from_file(str(path), origin=origin, relativize=False, check_origin=False, allow_include=False)


class ZoneResolver:
    """Answers queries from loaded zones, chasing CNAMEs across them (at most 16 steps)."""

    MAX_CHAIN = 16

    def __init__(self, zones: list[LoadedZone]) -> None:
        self.zones = {z.origin: z for z in zones}
        self.description = "zone files: " + ", ".join(str(z.path) for z in zones)
        # Every ancestor of every owner name, so empty non-terminals answer NOERROR.
        self._existing: set[str] = set()
        for z in zones:
            for name, _ in z.names():
                labels = name.split(".")
                for i in range(len(labels)):
                    self._existing.add(".".join(labels[i:]))

    def _zone_for(self, name: str) -> LoadedZone | None:
        labels = name.split(".")
        for i in range(len(labels)):
            zone = self.zones.get(".".join(labels[i:]))
            if zone is not None:
                return zone
        return None

    def _node(self, zone: LoadedZone, name: str) -> dns.zone.Node | None:
        qname = dns.name.from_text(name)
        rel = qname.relativize(zone.zone.origin)
        node = zone.zone.get_node(rel)
        if node is None and name not in self._existing:
            # RFC 4592 wildcard: the closest encloser's "*" child.
            parent = rel.parent() if len(rel) > 1 else dns.name.empty
            while True:
                node = zone.zone.get_node(dns.name.Name(("*",) + parent.labels))
                if node is not None or parent == dns.name.empty:
                    break
                candidate = parent.derelativize(zone.zone.origin).to_text(omit_final_dot=True).lower()
                if candidate in self._existing:
                    break
                parent = parent.parent()
        return node

    async def query(self, name: str, rdtype: str) -> Answer:
        return self.lookup(name, rdtype)

    def lookup(self, name: str, rdtype: str) -> Answer:
        name = name.lower().rstrip(".")
        try:
            wanted = dns.rdatatype.from_text(rdtype)
        except dns.exception.DNSException:
            return Answer(name, rdtype, "", error=f"malformed: unknown type {rdtype}")
        records: list[Record] = []
        current, seen = name, set()
        while True:
            zone = self._zone_for(current)
            if zone is None:
                if records:  # the chain left the zones: return what we have, like a server would
                    return Answer(name, rdtype, "NOERROR", tuple(records))
                return Answer(name, rdtype, "", error="not-in-zones")
            try:
                node = self._node(zone, current)
            except dns.exception.DNSException as exc:
                return Answer(name, rdtype, "", error=f"malformed: {exc}")
            if node is None:
                rcode = "NOERROR" if current in self._existing else "NXDOMAIN"
                return Answer(name, rdtype, rcode if not records else "NOERROR", tuple(records))
            cname = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
            if cname is not None and wanted != dns.rdatatype.CNAME:
                target_rd = next(iter(cname))
                records.append(Record(current, "CNAME", target_rd))
                seen.add(current)
                current = target_rd.target.to_text(omit_final_dot=True).lower()
                if current in seen or len(records) >= self.MAX_CHAIN:
                    return Answer(name, rdtype, "NOERROR", tuple(records))
                continue
            rdataset = node.get_rdataset(dns.rdataclass.IN, wanted)
            if rdataset is not None:
                records.extend(Record(current, rdtype.upper(), rd) for rd in rdataset)
            return Answer(name, rdtype, "NOERROR", tuple(records))
