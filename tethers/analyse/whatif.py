"""What goes dark when providers, owners or whole jurisdictions stop serving an organisation.

``simulate(map, cut)`` removes every tether the cut reaches and reports, per function,
whether it is down (no provider left), degraded (some left) or unaffected.
``minimal_cut_sets`` and ``single_points_of_failure`` answer the question the other way
round: which companies' decisions, alone or together, take a critical function down.

A cut reaches a tether through its provider id, any owner in its ownership chain
(cutting ``twilio`` reaches SendGrid, which Twilio owns), or its ultimate owner's
country. Decisions are taken by ultimate owners: for the cut-set analysis two providers
of one owner are one decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from tethers.config.scenario import Scenario
from tethers.model import DependencyMap, ProviderRef, Tether
from tethers.types import Function


class CutKind(StrEnum):
    PROVIDER = "provider"
    OWNER = "owner"
    COUNTRY = "country"


# When one tether is reached by several items, the most specific one is named as its cause.
_SPECIFICITY = {CutKind.PROVIDER: 0, CutKind.OWNER: 1, CutKind.COUNTRY: 2}


@dataclass(frozen=True, slots=True)
class CutItem:
    kind: CutKind
    id: str  # provider id, owner id, or upper-case country code
    reason: str = ""
    source: str = ""
    date: str = ""

    @property
    def label(self) -> str:
        return f"{self.kind.value} {self.id}"


@dataclass(frozen=True, slots=True)
class Cut:
    items: tuple[CutItem, ...] = ()
    title: str = ""  # the scenario's title and description, when the cut comes from one
    description: str = ""

    @classmethod
    def of(cls, providers: Iterable[str] = (), owners: Iterable[str] = (), countries: Iterable[str] = ()) -> Cut:
        items = [CutItem(CutKind.PROVIDER, p) for p in providers]
        items += [CutItem(CutKind.OWNER, o) for o in owners]
        items += [CutItem(CutKind.COUNTRY, c.upper()) for c in countries]
        return cls(tuple(dict.fromkeys(items)))

    def __add__(self, other: Cut) -> Cut:
        """Both cuts; an item given twice keeps the first one's reason."""
        seen = {(i.kind, i.id) for i in self.items}
        extra = tuple(i for i in other.items if (i.kind, i.id) not in seen)
        return Cut(self.items + extra, self.title or other.title, self.description or other.description)

    def reaches(self, provider: ProviderRef) -> CutItem | None:
        """The most specific item that removes this provider, or None."""
        owners = set(provider.ownership) | ({provider.owner_id} if provider.owner_id else set())
        hits = [
            item for item in self.items
            if (item.kind is CutKind.PROVIDER and item.id == provider.id)
            or (item.kind is CutKind.OWNER and item.id in owners)
            or (item.kind is CutKind.COUNTRY and item.id == provider.country.upper())
        ]
        return min(hits, key=lambda i: _SPECIFICITY[i.kind]) if hits else None


def scenario_cut(scenario: Scenario) -> Cut:
    items = tuple(CutItem(CutKind(e.kind), e.id, e.reason, e.source, e.date) for e in scenario.entries)
    return Cut(items, scenario.title, scenario.description)


class Status(StrEnum):
    DOWN = "down"  # every provider of the function is cut
    DEGRADED = "degraded"  # some are cut, some remain
    UNAFFECTED = "unaffected"


@dataclass(frozen=True, slots=True)
class Loss:
    tether: Tether
    cause: CutItem


@dataclass(frozen=True, slots=True)
class Outcome:
    function: Function
    status: Status
    critical: bool
    lost: tuple[Loss, ...]
    kept: tuple[Tether, ...]


@dataclass(frozen=True, slots=True)
class WhatIf:
    organisation: str
    cut: Cut
    outcomes: tuple[Outcome, ...]
    unused: tuple[CutItem, ...]  # items that reach nothing in this map

    def having(self, status: Status) -> list[Function]:
        return [o.function for o in self.outcomes if o.status is status]

    @property
    def down(self) -> list[Function]:
        return self.having(Status.DOWN)

    @property
    def degraded(self) -> list[Function]:
        return self.having(Status.DEGRADED)

    @property
    def unaffected(self) -> list[Function]:
        return self.having(Status.UNAFFECTED)

    @property
    def critical_lost(self) -> list[Function]:
        """Critical functions left with no provider at all."""
        return [o.function for o in self.outcomes if o.critical and o.status is Status.DOWN]

    @property
    def losses(self) -> list[Loss]:
        return [loss for o in self.outcomes for loss in o.lost]


