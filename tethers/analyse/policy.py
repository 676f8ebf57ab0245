"""Checking a dependency map against a policy: which rules hold, which are broken, and why.

Every rule is applied to every function it covers; each (rule, function) pair is a
``Case`` (one JUnit testcase). A case's findings say what broke it, with the evidence:
the DNS records that show the tether, the server addresses in a denied country.

A server-country rule can only be broken by a server we saw. A tether with no located
server address is reported as ``unknown``, a separate finding that never fails the check:
tethers does not pretend to know where an unseen server sits.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tethers.config.policy import Policy, Rule, RuleKind, Severity
from tethers.model import DependencyMap, Evidence, Location, Origin, ProviderRef, Tether
from tethers.types import Function

MAX_EVIDENCE = 12  # per finding; a function with fifty MX records needs no fifty-line proof


class Status(StrEnum):
    VIOLATED = "violated"
    UNKNOWN = "unknown"  # the evidence cannot say either way


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"  # an error-severity violation
    WARN = "warn"  # only warning-severity violations
    UNKNOWN = "unknown"  # no violation, but something could not be checked


@dataclass(frozen=True, slots=True)
class Violation:
    """One finding: the rule it concerns, what is wrong (or unknowable) and the evidence."""

    rule: str
    message: str
    function: Function | None
    provider: ProviderRef | None
    evidence: tuple[Evidence, ...]
    severity: Severity
    status: Status = Status.VIOLATED
    locations: tuple[Location, ...] = ()  # server addresses behind a server-country finding
    origin: Origin | None = None  # declared tethers have no DNS evidence to show

    @property
    def failing(self) -> bool:
        return self.status is Status.VIOLATED and self.severity is Severity.ERROR


@dataclass(frozen=True, slots=True)
class Case:
    """One rule applied to one function (``None`` when the rule found nothing to apply to)."""

    rule: Rule
    function: Function | None
    findings: tuple[Violation, ...] = ()

    @property
    def outcome(self) -> Outcome:
        violated = [f for f in self.findings if f.status is Status.VIOLATED]
        if any(f.failing for f in violated):
            return Outcome.FAIL
        if violated:
            return Outcome.WARN
        return Outcome.UNKNOWN if self.findings else Outcome.PASS


@dataclass(frozen=True, slots=True)
class CheckReport:
    organisation: str
    policy: Policy
    cases: tuple[Case, ...]

    @property
    def findings(self) -> list[Violation]:
        return [f for case in self.cases for f in case.findings]

    @property
    def violations(self) -> list[Violation]:
        return [f for f in self.findings if f.status is Status.VIOLATED]

    @property
    def unknowns(self) -> list[Violation]:
        return [f for f in self.findings if f.status is Status.UNKNOWN]

    @property
    def failed(self) -> bool:
        """True when an error-severity rule is violated: the check's exit code is 1."""
        return any(f.failing for f in self.findings)


def check(dmap: DependencyMap, policy: Policy) -> list[Violation]:
    """Every finding, rule by rule: violations and (non-failing) unknowns, each with its status."""
    return evaluate(dmap, policy).findings


def evaluate(dmap: DependencyMap, policy: Policy) -> CheckReport:
    cases: list[Case] = []
    for rule in policy.rules:
        scope = _scope(dmap, rule)
        if not scope:
            cases.append(Case(rule, None, _nothing_to_check(rule)))
            continue
        for function in scope:
            cases.append(Case(rule, function, tuple(_findings(rule, function, dmap.by_function(function)))))
    return CheckReport(dmap.organisation, policy, tuple(cases))


def _scope(dmap: DependencyMap, rule: Rule) -> list[Function]:
    if rule.functions:
        return list(rule.functions)
    if rule.kind is RuleKind.NO_SINGLE_OWNER:
        return [f for f in Function if f in dmap.critical]
    return dmap.functions()


def _nothing_to_check(rule: Rule) -> tuple[Violation, ...]:
    if rule.kind is RuleKind.NO_SINGLE_OWNER:
        text = "no function is marked critical; list them under critical = [...] in an inventory, or give functions"
        return (Violation(rule.id, text, None, None, (), rule.severity, Status.UNKNOWN),)
    return ()  # an empty map has no tether to break a rule


def _findings(rule: Rule, function: Function, tethers: list[Tether]) -> list[Violation]:
    if rule.kind is RuleKind.OWNER_COUNTRY:
        return [v for t in tethers if (v := _owner_country(rule, t)) is not None]
    if rule.kind is RuleKind.SERVER_COUNTRY:
        return [v for t in tethers if (v := _server_country(rule, t)) is not None]
    if rule.kind in (RuleKind.MIN_OWNERS, RuleKind.MIN_PROVIDERS, RuleKind.NO_SINGLE_OWNER):
        return _diversity(rule, function, tethers)
    if rule.kind is RuleKind.DENY_PROVIDERS:
        return [_finding(rule, t, f"{t.function.value}: {t.provider.name} is a forbidden provider")
                for t in tethers if t.provider.id in rule.ids]
    out = []
    for t in tethers:
        hit = [o for o in (*t.provider.ownership, t.provider.owner_id) if o in rule.ids]
        if hit:
            out.append(_finding(rule, t, f"{t.function.value}: {t.provider.name} belongs to {hit[0]}, a forbidden owner"
                                + (f" (ultimate owner {t.provider.owner})" if hit[0] != t.provider.owner_id else "")))
    return out


