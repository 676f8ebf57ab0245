"""Evidence → dependencies on providers, plus the evidence that matched no provider.

Each piece of evidence is matched with the rule kind its source implies (an MX
host with ``mx-suffix`` rules, an SPF include with ``spf-include``...). Server
addresses are located, and belong to the dependency their chain leads from (the
mail provider behind an MX host's address). Only addresses whose chain matched
no provider by name are attributed by IP range or AS, so Google's mail servers
count as Google's mail, not as "hosting in AS15169". Evidence that points at
another organisation's name and matches nothing is returned as unattributed,
never guessed at; the organisation's own names are not third parties.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from tethers.kb import KnowledgeBase, RuleHit
from tethers.model import Dependency, Evidence, Location, ProviderRef, Unattributed
from tethers.model import evidence as src
from tethers.types import Function, RuleKind
from tethers.util.names import is_public, is_under, registrable

# Which rule kinds apply to which evidence, in order of preference.
KINDS: dict[str, tuple[RuleKind, ...]] = {
    src.DNS_NS: (RuleKind.NS_SUFFIX,),
    src.DNS_SOA: (RuleKind.SOA_SUFFIX, RuleKind.NS_SUFFIX),
    src.DNS_MX: (RuleKind.MX_SUFFIX,),
    src.DNS_SPF: (RuleKind.SPF_INCLUDE,),
    src.DNS_DMARC: (RuleKind.DMARC_RUA,),
    src.DNS_TLSRPT: (RuleKind.DMARC_RUA,),
    src.DNS_CAA: (RuleKind.CAA_ISSUER,),
    src.DNS_DKIM: (RuleKind.DKIM_SUFFIX, RuleKind.CNAME_SUFFIX),
    src.DNS_CNAME: (RuleKind.CNAME_SUFFIX,),
    src.DNS_SRV: (RuleKind.SRV_SUFFIX,),
    src.DNS_TXT: (RuleKind.TXT_PREFIX,),  # match_txt also tries txt-regex rules
}
# What unmatched third-party evidence suggests about the function.
HINTS: dict[str, Function] = {
    src.DNS_NS: Function.DNS,
    src.DNS_MX: Function.EMAIL_INBOUND,
    src.DNS_SPF: Function.EMAIL_SENDING,
    src.DNS_DKIM: Function.EMAIL_SENDING,
    src.DNS_DMARC: Function.EMAIL_REPORTING,
    src.DNS_TLSRPT: Function.EMAIL_REPORTING,
    src.DNS_CAA: Function.CERTIFICATE_AUTHORITY,
    src.DNS_SRV: Function.COLLABORATION,
    src.DNS_A: Function.HOSTING,
    src.DNS_AAAA: Function.HOSTING,
}
SERVICE_HINTS: dict[str, Function] = {
    **dict.fromkeys(("help", "support", "helpdesk", "kb", "knowledge", "feedback", "ideas"), Function.SUPPORT),
    "status": Function.STATUS_PAGE,
    **dict.fromkeys(("shop", "store", "checkout"), Function.ECOMMERCE),
    **dict.fromkeys(("pay", "payments", "billing"), Function.PAYMENTS),
    **dict.fromkeys(("jira", "confluence", "wiki", "git", "gitlab", "forum", "community"), Function.COLLABORATION),
    **dict.fromkeys(("login", "sso", "auth", "id", "accounts", "account", "identity"), Function.IDENTITY),
    **dict.fromkeys(("autodiscover", "mail", "webmail", "email", "imap", "mx"), Function.EMAIL_INBOUND),
    **dict.fromkeys(("lyncdiscover", "sip", "meet", "chat", "calendar"), Function.COLLABORATION),
    **dict.fromkeys(("go", "link", "links", "click", "track", "marketing", "newsletter", "info", "events", "em",
                     "url", "webinar", "learn", "academy"), Function.MARKETING),
    **dict.fromkeys(("cdn", "static", "assets", "media", "images", "img"), Function.CDN),
}
_VERIFICATION = re.compile(r"^([a-z0-9][a-z0-9_.-]{1,60}?)[-_](?:site-|domain-)?verification[=:]", re.IGNORECASE)
_ADDRESS = (src.DNS_A, src.DNS_AAAA)
_FUNCTION_ORDER = {f: i for i, f in enumerate(Function)}  # dependencies are listed in the vocabulary's order


class Locator(Protocol):
    def locate(self, ip: str) -> Location: ...


@dataclass
class _Dep:
    function: Function
    provider: ProviderRef
    evidence: dict[Evidence, None] = field(default_factory=dict)  # ordered set: equal facts once
    locations: dict[str, Location] = field(default_factory=dict)
    rules: dict[str, None] = field(default_factory=dict)


@dataclass
class _Unattr:
    function: Function | None
    domain: str
    evidence: Evidence
    locations: dict[str, Location] = field(default_factory=dict)


@dataclass(frozen=True)
class Attribution:
    dependencies: tuple[Dependency, ...]
    unattributed: tuple[Unattributed, ...]


def _function_hint(ev: Evidence) -> Function | None:
    if ev.source == src.DNS_CNAME:
        origin = ev.chain()[-1].name
        return SERVICE_HINTS.get(origin.split(".", 1)[0], Function.HOSTING)
    return HINTS.get(ev.source)


class Attributor:
    def __init__(self, kb: KnowledgeBase, locator: Locator) -> None:
        self.kb = kb
        self.locator = locator

    def match(self, ev: Evidence) -> list[RuleHit]:
        if not ev.target:
            return []
        if ev.source == src.DNS_TXT:
            return self.kb.match_txt(ev.target)
        for kind in KINDS.get(ev.source, ()):
            hits = self.kb.match_suffix(kind, ev.target)
            if hits:
                return hits
        if ev.source in (src.DNS_CNAME, src.DNS_DKIM):
            return self.kb.match_host_regex(RuleKind.CNAME_REGEX, ev.target)
        if ev.source in (src.DNS_NS, src.DNS_SOA):
            return self.kb.match_host_regex(RuleKind.NS_REGEX, ev.target)
        return []

    def attribute(self, domain: str, evidence: Iterable[Evidence], own: Iterable[str] = ()) -> Attribution:
        own_domains = {registrable(domain), domain, *own}

        def is_own(host: str) -> bool:
            return any(is_under(host, d) for d in own_domains)

        deps: dict[tuple[Function, str], _Dep] = {}
        unattributed: dict[tuple[Function | None, str, str], _Unattr] = {}
        # Keyed by object identity: equal facts reached by different paths stay distinct.
        owner_of: dict[int, list[_Dep] | _Unattr] = {}
        addresses: list[Evidence] = []

        def add(hit: RuleHit, ev: Evidence) -> _Dep:
            key = (hit.function, hit.provider_id)
            dep = deps.get(key)
            if dep is None:
                dep = deps[key] = _Dep(hit.function, self.kb.provider(hit.provider_id))
            dep.evidence.setdefault(ev)
            dep.rules[hit.label] = None
            return dep

        explained: set[int] = set()  # chain steps that a later, attributed step accounts for
        for ev in evidence:
            if ev.source in _ADDRESS:
                addresses.append(ev)
                continue
            hits = self.match(ev)
            if hits:
                owner_of[id(ev)] = [add(hit, ev) for hit in hits]
                explained.update(id(a) for a in ev.chain()[1:] if a.source in (src.DNS_CNAME, src.DNS_DKIM))
                continue
            entry = self._unattributed(ev, is_own)
            if entry is not None:
                key = (entry.function, entry.domain, ev.target)
                owner_of[id(ev)] = unattributed.setdefault(key, entry)

        for ev in addresses:
            location = self.locator.locate(ev.target)
            holder = next((owner_of[id(a)] for a in ev.chain()[1:] if id(a) in owner_of), None)
            if isinstance(holder, list):  # the name already led to a provider
                for dep in holder:
                    dep.locations.setdefault(location.ip, location)
                continue
            if isinstance(holder, _Unattr):
                holder.locations.setdefault(location.ip, location)
            hits = self.kb.match_ip(ev.target)
            if not hits and location.asn is not None:
                hits = self.kb.match_asn(location.asn)
            if hits:
                for hit in hits:
                    add(hit, ev).locations.setdefault(location.ip, location)
            elif holder is None and location.asn is not None:
                label = f"AS{location.asn}" + (f" {location.as_name}" if location.as_name else "")
                key = (Function.HOSTING, label, "")
                entry = unattributed.setdefault(key, _Unattr(Function.HOSTING, label, ev))
                entry.locations.setdefault(location.ip, location)

        return Attribution(
            dependencies=tuple(
                Dependency(d.function, d.provider, tuple(d.evidence), tuple(d.locations.values()), tuple(d.rules))
                for d in sorted(deps.values(), key=lambda d: (_FUNCTION_ORDER[d.function], d.provider.id))
            ),
            unattributed=tuple(
                Unattributed(u.function, u.domain, u.evidence, tuple(u.locations.values()))
                for u in sorted(unattributed.values(), key=lambda u: (u.function or "", u.domain, u.evidence.target))
                if id(u.evidence) not in explained
            ),
        )

    def _unattributed(self, ev: Evidence, is_own) -> _Unattr | None:  # type: ignore[no-untyped-def]
        if ev.source == src.DNS_TXT:
            m = _VERIFICATION.match(ev.target)
            if m:
                return _Unattr(Function.OTHER_SAAS, m.group(0).rstrip("=:"), ev)
            return None
        if ev.source == src.DNS_SOA or not ev.target or ev.source not in HINTS and ev.source != src.DNS_CNAME:
            return None
        target = ev.target
        if ev.source == src.DNS_CAA:
            return _Unattr(Function.CERTIFICATE_AUTHORITY, target, ev)
        if is_own(target) or not is_public(target):
            return None  # our own names, and placeholders such as unpublished-ns1.invalid
        if ev.source == src.DNS_CNAME and ev.via is not None and ev.via.source == src.DNS_CNAME:
            # Later steps of a chain already shown by its first third-party step.
            if not is_own(ev.via.target):
                return None
        return _Unattr(_function_hint(ev), registrable(target), ev)
