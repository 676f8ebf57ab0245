"""Authoritative answers from in-memory zones: the part of ``BuiltinServer`` without sockets.

``Authority.respond(wire, limit)`` turns one query's wire bytes into reply bytes (or None to
drop it). It follows RFC 1034 section 4.3.2 for a server that is authoritative only:

- a name in no served zone is REFUSED; AXFR/IXFR are REFUSED too (no zone transfers);
- NS records below an apex are delegations, answered as referrals (AA clear, glue added);
- a CNAME at the query name is returned and followed while the target stays in the same zone,
  up to ``MAX_CHAIN`` CNAMEs (as Knot) and never twice through one name (loops terminate);
- a missing name is NXDOMAIN, an existing name (or empty non-terminal) without the type is
  NODATA; both carry the zone's SOA in the authority section, TTL capped by its minimum
  (RFC 2308);
- ``*`` wildcards are expanded below their closest encloser (RFC 4592), without DNSSEC;
- ANY gets one RRset (RFC 8482), records come in canonical order (RFC 4034 section 6.3).

Departures from a full server, on purpose: no DNSSEC records or signing, no zone transfer,
no recursion, no TSIG (signed queries get FORMERR), EDNS options other than the payload size
are ignored.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator

import dns.flags
import dns.message
import dns.name
import dns.node
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.rrset
import dns.zone

# CNAME records one answer may carry before the client must follow on; Knot DNS stops at 5.
MAX_CHAIN = 5
UDP_DEFAULT = 512  # RFC 1035 limit for a UDP reply when the query has no EDNS
TCP_LIMIT = 65535

_QR = 0x8000
_OPCODE_MASK = 0x7800
_RD = 0x0100

# Targets worth adding to the additional section: the address records a client needs next.
_ADDRESS_TYPES = (dns.rdatatype.A, dns.rdatatype.AAAA)


class _Served:
    """One zone as served: the dnspython zone plus the set of names that exist in it."""

    def __init__(self, origin: dns.name.Name, zone: dns.zone.Zone) -> None:
        self.origin = origin
        self.zone = zone
        # Every owner name and all its ancestors up to the apex: a name in this set exists,
        # even when it owns no records itself (an empty non-terminal answers NODATA).
        self.names: set[dns.name.Name] = set()
        for name in zone.nodes:
            name = name if name.is_absolute() else name.derelativize(origin)
            while name not in self.names and name.is_subdomain(origin):
                self.names.add(name)
                if name == origin:
                    break
                name = name.parent()

    def rdataset(
        self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType
    ) -> dns.rdataset.Rdataset | None:
        node = self.zone.get_node(name)
        return None if node is None else node.get_rdataset(dns.rdataclass.IN, rdtype)


class Authority:
    """The zones one server is authoritative for, answering queries from them."""

    def __init__(self, zones: Iterable[dns.zone.Zone], *, max_udp_payload: int = 1232) -> None:
        self._served: dict[dns.name.Name, _Served] = {}
        for zone in zones:
            if zone.origin is None or not zone.origin.is_absolute():
                raise ValueError("zones must have an absolute origin")
            self._served[zone.origin] = _Served(zone.origin, zone)
        self.max_udp_payload = max_udp_payload

    @property
    def origins(self) -> tuple[dns.name.Name, ...]:
        return tuple(self._served)

    # -- the wire ----------------------------------------------------------------------------

    def respond(self, wire: bytes, *, tcp: bool) -> bytes | None:
        """Reply bytes for one query, or None when it deserves no reply at all."""
        if len(wire) < 12:
            return None  # not even a header: nothing to address a reply to
        query_id, flags = struct.unpack("!HH", wire[:4])
        if flags & _QR:
            return None  # a response: answering it could start a loop between two servers
        try:
            query = dns.message.from_wire(wire)
        except Exception:  # noqa: BLE001 - any parse failure of untrusted bytes is FORMERR
            return _header_only(query_id, flags, dns.rcode.FORMERR)
        response = self.answer(query)
        if tcp:
            limit = TCP_LIMIT
        elif query.edns >= 0:
            limit = max(UDP_DEFAULT, min(query.payload, self.max_udp_payload))
        else:
            limit = UDP_DEFAULT
        # prefer_truncation keeps what fits and sets TC when answer or authority was cut;
        # dnspython shuffles records by default, but the same zone should give the same bytes.
        return response.to_wire(max_size=limit, prefer_truncation=True, want_shuffle=False)

    # -- the message -------------------------------------------------------------------------

    def answer(self, query: dns.message.Message) -> dns.message.Message:
        """The response message for a parsed query."""
        response = dns.message.make_response(query, our_payload=self.max_udp_payload)
        rcode = self._precheck(query)
        if rcode is not None:
            response.set_rcode(rcode)
            return response
        question = query.question[0]
        served = self._zone_for(question.name)
        if served is None:
            response.set_rcode(dns.rcode.REFUSED)
            return response
        response.flags |= dns.flags.AA
        self._resolve(served, question.name, question.rdtype, response)
        return response

    def _precheck(self, query: dns.message.Message) -> dns.rcode.Rcode | None:
        """The rcode for a query this server will not look up, or None to go ahead."""
        if query.opcode() != dns.opcode.QUERY:
            return dns.rcode.NOTIMP
        if query.edns > 0:
            return dns.rcode.BADVERS  # EDNS version 0 only (RFC 6891 section 6.1.3)
        if len(query.question) != 1:
            return dns.rcode.FORMERR
        question = query.question[0]
        if question.rdclass != dns.rdataclass.IN:
            return dns.rcode.REFUSED
        if question.rdtype in (dns.rdatatype.AXFR, dns.rdatatype.IXFR):
            return dns.rcode.REFUSED
        if dns.rdatatype.is_metatype(question.rdtype) and question.rdtype != dns.rdatatype.ANY:
            return dns.rcode.FORMERR
        return None

    def _zone_for(self, qname: dns.name.Name) -> _Served | None:
        # The most specific served zone wins: a child zone served here beats its parent.
        name = qname
        while True:
            served = self._served.get(name)
            if served is not None:
                return served
            if name == dns.name.root:
                return None
            name = name.parent()

    def _resolve(
        self,
        served: _Served,
        qname: dns.name.Name,
        qtype: dns.rdatatype.RdataType,
        response: dns.message.Message,
    ) -> None:
        name = qname
        visited: set[dns.name.Name] = set()
        while True:
            visited.add(name)
            cut = _delegation(served, name, qtype)
            if cut is not None:
                _refer(served, cut, response)
                return
            node = _node(served, name)
            if node is None:
                if name not in served.names:
                    response.set_rcode(dns.rcode.NXDOMAIN)
                _add_soa(served, response)
                return
            found = _matching(node, qtype)
            if found:
                for rdataset in found:
                    response.answer.append(_rrset(name, rdataset))
                _add_additional(served, found, response)
                return
            cname = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
            if cname is None or qtype == dns.rdatatype.CNAME:
                _add_soa(served, response)  # NODATA
                return
            if len(response.answer) >= MAX_CHAIN:
                return  # the client follows the rest, as with Knot
            response.answer.append(_rrset(name, cname))
            target = cname[0].target
            if target in visited or self._zone_for(target) is not served:
                # A loop stops at the repeat; a target in another zone (or outside every zone
                # served here) is the client's to follow.
                return
            name = target


def _delegation(
    served: _Served, name: dns.name.Name, qtype: dns.rdatatype.RdataType
) -> dns.name.Name | None:
    """The highest zone cut between the apex (exclusive) and ``name`` (inclusive)."""
    for depth in range(len(served.origin) + 1, len(name) + 1):
        _, candidate = name.split(depth)
        if served.rdataset(candidate, dns.rdatatype.NS) is None:
            continue
        if candidate == name and qtype == dns.rdatatype.DS:
            return None  # DS lives on the parent side of the cut (RFC 4035 section 3.1.4.1)
        return candidate
    return None


def _refer(served: _Served, cut: dns.name.Name, response: dns.message.Message) -> None:
    ns = served.rdataset(cut, dns.rdatatype.NS)
    if ns is None:  # _delegation found it a moment ago
        return
    if not response.answer:
        response.flags &= ~dns.flags.AA  # a referral is not an authoritative answer
    response.authority.append(_rrset(cut, ns))
    # Glue: addresses of name servers inside the delegated space are only known here.
    _add_additional(served, [ns], response)


def _node(served: _Served, name: dns.name.Name) -> dns.node.Node | None:
    """The node at ``name``, or the wildcard node that synthesises it (RFC 4592)."""
    node = served.zone.get_node(name)
    if node is not None or name in served.names:
        return node  # an empty non-terminal exists, so no wildcard applies to it
    encloser = name.parent()
    while encloser not in served.names:
        encloser = encloser.parent()
    return served.zone.get_node(dns.name.Name((b"*",) + encloser.labels))


def _add_soa(served: _Served, response: dns.message.Message) -> None:
    soa = served.rdataset(served.origin, dns.rdatatype.SOA)
    if soa is None:
        return
    rrset = _rrset(served.origin, soa)
    rrset.ttl = min(soa.ttl, soa[0].minimum)  # negative caching TTL (RFC 2308 section 3)
    response.authority.append(rrset)


def _add_additional(
    served: _Served, rdatasets: Iterable[dns.rdataset.Rdataset], response: dns.message.Message
) -> None:
    present = {(rrset.name, rrset.rdtype) for rrset in response.additional}
    for target in _targets(rdatasets):
        if not target.is_subdomain(served.origin):
            continue
        for rdtype in _ADDRESS_TYPES:
            rdataset = served.rdataset(target, rdtype)
            if rdataset is not None and (target, rdtype) not in present:
                present.add((target, rdtype))
                response.additional.append(_rrset(target, rdataset))


def _matching(node: dns.node.Node, qtype: dns.rdatatype.RdataType) -> list[dns.rdataset.Rdataset]:
    if qtype == dns.rdatatype.ANY:
        # RFC 8482: answer ANY with one RRset, not the whole node; like Knot, the lowest type.
        present = [rds for rds in node.rdatasets if rds.rdclass == dns.rdataclass.IN]
        return sorted(present, key=lambda rds: rds.rdtype)[:1]
    rdataset = node.get_rdataset(dns.rdataclass.IN, qtype)
    return [rdataset] if rdataset is not None else []


def _targets(rdatasets: Iterable[dns.rdataset.Rdataset]) -> Iterator[dns.name.Name]:
    for rdataset in rdatasets:
        for rdata in rdataset:
            if rdataset.rdtype == dns.rdatatype.MX:
                yield rdata.exchange
            elif rdataset.rdtype in (dns.rdatatype.NS, dns.rdatatype.SRV):
                yield rdata.target


def _rrset(name: dns.name.Name, rdataset: dns.rdataset.Rdataset) -> dns.rrset.RRset:
    rrset = dns.rrset.RRset(name, rdataset.rdclass, rdataset.rdtype)
    rrset.update_ttl(rdataset.ttl)
    # Canonical order (RFC 4034 section 6.3), as Knot sends it: the same zone always gives
    # the same bytes, whatever order dnspython happened to store the records in.
    for rdata in sorted(rdataset, key=lambda rd: rd.to_digestable(dns.name.root)):
        rrset.add(rdata)
    return rrset


def _header_only(query_id: int, flags: int, rcode: int) -> bytes:
    """A bare reply header, for queries too broken to parse: QR set, opcode and RD echoed."""
    reply_flags = _QR | (flags & (_OPCODE_MASK | _RD)) | (rcode & 0xF)
    return struct.pack("!HHHHHH", query_id, reply_flags, 0, 0, 0, 0)

