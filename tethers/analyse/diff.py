"""What changed between two scans of a domain. Pure functions over the model.

Name-server and MX sets are read from the evidence the scan results keep
(dependencies, unattributed evidence and their ``via`` chains), at the scanned
domain's own name. A result keeps only evidence that points outside the
organisation, so a self-hosted name server that attribution dropped is not in
either set; both scans are judged by the same rule, so the comparison is fair.
MX preference changes are not reported: the set is of exchange host names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from tethers.model.codec import provider_to_dict
from tethers.model.evidence import DNS_MX, DNS_NS, Evidence
from tethers.model.result import ProviderRef, ScanResult
from tethers.types import Function
from tethers.util.names import normalise

DIFF_SCHEMA = "tethers/diff@1"


@dataclass(frozen=True, slots=True)
class ProviderChange:
    """Providers that started or stopped serving one function."""

    function: Function
    gained: tuple[ProviderRef, ...]
    lost: tuple[ProviderRef, ...]


@dataclass(frozen=True, slots=True)
class OwnerChange:
    """A provider seen in both scans whose owner or owner's country differs (an acquisition, a move)."""

    provider_id: str
    name: str
    old_owner: str
    new_owner: str
    old_country: str
    new_country: str


@dataclass(frozen=True, slots=True)
class SetChange:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.added and not self.removed


@dataclass(frozen=True, slots=True)
class UnattributedRef:
    """Unattributed evidence, identified by what it suggests and where it points."""

    function: Function | None
    domain: str


@dataclass(frozen=True, slots=True)
class ScanDiff:
    domain: str
    old_started: str
    new_started: str
    providers: tuple[ProviderChange, ...]  # only functions that changed, in Function order
    owners: tuple[OwnerChange, ...]
    ns: SetChange
    mx: SetChange
    unattributed_gained: tuple[UnattributedRef, ...]
    unattributed_lost: tuple[UnattributedRef, ...]
    old_errors: int
    new_errors: int

    @property
    def errors_delta(self) -> int:
        return self.new_errors - self.old_errors

    @property
    def empty(self) -> bool:
        """True when the two scans say the same thing."""
        return not (
            self.providers
            or self.owners
            or not self.ns.empty
            or not self.mx.empty
            or self.unattributed_gained
            or self.unattributed_lost
            or self.errors_delta
        )


def diff_scans(old: ScanResult, new: ScanResult) -> ScanDiff:
    """Compare ``old`` with ``new``; the domain reported is ``new``'s."""
    return ScanDiff(
        domain=new.domain,
        old_started=old.started,
        new_started=new.started,
        providers=_provider_changes(old, new),
        owners=_owner_changes(old, new),
        ns=_set_change(_hosts(old, DNS_NS), _hosts(new, DNS_NS)),
        mx=_set_change(_hosts(old, DNS_MX), _hosts(new, DNS_MX)),
        unattributed_gained=_sorted_refs(_unattributed(new) - _unattributed(old)),
        unattributed_lost=_sorted_refs(_unattributed(old) - _unattributed(new)),
        old_errors=len(old.errors),
        new_errors=len(new.errors),
    )


def _providers_by_function(scan: ScanResult) -> dict[Function, dict[str, ProviderRef]]:
    out: dict[Function, dict[str, ProviderRef]] = {}
    for dep in scan.dependencies:
        out.setdefault(dep.function, {}).setdefault(dep.provider.id, dep.provider)
    return out


def _provider_changes(old: ScanResult, new: ScanResult) -> tuple[ProviderChange, ...]:
    before = _providers_by_function(old)
    after = _providers_by_function(new)
    changes = []
    for function in Function:  # enum order, so output is stable
        was = before.get(function, {})
        now = after.get(function, {})
        gained = tuple(now[pid] for pid in sorted(now.keys() - was.keys()))
        lost = tuple(was[pid] for pid in sorted(was.keys() - now.keys()))
        if gained or lost:
            changes.append(ProviderChange(function, gained, lost))
    return tuple(changes)


