"""Traffic reports to plain dicts: the ``tethers/traffic@1`` JSON contract.

Evidence, providers and locations use the same shapes as ``tethers/scan@1``; times
are ISO 8601 UTC strings with the raw POSIX seconds beside them where a timeline
needs them.
"""

from __future__ import annotations

from typing import Any

from tethers.model.codec import evidence_to_dict, location_to_dict, provider_to_dict
from tethers.traffic import summary
from tethers.traffic.model import Endpoint, InputInfo, PolicyResult, TrafficReport, Violation, iso

SCHEMA = "tethers/traffic@1"


def _input(info: InputInfo) -> dict[str, Any]:
    warnings = list(info.warnings)
    if info.more_warnings:
        warnings.append(f"(+{info.more_warnings} more warnings)")
    return {
        "path": info.path, "format": info.format, "link": info.link, "snaplen": info.snaplen,
        "records": info.records, "first": iso(info.first), "last": iso(info.last), "warnings": warnings,
    }


def endpoint_to_dict(ep: Endpoint) -> dict[str, Any]:
    a = ep.attribution
    return {
        "server": ep.server,
        "name": ep.name,
        "names": list(ep.names),
        "ports": list(ep.ports),
        "protocols": list(ep.protocols),
        "flows": ep.flows,
        "packets_out": ep.packets_out,
        "packets_in": ep.packets_in,
        "bytes_out": ep.bytes_out,
        "bytes_in": ep.bytes_in,
        "first": iso(ep.first) if ep.flows else "",
        "last": iso(ep.last) if ep.flows else "",
        "location": location_to_dict(ep.location),
        "provider": provider_to_dict(a.provider) if a.provider else None,
        "function": a.function.value if a.function else None,
        "rule": a.rule,
        "matched": a.matched,
        "own": a.own,
        "local": a.local,
        "unattributed": None if a.provider or a.own or a.local else a.domain,
        "evidence": [evidence_to_dict(e) for e in ep.evidence],
        "inputs": list(ep.inputs),
        "notes": list(ep.notes),
    }


def _violations(items: tuple[Violation, ...], index: dict[int, int]) -> list[dict[str, Any]]:
    return [
        {
            "endpoint": index[id(v.endpoint)],
            "server": v.endpoint.server,
            "name": v.endpoint.name,
            "reasons": list(v.reasons),
            "bytes_out": v.endpoint.bytes_out,
            "bytes_in": v.endpoint.bytes_in,
            "first": iso(v.endpoint.first),
            "last": iso(v.endpoint.last),
        }
        for v in items
    ]


def _policy(result: PolicyResult, index: dict[int, int]) -> dict[str, Any]:
    return {
        "description": result.description,
        "violated": result.violated,
        "violations": _violations(result.violations, index),
        "warnings": _violations(result.warnings, index),
        "unlocated": [index[id(e)] for e in result.unlocated],
    }


def report_to_dict(report: TrafficReport) -> dict[str, Any]:
    eps = report.endpoints
    t = summary.totals(eps)
    index = {id(ep): i for i, ep in enumerate(eps)}
    return {
        "schema": SCHEMA,
        "started": report.started,
        "finished": report.finished,
        "inputs": [_input(i) for i in report.inputs],
        "summary": {
            "endpoints": t.endpoints,
            "flows": t.flows,
            "bytes_out": t.bytes_out,
            "bytes_in": t.bytes_in,
            "providers": t.providers,
            "unattributed": t.unattributed,
            "dns_answers": report.dns_answers,
            "first": iso(t.first),
            "last": iso(t.last),
            "by_provider": [
                {
                    "key": g.key, "label": g.label, "provider": provider_to_dict(g.provider) if g.provider else None,
                    "function": g.function or None, "endpoints": g.endpoints, "flows": g.flows,
                    "bytes_out": g.bytes_out, "bytes_in": g.bytes_in, "server_countries": dict(g.server_countries),
                }
                for g in summary.by_provider(eps)
            ],
            "by_owner_country": [{"country": c, "bytes": b, "providers": p} for c, b, p in summary.by_owner_country(eps)],
            "by_server_country": [{"country": c, "bytes": b, "endpoints": n} for c, b, n in summary.by_server_country(eps)],
        },
        "endpoints": [endpoint_to_dict(ep) for ep in eps],
        "policy": _policy(report.policy, index) if report.policy is not None else None,
    }
