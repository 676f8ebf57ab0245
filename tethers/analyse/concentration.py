"""How few companies and jurisdictions an organisation (or a whole portfolio) leans on.

``concentration(map)`` looks at one organisation: per function, how many independent
providers (distinct ultimate owners) and owner countries hold it; which owners hold
several functions at once; and a Herfindahl–Hirschman index over the tethers each
owner holds.

``portfolio(maps)`` looks across many organisations, e.g. the vendors a company relies
on: which providers, owners and owner countries most of them depend on, per function.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from tethers.analyse.whatif import Owner, owner_of
from tethers.model import DependencyMap, ProviderRef, Tether
from tethers.types import Function

HHI_EXPLAINED = (
    "Herfindahl–Hirschman index over the tethers each ultimate owner holds: the sum of squared "
    "shares, from 1/n when n owners hold equal shares to 1.0 when one owner holds every tether. "
    "Times 10,000 it is the scale competition authorities use; the 2023 US merger guidelines "
    "call a market above 1,800 highly concentrated."
)


@dataclass(frozen=True, slots=True)
class FunctionSpread:
    function: Function
    critical: bool
    providers: tuple[str, ...]  # provider ids
    owners: tuple[Owner, ...]  # distinct ultimate owners: the independent providers
    countries: tuple[str, ...]  # the owners' countries

    @property
    def independent(self) -> int:
        """Providers that do not share an ultimate owner: one decision each."""
        return len(self.owners)


@dataclass(frozen=True, slots=True)
class Holding:
    owner: Owner
    functions: tuple[Function, ...]
    providers: tuple[str, ...]
    tethers: int


@dataclass(frozen=True, slots=True)
class Concentration:
    organisation: str
    functions: tuple[FunctionSpread, ...]
    holdings: tuple[Holding, ...]  # most tethers first
    tethers: int
    hhi: float  # over tethers per ultimate owner, 0–1
    country_hhi: float  # the same over owner countries

    @property
    def multi_function(self) -> tuple[Holding, ...]:
        """Owners holding two functions or more: one decision, several functions lost."""
        return tuple(h for h in self.holdings if len(h.functions) > 1)

    @property
    def effective_owners(self) -> float:
        """1 / HHI: the number of equal-sized owners that would give the same index."""
        return 1 / self.hhi if self.hhi else 0.0


def hhi(counts: Iterable[int]) -> float:
    """Sum of squared shares; 0.0 for nothing at all."""
    values = [c for c in counts if c > 0]
    total = sum(values)
    return sum((c / total) ** 2 for c in values) if total else 0.0


def _sorted_owners(owners: Iterable[Owner]) -> tuple[Owner, ...]:
    return tuple(sorted(dict.fromkeys(owners), key=lambda o: o.id))


def concentration(dmap: DependencyMap) -> Concentration:
    spreads = []
    for function in dmap.functions():
        tethers = dmap.by_function(function)
        owners = _sorted_owners(owner_of(t.provider) for t in tethers)
        spreads.append(FunctionSpread(
            function=function,
            critical=function in dmap.critical or any(t.critical for t in tethers),
            providers=tuple(sorted({t.provider.id for t in tethers})),
            owners=owners,
            countries=tuple(sorted({o.country for o in owners if o.country})),
        ))
    by_owner: dict[str, list[Tether]] = {}
    owners: dict[str, Owner] = {}
    for tether in dmap.tethers:
        owner = owner_of(tether.provider)
        owners.setdefault(owner.id, owner)
        by_owner.setdefault(owner.id, []).append(tether)
    order = list(Function)
    holdings = [
        Holding(
            owner=owners[oid],
            functions=tuple(sorted({t.function for t in held}, key=order.index)),
            providers=tuple(sorted({t.provider.id for t in held})),
            tethers=len(held),
        )
        for oid, held in by_owner.items()
    ]
    holdings.sort(key=lambda h: (-h.tethers, -len(h.functions), h.owner.id))
    countries = Counter(owner_of(t.provider).country or "?" for t in dmap.tethers)
    return Concentration(
        organisation=dmap.organisation,
        functions=tuple(spreads),
        holdings=tuple(holdings),
        tethers=len(dmap.tethers),
        hhi=hhi(len(held) for held in by_owner.values()),
        country_hhi=hhi(countries.values()),
    )


# -- across a portfolio ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reliance:
    """One provider, owner or owner country and how many targets depend on it.

    ``sole`` counts the targets where it alone holds at least one function: there, its
    decision takes that function down.
    """

    kind: str  # "provider", "owner" or "country"
    id: str
    name: str
    country: str
    targets: int
    sole: int
    by_function: tuple[tuple[Function, int], ...]  # targets depending on it for each function


@dataclass(frozen=True, slots=True)
class Portfolio:
    names: tuple[str, ...]  # the targets' organisations
    providers: tuple[Reliance, ...]  # most targets first
    owners: tuple[Reliance, ...]
    countries: tuple[Reliance, ...]
    function_targets: tuple[tuple[Function, int], ...]  # how many targets have each function at all

    @property
    def targets(self) -> int:
        return len(self.names)


def _keys(kind: str, provider: ProviderRef) -> tuple[str, str, str]:
    """(id, display name, country) of the entity of ``kind`` behind a provider."""
    if kind == "provider":
        return provider.id, provider.name, provider.country
    owner = owner_of(provider)
    if kind == "owner":
        return owner.id, owner.name, owner.country
    return owner.country or "?", owner.country or "?", owner.country or "?"


def _rank(kind: str, maps: list[DependencyMap]) -> tuple[Reliance, ...]:
    targets: Counter[str] = Counter()
    sole: Counter[str] = Counter()
    per_function: dict[str, Counter[Function]] = {}
    labels: dict[str, tuple[str, str]] = {}
    for dmap in maps:
        seen: set[str] = set()
        sole_here: set[str] = set()
        for function in dmap.functions():
            keys = set()
            for tether in dmap.by_function(function):
                key, name, country = _keys(kind, tether.provider)
                labels.setdefault(key, (name, country))
                keys.add(key)
            for key in keys:
                per_function.setdefault(key, Counter())[function] += 1
            seen |= keys
            if len(keys) == 1:
                sole_here |= keys
        targets.update(seen)
        sole.update(sole_here)
    order = list(Function)
    out = [
        Reliance(kind, key, labels[key][0], labels[key][1], count, sole[key],
                 tuple(sorted(per_function[key].items(), key=lambda item: order.index(item[0]))))
        for key, count in targets.items()
    ]
    out.sort(key=lambda r: (-r.targets, -r.sole, r.id))
    return tuple(out)


def portfolio(maps: Iterable[DependencyMap]) -> Portfolio:
    """Which providers, owners and owner countries the targets lean on, ranked by reach."""
    maps = list(maps)
    function_targets: Counter[Function] = Counter()
    for dmap in maps:
        function_targets.update(dmap.functions())
    order = list(Function)
    return Portfolio(
        names=tuple(m.organisation for m in maps),
        providers=_rank("provider", maps),
        owners=_rank("owner", maps),
        countries=_rank("country", maps),
        function_targets=tuple(sorted(function_targets.items(), key=lambda item: order.index(item[0]))),
    )
