"""From files to the ``tethers/attack@1`` report: read, aggregate, attribute, assess.

The report is a plain, JSON-ready dict so that every renderer (terminal, Markdown,
HTML, JSON) shows the same content from one definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from tethers.attack.accesslog import LogFormat
from tethers.attack.aggregate import Aggregator, Filters, Frame
from tethers.attack.assess import baseline_sources, measure
from tethers.attack.classify import NetClass
from tethers.attack.enrich import attribute
from tethers.attack.episodes import Episode, episodes, series
from tethers.attack.read import FileStats, read_file
from tethers.attack.trust import claims, indicators, summary, trust_level
from tethers.errors import InputError
from tethers.geo import data_sources

SCHEMA = "tethers/attack@1"
MAX_POINTS = 1440  # time-series points per vector in the report; longer spans are summed into wider bins

LIMITS = [
    "Geolocation and AS data are offline snapshots (ip-location-db); they place an address's network, not a person.",
    "Hosting versus residential is judged from the knowledge base's provider networks and AS names; carriers that "
    "also run data centres, and residential proxy services, blur the line.",
    "No VPN-endpoint or Tor-exit list ships with tethers, so neither is assessed.",
    "Spoofing signs need flow or capture data; TTL tests need a TTL column.",
]


@dataclass
class Options:
    log_format: LogFormat | None = None
    filters: Filters = field(default_factory=Filters)
    baseline: tuple[int, int] | None = None  # epoch seconds [from, to)
    forwarded: bool = False  # clients from X-Forwarded-For (servers behind a proxy or CDN)


def analyse(paths: Sequence[Path], options: Options | None = None) -> dict[str, Any]:
    """The report for ``paths``; InputError only when no file gave a single record."""
    options = options or Options()
    agg = Aggregator(options.filters, baseline=options.baseline)
    files: list[FileStats] = []
    for path in paths:
        stats = FileStats(str(path))
        files.append(stats)
        for batch in read_file(path, stats, options.log_format, options.forwarded):
            agg.add(batch, stats)
    frame = agg.finish()
    if not len(frame):
        raise InputError(_nothing(files, frame))
    return build(frame, files, options)


def _nothing(files: list[FileStats], frame: Frame) -> str:
    if frame.excluded:
        return f"no record is left after the filters ({frame.excluded:,} left out)"
    reasons = [f"{f.path}: {f.skipped}" for f in files if f.skipped]
    if reasons:
        return "nothing could be read: " + "; ".join(reasons[:3])
    bad = sum(f.malformed for f in files)
    return f"nothing could be read: no line of {len(files)} file(s) is a known log or flow format ({bad:,} malformed)"


def build(frame: Frame, files: list[FileStats], options: Options) -> dict[str, Any]:
    attr = attribute(np.unique(frame.src), frame.v6, frame.destinations)
    s = series(frame)
    eps = episodes(s)
    out_eps = []
    for ep in eps:
        base = baseline_sources(frame, eps, ep.start)
        m = measure(frame, attr, ep, base)
        fired = indicators(ep, m)
        level = trust_level(ep, fired)
        out_eps.append(_episode(ep, m, fired, level))
    return {
        "schema": SCHEMA,
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": [_file(f) for f in files],
        "filters": _filters(options),
        "span": {"start": _iso(s.start), "end": _iso(s.start + len(next(iter(s.by_vector.values()))))},
        "totals": _totals(frame),
        "series": _series(s),
        "episodes": out_eps,
        "limits": LIMITS,
        "data_sources": [{"name": d.name, "attribution": d.attribution} for d in _sources()],
    }


def _sources() -> list[Any]:
    try:
        return list(data_sources())
    except Exception:  # noqa: BLE001 - provenance is a footnote; its absence must not sink a report
        return []


def _episode(ep: Episode, m: Any, fired: list[dict[str, Any]], level: str) -> dict[str, Any]:
    return {
        "vector": ep.vector.label, "unit": ep.vector.unit, "surge": ep.surge,
        "start": _iso(ep.start), "end": _iso(ep.end), "minutes": ep.minutes,
        "peak": {"minute": _iso(ep.peak_minute), "rate": ep.peak_rate}, "usual_rate": ep.usual_rate,
        "total": m.total, "records": m.records, "bytes": m.nbytes,
        "sources": m.sources, "prefixes": m.prefixes, "countries": m.countries, "asns": m.asns,
        "median_per_source": m.median_per_source,
        "new_sources": m.new_sources, "new_share": m.new_share, "baseline_sources": m.baseline_sources,
        "network_classes": m.shares,
        "by_country": m.countries_top, "by_asn": m.asns_top, "by_provider": m.providers_top,
        "by_prefix": m.prefixes_top, "top_talkers": m.talkers,
        "ttl": m.ttl, "source_ports": m.sport, "destination_ports": m.dport,
        "trust": level, "summary": summary(ep, m, level),
        "indicators": fired, "claims": claims(ep, m, level, fired),
    }


def _file(f: FileStats) -> dict[str, Any]:
    return {"path": f.path, "format": f.format or None, "lines": f.lines, "records": f.records,
            "malformed": f.malformed, "malformed_samples": f.samples, "times_without_zone": f.zoneless,
            "forwarded_clients": f.forwarded,
            "skipped": f.skipped or None}


def _filters(options: Options) -> dict[str, Any]:
    f = options.filters
    return {"since": _iso(f.since // 60) if f.since is not None else None,
            "until": _iso(f.until // 60) if f.until is not None else None,
            "target": str(f.target) if f.target is not None else f.host,
            "client_ip": "forwarded" if options.forwarded else "remote",
            "baseline": [_iso(options.baseline[0] // 60), _iso(options.baseline[1] // 60)] if options.baseline else None}


def _totals(frame: Frame) -> dict[str, Any]:
    from tethers.attack.records import Vector
    out: dict[str, Any] = {"excluded_by_filters": frame.excluded, "by_vector": {}}
    for v in np.unique(frame.vector).tolist():
        mask = frame.vector == v
        out["by_vector"][Vector(v).label] = {"records": float(frame.count[mask].sum()),
                                             "weight": float(frame.weight[mask].sum()),
                                             "bytes": float(frame.nbytes[mask].sum()),
                                             "unit": Vector(v).unit}
    out["network_classes"] = [c.label for c in NetClass]
    return out


def _series(s: Any) -> dict[str, Any]:
    if not s.by_vector:
        return {"start": None, "step_minutes": 1, "values": {}}
    span = len(next(iter(s.by_vector.values())))
    step = max(1, -(-span // MAX_POINTS))
    values = {}
    for vector, data in s.by_vector.items():
        padded = np.zeros(-(-span // step) * step)
        padded[:span] = data
        values[vector.label] = [float(x) for x in padded.reshape(-1, step).sum(axis=1)]
    return {"start": _iso(s.start), "step_minutes": step, "values": values}


def _iso(minute: int) -> str:
    return datetime.fromtimestamp(minute * 60, UTC).strftime("%Y-%m-%dT%H:%MZ")
