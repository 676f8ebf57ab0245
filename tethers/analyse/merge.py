"""Declared + discovered dependencies → one DependencyMap, each tether keeping its origin."""

from __future__ import annotations

from collections.abc import Iterable

from tethers.kb import KnowledgeBase
from tethers.model import DependencyMap, Inventory, Origin, ScanResult, Tether
from tethers.types import Function


def merge(scans: Iterable[ScanResult], inventory: Inventory | None, kb: KnowledgeBase, organisation: str = "") -> DependencyMap:
    """One tether per (function, provider): discovered across every scan, declared by the inventory, or both.

    A function is critical when the inventory lists it under ``critical`` or marks any
    declared dependency for it ``critical = true``.
    """
    scans = tuple(scans)
    found: dict[tuple[Function, str], dict[str, object]] = {}
    for scan in scans:
        for dep in scan.dependencies:
            slot = found.setdefault((dep.function, dep.provider.id), {
                "provider": dep.provider, "evidence": {}, "locations": {}, "domains": {}, "declared": None,
            })
            slot["evidence"].update(dict.fromkeys(dep.evidence))  # type: ignore[union-attr]
            slot["locations"].update({loc.ip: loc for loc in dep.locations})  # type: ignore[union-attr]
            slot["domains"][scan.domain] = None  # type: ignore[index]
    critical = set(inventory.critical) if inventory else set()
    for declared in inventory.dependencies if inventory else ():
        slot = found.setdefault((declared.function, declared.provider_id), {
            "provider": kb.provider(declared.provider_id), "evidence": {}, "locations": {}, "domains": {},
            "declared": None,
        })
        slot["declared"] = declared
        if declared.critical:
            critical.add(declared.function)
    tethers = []
    for (function, _), slot in found.items():
        declared = slot["declared"]
        discovered = bool(slot["domains"])
        origin = Origin.BOTH if declared and discovered else Origin.DECLARED if declared else Origin.DISCOVERED
        tethers.append(Tether(
            function=function,
            provider=slot["provider"],  # type: ignore[arg-type]
            origin=origin,
            critical=function in critical,
            evidence=tuple(slot["evidence"]),  # type: ignore[arg-type]
            locations=tuple(slot["locations"].values()),  # type: ignore[union-attr]
            domains=tuple(slot["domains"]),  # type: ignore[arg-type]
            note=declared.note if declared else "",  # type: ignore[union-attr]
        ))
    order = list(Function)
    tethers.sort(key=lambda t: (order.index(t.function), t.provider.id))
    name = organisation or (inventory.organisation if inventory else "") or (scans[0].domain if scans else "")
    return DependencyMap(name, tuple(tethers), frozenset(critical), scans)
