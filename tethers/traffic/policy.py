"""Region policy over traffic: which endpoints a policy does not allow, and why.

The rules are those of policy files (``tethers.config.policy``) that can be judged
from traffic: server countries, owner countries, denied providers and denied owners,
each limited to some functions if the rule says so. The command-line flags make the
same rules: ``--allow-countries``/``--allow-regions`` allow server countries;
``--deny-countries``/``--deny-regions`` deny them both as server locations and as
the home of a provider's ultimate owner (the jurisdiction that can compel it,
wherever its servers are). Rules about how many owners or providers a function has
describe a dependency map, not traffic, and are set aside with a note.

Endpoints seen only in DNS answers, with no traffic, are not judged. Public servers
the IP data cannot place are listed apart as unlocated: the policy cannot say.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from tethers.config.jurisdictions import load_countries
from tethers.config.policy import Policy, RuleKind, Severity
from tethers.traffic.model import Endpoint, PolicyResult, Violation
from tethers.types import Function

SERVER, OWNER, PROVIDER, OWNER_ID = "server-country", "owner-country", "provider", "owner"


@dataclass(frozen=True, slots=True)
class TrafficRule:
    id: str
    subject: str  # SERVER, OWNER, PROVIDER or OWNER_ID
    allow: bool  # True: only these values; False: not these
    values: frozenset[str]
    listed: tuple[str, ...] = ()  # as the user wrote them: "EEA, CH"
    functions: frozenset[Function] = frozenset()
    warning: bool = False  # reported, never fails

    def describe(self) -> str:
        what = {SERVER: "server countries", OWNER: "owner countries", PROVIDER: "providers", OWNER_ID: "owners"}[self.subject]
        listed = ", ".join(self.listed or sorted(self.values))
        scope = f" for {', '.join(sorted(f.value for f in self.functions))}" if self.functions else ""
        return f"{'only' if self.allow else 'no'} {what} {listed}{scope}" + (" (warning)" if self.warning else "")


@dataclass(frozen=True, slots=True)
class TrafficPolicy:
    rules: tuple[TrafficRule, ...]
    name: str = ""
    ignored: tuple[str, ...] = ()  # rules of a policy file that traffic cannot judge

    @property
    def description(self) -> str:
        text = "; ".join(r.describe() for r in self.rules) or "no rule that traffic can judge"
        if self.ignored:
            text += f" (not judged from traffic: {', '.join(self.ignored)})"
        return f"{self.name}: {text}" if self.name else text


def flag_rules(allow: Iterable[str] = (), allow_listed: Iterable[str] = (),
               deny: Iterable[str] = (), deny_listed: Iterable[str] = ()) -> list[TrafficRule]:
    """The rules the command-line flags stand for: allowed server countries, denied countries."""
    rules = []
    allowed, denied = frozenset(allow), frozenset(deny)
    if allowed or tuple(allow_listed):
        rules.append(TrafficRule("allow-countries", SERVER, True, allowed, tuple(allow_listed)))
    if denied:
        rules.append(TrafficRule("deny-countries", SERVER, False, denied, tuple(deny_listed)))
        rules.append(TrafficRule("deny-owner-countries", OWNER, False, denied, tuple(deny_listed)))
    return rules


def from_policy(policy: Policy) -> TrafficPolicy:
    """The rules of a policy file that apply to traffic."""
    rules, ignored = [], []
    for rule in policy.rules:
        common = {"functions": frozenset(rule.functions), "warning": rule.severity is Severity.WARNING}
        if rule.kind is RuleKind.SERVER_COUNTRY:
            rules.append(TrafficRule(rule.id, SERVER, rule.allow, rule.countries, rule.listed, **common))
        elif rule.kind is RuleKind.OWNER_COUNTRY:
            rules.append(TrafficRule(rule.id, OWNER, rule.allow, rule.countries, rule.listed, **common))
        elif rule.kind is RuleKind.DENY_PROVIDERS:
            rules.append(TrafficRule(rule.id, PROVIDER, False, rule.ids, rule.listed, **common))
        elif rule.kind is RuleKind.DENY_OWNERS:
            rules.append(TrafficRule(rule.id, OWNER_ID, False, rule.ids, rule.listed, **common))
        else:
            ignored.append(rule.id)
    return TrafficPolicy(tuple(rules), policy.name, tuple(ignored))


def _country(code: str) -> str:
    name = load_countries().get(code, "")
    return f"{code} ({name})" if name else code


def _public(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_global
    except ValueError:
        return False


def _reason(rule: TrafficRule, ep: Endpoint) -> str | None:
    provider = ep.attribution.provider
    listed = ", ".join(rule.listed or sorted(rule.values))
    if rule.subject == SERVER:
        country = ep.location.country
        if country and (country in rule.values) != rule.allow:
            where = f"outside {listed}" if rule.allow else "a denied country"
            return f"server in {_country(country)}, {where} [{rule.id}]"
        return None
    if provider is None:
        return None
    if rule.subject == OWNER:
        if (provider.country in rule.values) != rule.allow:
            where = f"outside {listed}" if rule.allow else "a denied country"
            return f"{provider.name} is owned by {provider.owner}, in {_country(provider.country)}, {where} [{rule.id}]"
        return None
    if rule.subject == PROVIDER:
        return f"provider {provider.name} is denied [{rule.id}]" if provider.id in rule.values else None
    hit = [o for o in (*provider.ownership, provider.owner_id) if o in rule.values]
    return f"{provider.name} belongs to owner {hit[0]}, which is denied [{rule.id}]" if hit else None


def evaluate(policy: TrafficPolicy, endpoints: Iterable[Endpoint]) -> PolicyResult:
    violations: list[Violation] = []
    warnings: list[Violation] = []
    unlocated: list[Endpoint] = []
    judges_servers = any(r.subject == SERVER for r in policy.rules)
    for ep in endpoints:
        if ep.flows == 0:
            continue
        if judges_servers and not ep.location.country and (not ep.server or _public(ep.server)):
            unlocated.append(ep)
        function = ep.attribution.function
        errors, notes = [], []
        for rule in policy.rules:
            if rule.functions and function not in rule.functions:
                continue
            reason = _reason(rule, ep)
            if reason:
                (notes if rule.warning else errors).append(reason)
        if errors:
            violations.append(Violation(ep, tuple(errors + notes)))
        elif notes:
            warnings.append(Violation(ep, tuple(notes)))
    return PolicyResult(policy.description, tuple(violations), tuple(unlocated), tuple(warnings))
