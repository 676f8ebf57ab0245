"""Region policy over traffic: which endpoints a policy does not allow, and why.

An endpoint violates the policy when its server sits in a country outside the
allowed set or in a denied one, or when its provider's ultimate owner sits in a
denied country (the jurisdiction that can compel it, wherever the server is).
Endpoints seen only in DNS answers, with no traffic, are not judged. Public servers
the IP data cannot place are listed apart as unlocated: the policy cannot say.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from tethers.traffic.model import Endpoint, PolicyResult, Violation


@dataclass(frozen=True, slots=True)
class RegionPolicy:
    allow: frozenset[str] | None = None  # server countries allowed; None: any not denied
    deny: frozenset[str] = frozenset()  # countries denied, for servers and for owners
    description: str = ""
    country_names: tuple[tuple[str, str], ...] = ()  # (code, name) for messages

    def name(self, code: str) -> str:
        label = dict(self.country_names).get(code, "")
        return f"{code} ({label})" if label else code


def describe(allow: frozenset[str] | None, deny: frozenset[str], labels: Iterable[str] = ()) -> str:
    """``allowed server countries: DE, FR; denied: CN`` with the named regions that led there."""
    parts = []
    if allow is not None:
        parts.append("allowed server countries: " + (", ".join(sorted(allow)) or "none"))
    if deny:
        parts.append("denied countries (servers and owners): " + ", ".join(sorted(deny)))
    text = "; ".join(parts) or "no restriction"
    extra = ", ".join(labels)
    return f"{text} (from {extra})" if extra else text


def _public(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_global
    except ValueError:
        return False


def evaluate(policy: RegionPolicy, endpoints: Iterable[Endpoint]) -> PolicyResult:
    violations: list[Violation] = []
    unlocated: list[Endpoint] = []
    for ep in endpoints:
        if ep.flows == 0:
            continue
        reasons: list[str] = []
        country = ep.location.country
        if country:
            if policy.allow is not None and country not in policy.allow:
                reasons.append(f"server in {policy.name(country)}, outside the allowed countries")
            if country in policy.deny:
                reasons.append(f"server in {policy.name(country)}, a denied country")
        elif not ep.server or _public(ep.server):
            unlocated.append(ep)
        provider = ep.attribution.provider
        if provider is not None and provider.country in policy.deny:
            reasons.append(f"{provider.name} is owned by {provider.owner}, in {policy.name(provider.country)}, a denied country")
        if reasons:
            violations.append(Violation(ep, tuple(reasons)))
    return PolicyResult(policy.description, tuple(violations), tuple(unlocated))