def simulate(dmap: DependencyMap, cut: Cut) -> WhatIf:
    """The map with the cut applied, function by function (in vocabulary order)."""
    outcomes = []
    for function in dmap.functions():
        lost, kept = [], []
        for tether in dmap.by_function(function):
            cause = cut.reaches(tether.provider)
            if cause is None:
                kept.append(tether)
            else:
                lost.append(Loss(tether, cause))
        status = Status.UNAFFECTED if not lost else Status.DOWN if not kept else Status.DEGRADED
        critical = function in dmap.critical or any(t.critical for t in dmap.by_function(function))
        outcomes.append(Outcome(function, status, critical, tuple(lost), tuple(kept)))
    # An item is used when it reaches some tether, even where a more specific item is named as the cause.
    unused = tuple(i for i in cut.items if not any(Cut((i,)).reaches(t.provider) for t in dmap.tethers))
    return WhatIf(dmap.organisation, cut, tuple(outcomes), unused)


# -- who can switch us off ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Owner:
    id: str
    name: str
    country: str


def owner_of(provider: ProviderRef) -> Owner:
    """The ultimate owner, the one company whose decision binds every provider it owns."""
    key = provider.owner_id or provider.owner or provider.id
    return Owner(key, provider.owner or key, provider.country)


@dataclass(frozen=True, slots=True)
class CutSet:
    owners: tuple[Owner, ...]  # sorted by id
    functions: tuple[Function, ...]  # critical functions these owners' joint decision takes down


@dataclass(frozen=True, slots=True)
class CutSets:
    """Minimal sets of owners that take a critical function down, smallest first.

    ``holders`` gives, per critical function, the owners that would all have to act to take
    it down. ``beyond`` lists the critical functions that need more than ``max_size`` of
    them: the bound of the search, so sets of that size are not reported.
    """

    sets: tuple[CutSet, ...]
    critical: tuple[Function, ...]
    critical_assumed: bool  # no function was marked critical, so every function was treated as one
    max_size: int
    holders: tuple[tuple[Function, tuple[Owner, ...]], ...] = ()
    beyond: tuple[tuple[Function, int], ...] = ()

    @property
    def complete(self) -> bool:
        return not self.beyond

    @property
    def single_points(self) -> tuple[CutSet, ...]:
        return tuple(s for s in self.sets if len(s.owners) == 1)


def critical_functions(dmap: DependencyMap) -> tuple[tuple[Function, ...], bool]:
    """The critical functions that have tethers, and whether they were assumed (none marked)."""
    present = dmap.functions()
    marked = [f for f in present if f in dmap.critical or any(t.critical for t in dmap.by_function(f))]
    if marked or dmap.critical:
        return tuple(marked), False
    return tuple(present), True


def minimal_cut_sets(dmap: DependencyMap, max_size: int = 3) -> CutSets:
    """Every inclusion-minimal set of at most ``max_size`` owners whose joint decision takes
    some critical function down. Exact, and without enumerating combinations:

    A function goes down exactly when every owner holding it acts, so the one minimal set
    that takes function f down is O(f), the set of its owners. A set takes *some* critical
    function down iff it contains some O(f); the minimal such sets are therefore the
    inclusion-minimal O(f). That costs one pass over the critical functions, however many
    owners there are, instead of C(n, k) combinations.
    """
    if max_size < 1:
        raise ValueError("max_size must be at least 1")
    critical, assumed = critical_functions(dmap)
    holders: dict[Function, dict[str, Owner]] = {}
    for function in critical:
        owners = {}
        for tether in dmap.by_function(function):
            owner = owner_of(tether.provider)
            owners.setdefault(owner.id, owner)
        holders[function] = owners
    candidates = {frozenset(owners) for owners in holders.values()}
    minimal = [c for c in candidates if not any(other < c for other in candidates)]
    known = {oid: o for owners in holders.values() for oid, o in owners.items()}
    sets = []
    for ids in minimal:
        if len(ids) > max_size:
            continue
        functions = tuple(f for f in critical if set(holders[f]) <= ids)
        sets.append(CutSet(tuple(known[i] for i in sorted(ids)), functions))
    sets.sort(key=lambda s: (len(s.owners), [o.id for o in s.owners]))
    # Any set that takes f down contains all of f's owners, so past the bound none is reported.
    beyond = tuple((f, len(holders[f])) for f in critical if len(holders[f]) > max_size)
    by_function = tuple((f, tuple(holders[f][i] for i in sorted(holders[f]))) for f in critical)
    return CutSets(tuple(sets), critical, assumed, max_size, by_function, beyond)


def single_points_of_failure(dmap: DependencyMap) -> CutSets:
    """Owners whose decision alone takes a critical function down (the cut sets of size one)."""
    return minimal_cut_sets(dmap, max_size=1)
