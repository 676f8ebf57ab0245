"""Scan results to plain dicts and back: the ``tethers/scan@1`` JSON contract.

Pure functions; the JSON renderer, the JSONL writer and the history store all
go through here so the contract has one definition.
"""

from __future__ import annotations

from typing import Any

from tethers.model.evidence import CollectError, Evidence
from tethers.model.result import Dependency, Location, ProviderRef, ScanResult, Unattributed
from tethers.types import Function, Mode

SCHEMA = "tethers/scan@1"


def evidence_to_dict(ev: Evidence) -> dict[str, Any]:
    out: dict[str, Any] = {"source": ev.source, "name": ev.name, "value": ev.value}
    if ev.target:
        out["target"] = ev.target
    if ev.via is not None:
        out["via"] = [
            {"source": a.source, "name": a.name, "value": a.value} for a in ev.chain()[1:]
        ]
    return out


def evidence_from_dict(data: dict[str, Any]) -> Evidence:
    via: Evidence | None = None
    for step in reversed(data.get("via", [])):
        via = Evidence(step["source"], step["name"], step["value"], via=via)
    return Evidence(data["source"], data["name"], data["value"], data.get("target", ""), via)


def location_to_dict(loc: Location) -> dict[str, Any]:
    return {"ip": loc.ip, "country": loc.country, "asn": loc.asn, "as_name": loc.as_name}


def location_from_dict(data: dict[str, Any]) -> Location:
    return Location(data["ip"], data.get("country"), data.get("asn"), data.get("as_name"))


def provider_to_dict(p: ProviderRef) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "owner": p.owner,
        "country": p.country,
        "owner_id": p.owner_id,
        "operator": p.operator,
        "ownership": list(p.ownership),
    }


def provider_from_dict(data: dict[str, Any]) -> ProviderRef:
    return ProviderRef(
        id=data["id"],
        name=data["name"],
        owner=data["owner"],
        country=data["country"],
        owner_id=data.get("owner_id", ""),
        operator=data.get("operator", ""),
        ownership=tuple(data.get("ownership", ())),
    )


def dependency_to_dict(dep: Dependency) -> dict[str, Any]:
    return {
        "function": dep.function.value,
        "provider": provider_to_dict(dep.provider),
        "evidence": [evidence_to_dict(e) for e in dep.evidence],
        "locations": [location_to_dict(loc) for loc in dep.locations],
        "rules": list(dep.rules),
    }


def dependency_from_dict(data: dict[str, Any]) -> Dependency:
    return Dependency(
        function=Function(data["function"]),
        provider=provider_from_dict(data["provider"]),
        evidence=tuple(evidence_from_dict(e) for e in data["evidence"]),
        locations=tuple(location_from_dict(loc) for loc in data.get("locations", ())),
        rules=tuple(data.get("rules", ())),
    )


def unattributed_to_dict(u: Unattributed) -> dict[str, Any]:
    return {
        "function": u.function.value if u.function else None,
        "domain": u.domain,
        "evidence": evidence_to_dict(u.evidence),
        "locations": [location_to_dict(loc) for loc in u.locations],
    }


def unattributed_from_dict(data: dict[str, Any]) -> Unattributed:
    return Unattributed(
        function=Function(data["function"]) if data.get("function") else None,
        domain=data["domain"],
        evidence=evidence_from_dict(data["evidence"]),
        locations=tuple(location_from_dict(loc) for loc in data.get("locations", ())),
    )


def error_to_dict(err: CollectError) -> dict[str, Any]:
    return {"name": err.name, "rdtype": err.rdtype, "reason": err.reason, "detail": err.detail}


def error_from_dict(data: dict[str, Any]) -> CollectError:
    return CollectError(data["name"], data["rdtype"], data["reason"], data.get("detail", ""))


def scan_to_dict(scan: ScanResult) -> dict[str, Any]:
    return {
        "domain": scan.domain,
        "mode": scan.mode.value,
        "started": scan.started,
        "finished": scan.finished,
        "resolver": scan.resolver,
        "queries": scan.queries,
        "evidence_count": scan.evidence_count,
        "dependencies": [dependency_to_dict(d) for d in scan.dependencies],
        "unattributed": [unattributed_to_dict(u) for u in scan.unattributed],
        "errors": [error_to_dict(e) for e in scan.errors],
        "apex": {k: list(v) for k, v in sorted(scan.apex.items())},
        "meta": dict(scan.meta),
    }


def scan_from_dict(data: dict[str, Any]) -> ScanResult:
    return ScanResult(
        domain=data["domain"],
        mode=Mode(data["mode"]),
        started=data["started"],
        finished=data["finished"],
        resolver=data["resolver"],
        dependencies=tuple(dependency_from_dict(d) for d in data["dependencies"]),
        unattributed=tuple(unattributed_from_dict(u) for u in data["unattributed"]),
        errors=tuple(error_from_dict(e) for e in data["errors"]),
        evidence_count=data.get("evidence_count", 0),
        queries=data.get("queries", 0),
        apex={k: tuple(v) for k, v in data.get("apex", {}).items()},
        meta=dict(data.get("meta", {})),
    )


def document(scans: list[ScanResult]) -> dict[str, Any]:
    """The top-level JSON document for one or more scans."""
    return {"schema": SCHEMA, "scans": [scan_to_dict(s) for s in scans]}
