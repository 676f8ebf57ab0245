"""Shared pieces of the demo server tests: the lab zone and small dnspython clients."""

from __future__ import annotations

from pathlib import Path

import dns.message
import dns.query
import dns.rdatatype
import dns.rrset

import tethers.data

PARLER_ZONE = Path(tethers.data.__file__).parent / "examples" / "parler-2021" / "parler.com.zone"

LAB_ZONE = """\
$ORIGIN lab.test.
$TTL 300
@           IN SOA  ns1 hostmaster 2024060101 7200 900 1209600 60
@           IN NS   ns1
@           IN NS   ns2.elsewhere.example.
ns1         IN A    192.0.2.1
ns1         IN AAAA 2001:db8::1
@           IN A    192.0.2.2
@           IN MX   10 mail
mail        IN A    192.0.2.3
x.deep.ent  IN A    192.0.2.4
*.wild      IN A    192.0.2.5
*.wild      IN TXT  "synthesised from *.wild"
cname-out   IN CNAME target.elsewhere.example.
cname-nx    IN CNAME missing
cname-ns1   IN CNAME ns1
sub         IN NS   ns.sub
sub         IN NS   ns.elsewhere.example.
ns.sub      IN A    192.0.2.53
"""
# About 60 bytes per record: 12 records overflow 512 bytes but fit 1232; 40 fit neither.
_TXT = "v=lab; record {i:02d}; padding padding padding padding pad"
LAB_ZONE += "".join(f'medium IN TXT "{_TXT.format(i=i)}"\n' for i in range(12))
LAB_ZONE += "".join(f'big IN TXT "{_TXT.format(i=i)}"\n' for i in range(40))


def udp(
    address: tuple[str, int], name: str, rdtype: str, *, payload: int | None = None
) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype, use_edns=payload is not None, payload=payload or 512)
    return dns.query.udp(query, address[0], port=address[1], timeout=3)


def tcp(address: tuple[str, int], name: str, rdtype: str) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype)
    return dns.query.tcp(query, address[0], port=address[1], timeout=3)


def texts(section: list[dns.rrset.RRset]) -> set[str]:
    """A section as a set of one-record strings, order-free."""
    return {f"{rrset.name} {dns.rdatatype.to_text(rrset.rdtype)} {rdata}" for rrset in section for rdata in rrset}
