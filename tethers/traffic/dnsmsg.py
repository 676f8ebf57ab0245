"""DNS responses seen on the wire → (question, CNAME chain, address) triples.

A response's answer section may chain ``app.example CNAME x.agora.io`` then
``x.agora.io A 198.51.100.7``; the chain is kept so an address can be traced back to
the name the client asked for, and each CNAME target can be matched against the
knowledge base. Messages that do not parse are counted by the caller, never raised.
"""

from __future__ import annotations

from typing import NamedTuple

import dns.exception
import dns.flags
import dns.message
import dns.rdatatype

MAX_CHAIN = 10


class Answer(NamedTuple):
    qname: str
    chain: tuple[str, ...]  # qname, each CNAME target, the address's owner name last
    rtype: str
    address: str
    ttl: int


def parse_response(wire: bytes) -> list[Answer] | None:
    """The addresses a response gives, or ``None`` when it is not a parseable DNS response."""
    try:
        message = dns.message.from_wire(wire, ignore_trailing=True, one_rr_per_rrset=False)
    except (dns.exception.DNSException, ValueError, IndexError, UnicodeError):
        return None
    if not message.flags & dns.flags.QR or not message.question:
        return None
    qname = message.question[0].name.to_text(omit_final_dot=True).lower()
    cnames: dict[str, str] = {}
    addresses: list[tuple[str, str, str, int]] = []
    for rrset in message.answer:
        owner = rrset.name.to_text(omit_final_dot=True).lower()
        if rrset.rdtype == dns.rdatatype.CNAME:
            for rdata in rrset:
                cnames[owner] = rdata.target.to_text(omit_final_dot=True).lower()  # type: ignore[attr-defined]
        elif rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            kind = dns.rdatatype.to_text(rrset.rdtype)
            for rdata in rrset:
                addresses.append((owner, kind, rdata.address, rrset.ttl))  # type: ignore[attr-defined]
    chain = [qname]
    while chain[-1] in cnames and len(chain) <= MAX_CHAIN and cnames[chain[-1]] not in chain:
        chain.append(cnames[chain[-1]])
    out = []
    for owner, kind, address, ttl in addresses:
        # An address for a name off the chain (additional glue some servers add) keeps its own owner.
        path = tuple(chain[: chain.index(owner) + 1]) if owner in chain else (owner,)
        out.append(Answer(path[0], path, kind, address, ttl))
    return out
