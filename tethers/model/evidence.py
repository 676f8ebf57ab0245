"""Facts collected from the world, before any conclusion is drawn."""

from __future__ import annotations

from dataclasses import dataclass, field

# Evidence sources, ``layer:kind``. A tuple rather than an enum so that later
# collectors (tls, http, pcap...) add theirs without touching this module.
DNS_NS = "dns:NS"
DNS_SOA = "dns:SOA"
DNS_MX = "dns:MX"
DNS_TXT = "dns:TXT"
DNS_SPF = "dns:SPF"  # one include:/redirect= term, found while expanding SPF
DNS_DMARC = "dns:DMARC"  # one rua/ruf receiver of a _dmarc record
DNS_DKIM = "dns:DKIM"  # a <selector>._domainkey name and where it points
DNS_CAA = "dns:CAA"
DNS_CNAME = "dns:CNAME"
DNS_A = "dns:A"
DNS_AAAA = "dns:AAAA"
DNS_SRV = "dns:SRV"
DNS_MTA_STS = "dns:MTA-STS"
DNS_TLSRPT = "dns:TLSRPT"
DNS_BIMI = "dns:BIMI"


@dataclass(frozen=True, slots=True)
class Evidence:
    """One observed fact.

    ``name`` is the DNS owner name the fact was found at, ``value`` the record as
    text (``10 contoso-com.mail.protection.outlook.com.``) and ``target`` the part
    that attribution matches on: a host name, an SPF include domain, a mailbox
    domain, a CAA issuer, an IP address or the TXT string itself. ``via`` is the
    evidence that led here (the MX record behind an A record, the SPF record
    behind an include), so every claim can be traced back to what was queried.
    """

    source: str
    name: str
    value: str
    target: str = ""
    via: Evidence | None = field(default=None, compare=False)

    def chain(self) -> list[Evidence]:
        """This evidence and its ancestors, nearest first."""
        out: list[Evidence] = []
        node: Evidence | None = self
        while node is not None:
            out.append(node)
            node = node.via
        return out


@dataclass(frozen=True, slots=True)
class CollectError:
    """An expected failure of one lookup; the scan goes on without it."""

    name: str
    rdtype: str
    reason: str  # "timeout", "nxdomain", "servfail", "refused", "malformed: ...", ...
    detail: str = ""