def _providers_by_id(scan: ScanResult) -> dict[str, ProviderRef]:
    out: dict[str, ProviderRef] = {}
    for dep in scan.dependencies:
        out.setdefault(dep.provider.id, dep.provider)
    return out


def _owner_changes(old: ScanResult, new: ScanResult) -> tuple[OwnerChange, ...]:
    before = _providers_by_id(old)
    after = _providers_by_id(new)
    changes = []
    for pid in sorted(before.keys() & after.keys()):
        was, now = before[pid], after[pid]
        if (was.owner, was.country) != (now.owner, now.country):
            changes.append(OwnerChange(pid, now.name, was.owner, now.owner, was.country, now.country))
    return tuple(changes)


def _all_evidence(scan: ScanResult) -> Iterator[Evidence]:
    for dep in scan.dependencies:
        for ev in dep.evidence:
            yield from ev.chain()
    for item in scan.unattributed:
        yield from item.evidence.chain()


def _host_of(ev: Evidence) -> str:
    # target is the host name; fall back to the record text's last field
    # ("10 mx1.example.net." for MX, "ns1.example.net." for NS).
    text = ev.target or (ev.value.split()[-1] if ev.value.split() else "")
    return normalise(text)


def _hosts(scan: ScanResult, source: str) -> frozenset[str]:
    rdtype = source.split(":", 1)[1]
    if scan.apex.get(rdtype):
        # Scans since apex sets were recorded keep every host, own ones included.
        return frozenset(h for text in scan.apex[rdtype] if (h := normalise(text.split()[-1])))
    apex = normalise(scan.domain)
    return frozenset(
        host
        for ev in _all_evidence(scan)
        if ev.source == source and normalise(ev.name) == apex and (host := _host_of(ev))
    )


def _set_change(old: frozenset[str], new: frozenset[str]) -> SetChange:
    return SetChange(added=tuple(sorted(new - old)), removed=tuple(sorted(old - new)))


def _unattributed(scan: ScanResult) -> set[UnattributedRef]:
    return {UnattributedRef(u.function, normalise(u.domain)) for u in scan.unattributed}


def _sorted_refs(refs: Iterable[UnattributedRef]) -> tuple[UnattributedRef, ...]:
    return tuple(sorted(refs, key=lambda r: (r.function.value if r.function else "", r.domain)))


def diff_to_dict(diff: ScanDiff) -> dict[str, Any]:
    """The ``tethers/diff@1`` JSON form (without store ids, which callers add)."""

    def unattributed(refs: tuple[UnattributedRef, ...]) -> list[dict[str, Any]]:
        return [{"function": r.function.value if r.function else None, "domain": r.domain} for r in refs]

    return {
        "schema": DIFF_SCHEMA,
        "domain": diff.domain,
        "old_started": diff.old_started,
        "new_started": diff.new_started,
        "empty": diff.empty,
        "providers": [
            {
                "function": c.function.value,
                "gained": [provider_to_dict(p) for p in c.gained],
                "lost": [provider_to_dict(p) for p in c.lost],
            }
            for c in diff.providers
        ],
        "owners": [
            {
                "provider": c.provider_id,
                "name": c.name,
                "old_owner": c.old_owner,
                "new_owner": c.new_owner,
                "old_country": c.old_country,
                "new_country": c.new_country,
            }
            for c in diff.owners
        ],
        "ns": {"added": list(diff.ns.added), "removed": list(diff.ns.removed)},
        "mx": {"added": list(diff.mx.added), "removed": list(diff.mx.removed)},
        "unattributed": {
            "gained": unattributed(diff.unattributed_gained),
            "lost": unattributed(diff.unattributed_lost),
        },
        "errors": {"old": diff.old_errors, "new": diff.new_errors, "delta": diff.errors_delta},
    }
