"""Policy files: what an organisation requires of its tethers, checked by ``tethers check``.

    name = "EU sovereign"
    description = "Our data stays with European companies, on European servers."

    [[rule]]
    id = "owners-in-europe"
    description = "Only companies headquartered in the EEA or Switzerland hold our mail."
    functions = ["email-inbound", "email-sending"]   # optional; default: every function
    severity = "error"                               # or "warning" (reported, never fails)
    allow_owner_regions = ["EEA"]
    allow_owner_countries = ["CH"]

Each ``[[rule]]`` holds one kind of requirement: owner countries (allow_/deny_owner_countries,
allow_/deny_owner_regions), server countries (the same with ``server``), ``min_owners`` /
``min_providers`` (and the ``min_dns_owners`` / ``min_dns_providers`` shorthands),
``deny_providers``, ``deny_owners``, or ``no_single_owner = true``. docs/policy.md
documents every key. Every mistake is a one-line ConfigError naming file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from tethers.config.jurisdictions import Regions, default_regions, load_countries
from tethers.config.lines import entry_key_line
from tethers.config.toml import key_line, read_toml, table_lines
from tethers.errors import ConfigError
from tethers.kb import KnowledgeBase, default_kb
from tethers.types import Function

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
TOP_KEYS = {"name", "description", "rule"}
COMMON_KEYS = {"id", "description", "severity", "functions"}


class RuleKind(StrEnum):
    OWNER_COUNTRY = "owner-country"
    SERVER_COUNTRY = "server-country"
    MIN_OWNERS = "min-owners"
    MIN_PROVIDERS = "min-providers"
    DENY_PROVIDERS = "deny-providers"
    DENY_OWNERS = "deny-owners"
    NO_SINGLE_OWNER = "no-single-owner"


class Severity(StrEnum):
    ERROR = "error"  # a violation fails the check (exit 1)
    WARNING = "warning"  # reported, never fails


# The keys that make up each kind of rule; a rule uses the keys of exactly one kind.
KIND_KEYS: dict[RuleKind, set[str]] = {
    RuleKind.OWNER_COUNTRY: {"allow_owner_countries", "allow_owner_regions", "deny_owner_countries", "deny_owner_regions"},
    RuleKind.SERVER_COUNTRY: {"allow_server_countries", "allow_server_regions", "deny_server_countries",
                              "deny_server_regions"},
    RuleKind.MIN_OWNERS: {"min_owners", "min_dns_owners"},
    RuleKind.MIN_PROVIDERS: {"min_providers", "min_dns_providers"},
    RuleKind.DENY_PROVIDERS: {"deny_providers"},
    RuleKind.DENY_OWNERS: {"deny_owners"},
    RuleKind.NO_SINGLE_OWNER: {"no_single_owner"},
}
ALL_KEYS = COMMON_KEYS.union(*KIND_KEYS.values())


@dataclass(frozen=True, slots=True)
class Rule:
    """One requirement. ``functions`` empty means every function (for ``no_single_owner``:
    every function the map marks critical)."""

    id: str
    kind: RuleKind
    severity: Severity = Severity.ERROR
    description: str = ""
    functions: tuple[Function, ...] = ()
    allow: bool = False  # country kinds: True = only these countries, False = not these
    countries: frozenset[str] = frozenset()  # country kinds: regions already expanded
    listed: tuple[str, ...] = ()  # what the file wrote (codes and region names), for messages
    minimum: int = 0  # min-owners, min-providers
    ids: frozenset[str] = frozenset()  # deny-providers: provider ids; deny-owners: owner ids
    line: int = 0


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    path: str
    rules: tuple[Rule, ...]
    description: str = ""


class _Entry:
    """One [[rule]] table with its file position, so every error names its line."""

    def __init__(self, path: Path, text: str, start: int, data: dict[str, Any]) -> None:
        self.path, self.text, self.start, self.data = path, text, start, data
        self.label = f"rule {data['id']!r}" if isinstance(data.get("id"), str) else "[[rule]]"

    def error(self, key: str, message: str, hint: str | None = None) -> ConfigError:
        line = entry_key_line(self.text, self.start, key) if key else self.start
        return ConfigError(f"{self.path}:{line}: {self.label}: {message}", hint=hint)

    def str_list(self, key: str) -> list[str]:
        value = self.data[key]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.error(key, f"{key} must be a non-empty list of strings")
        return [v.strip() for v in value]


def _function(entry: _Entry, value: str) -> Function:
    try:
        return Function(value)
    except ValueError:
        raise entry.error("functions", f"unknown function {value!r}",
                          hint="one of: " + ", ".join(f.value for f in Function)) from None


def _countries(entry: _Entry, kind: RuleKind, regions: Regions) -> tuple[bool, frozenset[str], tuple[str, ...]]:
    word = "owner" if kind is RuleKind.OWNER_COUNTRY else "server"
    keys = [k for k in KIND_KEYS[kind] if k in entry.data]
    modes = {k.split("_", 1)[0] for k in keys}
    if len(modes) > 1:
        raise entry.error(sorted(keys)[0], f"use allow_{word}_* or deny_{word}_* in one rule, not both")
    known = load_countries()
    codes: set[str] = set()
    listed: list[str] = []
    for key in sorted(keys, key=lambda k: (not k.endswith("_regions"), k)):  # regions first: "EEA, CH"
        for value in entry.str_list(key):
            if key.endswith("_regions"):
                region = regions.get(value)
                if region is None:
                    raise entry.error(key, f"unknown region {value!r}", hint="regions: " + ", ".join(regions.names()))
                codes.update(region.members)
                listed.append(region.id)
            else:
                code = value.upper()
                if code not in known:
                    hint = "a region? use *_regions" if regions.get(value) else "ISO 3166-1 alpha-2, e.g. DE"
                    raise entry.error(key, f"{value!r} is not a country code", hint=hint)
                codes.add(code)
                listed.append(code)
    return modes == {"allow"}, frozenset(codes), tuple(dict.fromkeys(listed))


def _minimum(entry: _Entry, key: str) -> int:
    value = entry.data[key]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise entry.error(key, f"{key} must be a whole number from 1 to 100")
    return value


def _rule(entry: _Entry, kb: KnowledgeBase, regions: Regions) -> Rule:
    data = entry.data
    unknown = sorted(set(data) - ALL_KEYS)
    if unknown:
        raise entry.error(unknown[0], f"unknown key {unknown[0]!r}", hint="see docs/policy.md for the keys")
    rule_id = data.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise entry.error("", "every rule needs an id (kebab-case, e.g. id = \"owners-in-eea\")")
    if not _ID.match(rule_id):
        raise entry.error("id", f"rule id {rule_id!r} must be kebab-case: lower-case letters, digits and '-'")
    kinds = [k for k, keys in KIND_KEYS.items() if keys & set(data)]
    if not kinds:
        raise entry.error("id", "the rule sets no requirement", hint="e.g. deny_owner_countries, min_dns_owners, no_single_owner")
    if len(kinds) > 1:
        second = sorted(KIND_KEYS[kinds[1]] & set(data))[0]
        raise entry.error(second, f"one requirement per rule: {kinds[0].value} and {kinds[1].value} are mixed",
                          hint="split them into two [[rule]] tables")
    kind = kinds[0]
    severity = data.get("severity", "error")
    if severity not in {s.value for s in Severity}:
        raise entry.error("severity", f"severity must be \"error\" or \"warning\", got {severity!r}")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise entry.error("description", "description must be a string")
    functions: tuple[Function, ...] = ()
    if "functions" in data:
        functions = tuple(dict.fromkeys(_function(entry, v) for v in entry.str_list("functions")))
    rule = Rule(id=rule_id, kind=kind, severity=Severity(severity), description=description, functions=functions,
                line=entry.start)
    if kind in (RuleKind.OWNER_COUNTRY, RuleKind.SERVER_COUNTRY):
        allow, countries, listed = _countries(entry, kind, regions)
        return replace(rule, allow=allow, countries=countries, listed=listed)
    if kind in (RuleKind.MIN_OWNERS, RuleKind.MIN_PROVIDERS):
        keys = sorted(KIND_KEYS[kind] & set(data))
        if len(keys) > 1:
            raise entry.error(keys[1], f"{keys[0]} and {keys[1]} say the same thing; keep one")
        if "_dns_" in keys[0]:
            if functions:
                raise entry.error("functions", f"{keys[0]} applies to dns; drop functions or use {kind.value.replace('-', '_')}")
            functions = (Function.DNS,)
        return replace(rule, minimum=_minimum(entry, keys[0]), functions=functions)
    if kind is RuleKind.DENY_PROVIDERS:
        ids = entry.str_list("deny_providers")
        for pid in ids:
            if pid not in kb.files.providers:
                near = kb.search(pid)[:4]
                raise entry.error("deny_providers", f"unknown provider {pid!r}",
                                  hint=f"did you mean: {', '.join(near)}" if near else "see 'tethers providers search'")
        return replace(rule, ids=frozenset(ids), listed=tuple(ids))
    if kind is RuleKind.DENY_OWNERS:
        ids = entry.str_list("deny_owners")
        for oid in ids:
            if oid not in kb.files.owners:
                raise entry.error("deny_owners", f"unknown owner {oid!r}",
                                  hint="owner ids are the [table] names in tethers/data/owners/*.toml")
        return replace(rule, ids=frozenset(ids), listed=tuple(ids))
    if data["no_single_owner"] is not True:
        raise entry.error("no_single_owner", "no_single_owner takes true (leave the rule out to turn it off)")
    return rule


def load_policy(path: Path, kb: KnowledgeBase | None = None, regions: Regions | None = None) -> Policy:
    """Read and check a policy file; the knowledge base resolves provider and owner ids."""
    kb = kb or default_kb()
    regions = regions or default_regions()
    data, text = read_toml(path)
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise ConfigError(f"{path}:{key_line(text, unknown[0])}: unknown key {unknown[0]!r}",
                          hint="top-level keys: name, description, and [[rule]] tables")
    for key in ("name", "description"):
        if not isinstance(data.get(key, ""), str):
            raise ConfigError(f"{path}:{key_line(text, key)}: {key} must be a string")
    entries = data.get("rule", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{path}:{key_line(text, 'rule')}: write rules as [[rule]] tables")
    if not entries:
        raise ConfigError(f"{path}: the policy has no [[rule]] tables", hint="see docs/policy.md for an example")
    starts = table_lines(text, "rule")
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(entries):
        entry = _Entry(path, text, starts[index] if index < len(starts) else 0, raw)
        rule = _rule(entry, kb, regions)
        if rule.id in seen:
            raise entry.error("id", f"rule id {rule.id!r} is already used at line {seen[rule.id]}")
        seen[rule.id] = rule.line
        rules.append(rule)
    return Policy(data.get("name", "") or path.stem, str(path), tuple(rules), data.get("description", ""))