def _finding(rule: Rule, t: Tether, message: str, status: Status = Status.VIOLATED,
             evidence: tuple[Evidence, ...] | None = None, locations: tuple[Location, ...] = ()) -> Violation:
    chosen = t.evidence if evidence is None else evidence
    return Violation(rule.id, message, t.function, t.provider, chosen[:MAX_EVIDENCE], rule.severity, status,
                     locations, t.origin)


def _listed(rule: Rule) -> str:
    return ", ".join(rule.listed)


def _owner_country(rule: Rule, t: Tether) -> Violation | None:
    p = t.provider
    if not p.country:
        return _finding(rule, t, f"{t.function.value}: {p.name} has no known owner country", Status.UNKNOWN)
    inside = p.country in rule.countries
    if rule.allow and not inside:
        return _finding(rule, t, f"{t.function.value}: {p.name} is owned by {p.owner} in {p.country}, "
                                 f"outside the allowed {_listed(rule)}")
    if not rule.allow and inside:
        return _finding(rule, t, f"{t.function.value}: {p.name} is owned by {p.owner} in {p.country}, "
                                 f"a denied owner country ({_listed(rule)})")
    return None


def _server_breaks(rule: Rule, country: str) -> bool:
    inside = country in rule.countries
    return not inside if rule.allow else inside


def _server_country(rule: Rule, t: Tether) -> Violation | None:
    name = f"{t.function.value}: {t.provider.name}"
    if not t.locations:
        return _finding(rule, t, f"{name}: no server address seen, so where its servers sit is unknown", Status.UNKNOWN)
    bad = tuple(loc for loc in t.locations if loc.country and _server_breaks(rule, loc.country))
    if bad:
        countries = ", ".join(dict.fromkeys(loc.country for loc in bad if loc.country))
        where = "outside the allowed" if rule.allow else "in denied server countries:"
        ips = {loc.ip for loc in bad}
        proof = tuple(ev for ev in t.evidence if ev.target in ips) or t.evidence
        return _finding(rule, t, f"{name} has servers in {countries}, {where} {_listed(rule)}",
                        evidence=proof, locations=bad)
    unlocated = [loc for loc in t.locations if not loc.country]
    if unlocated:
        return _finding(rule, t, f"{name}: {len(unlocated)} of {len(t.locations)} server addresses have no country "
                                 "in the IP data", Status.UNKNOWN, locations=tuple(unlocated))
    return None


def _owner_key(p: ProviderRef) -> str:
    return p.owner_id or p.owner


def _diversity(rule: Rule, function: Function, tethers: list[Tether]) -> list[Violation]:
    if not tethers:
        text = f"{function.value}: no provider seen, so independence cannot be checked"
        return [Violation(rule.id, text, function, None, (), rule.severity, Status.UNKNOWN)]
    evidence = tuple(ev for t in tethers for ev in t.evidence)[:MAX_EVIDENCE]
    only = tethers[0].provider if len({t.provider.id for t in tethers}) == 1 else None
    origin = tethers[0].origin if len(tethers) == 1 else None
    if rule.kind is RuleKind.MIN_PROVIDERS:
        names = sorted({t.provider.name for t in tethers})
        if len(names) >= rule.minimum:
            return []
        text = f"{function.value}: {len(names)} provider ({', '.join(names)}), the policy requires at least {rule.minimum}"
        if len(names) != 1:
            text = text.replace(" provider (", " providers (", 1)
        return [Violation(rule.id, text, function, only, evidence, rule.severity, origin=origin)]
    owners = dict.fromkeys(_owner_key(t.provider) for t in tethers)
    labels = sorted({f"{t.provider.owner} ({t.provider.country})" for t in tethers})
    if rule.kind is RuleKind.NO_SINGLE_OWNER:
        if len(owners) > 1:
            return []
        text = f"{function.value} is critical and held by a single owner: {labels[0]}"
        return [Violation(rule.id, text, function, only, evidence, rule.severity, origin=origin)]
    if len(owners) >= rule.minimum:
        return []
    word = "independent owner" if len(owners) == 1 else "independent owners"
    text = f"{function.value}: {len(owners)} {word} ({'; '.join(labels)}), the policy requires at least {rule.minimum}"
    return [Violation(rule.id, text, function, only, evidence, rule.severity, origin=origin)]
