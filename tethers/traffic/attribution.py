"""Endpoints → providers, with the same knowledge base and IP data as ``tethers scan``.

Names first, then the address, as in a scan (a name that leads to a provider says
more than the network its address sits in):

1. ``host-suffix`` rules, on the name the client used, then on each CNAME target
   the DNS answer gave for it (deepest first);
2. ``cname-suffix`` then ``cname-regex`` rules, on the CNAME targets (deepest first)
   and then on the name itself: a name that is a provider's own service host
   (``d111.cloudfront.net``) is as telling in an SNI as in a CNAME;
3. ``cidr`` rules on the server address, then ``asn`` rules on its origin AS.

Names under the ``own`` domains are the organisation's own. What matches nothing is
left unattributed, named by its registrable domain or, without a name, by its AS.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from tethers.kb import KnowledgeBase, RuleHit
from tethers.model import Location
from tethers.traffic.endpoints import Draft
from tethers.traffic.model import Attribution
from tethers.types import RuleKind
from tethers.util.names import is_public, is_under, normalise, registrable


class TrafficAttributor:
    def __init__(self, kb: KnowledgeBase, own: Iterable[str] = ()) -> None:
        self.kb = kb
        self.own = tuple(normalise(d) for d in own)

    def _is_own(self, name: str) -> bool:
        return any(is_under(name, d) for d in self.own)

    def _hit(self, hits: Sequence[RuleHit], matched: str) -> Attribution:
        hit = hits[0]
        return Attribution(self.kb.provider(hit.provider_id), hit.function, hit.label, matched)

    def attribute(self, draft: Draft, location: Location) -> Attribution:
        name = normalise(draft.name) if draft.name else ""
        targets = [normalise(t) for t in draft.cname_targets()]
        primary = [name] if name and not _is_address(name) else []
        for host in primary + targets:
            if hits := self.kb.match_suffix(RuleKind.HOST_SUFFIX, host):
                return self._hit(hits, host)
        for host in targets + primary:
            if hits := self.kb.match_suffix(RuleKind.CNAME_SUFFIX, host):
                return self._hit(hits, host)
        for host in targets + primary:
            if hits := self.kb.match_host_regex(RuleKind.CNAME_REGEX, host):
                return self._hit(hits, host)
        if draft.server:
            if hits := self.kb.match_ip(draft.server):
                return self._hit(hits, draft.server)
            if location.asn is not None and (hits := self.kb.match_asn(location.asn)):
                return self._hit(hits, f"{draft.server} (AS{location.asn})")
        if primary and self._is_own(name):
            return Attribution(own=True, matched=name)
        if primary and is_public(name):
            return Attribution(domain=registrable(name))
        if location.asn is not None:
            label = f"AS{location.asn}" + (f" {location.as_name}" if location.as_name else "")
            return Attribution(domain=label)
        if not primary and _is_local(draft.server):
            return Attribution(local=True)
        return Attribution()


def _is_local(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback or ip.is_link_local


def _is_address(text: str) -> bool:
    """An SNI or Host header holding a bare address names no one."""
    return text.replace(".", "").isdigit() or ":" in text
