"""Source CSVs → a generated dataset file and its provenance.

Rows look like ``1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."`` (asn) or
``2001:200::,2001:218:2000:51:ffff:ffff:ffff:ffff,AU`` (country): an inclusive
range and its value. Upstream rows are sorted but not always disjoint: the
2026-06 country snapshot nests a few hundred geofeed ranges inside whois blocks
(``2.58.196.0-2.58.197.255 DE`` holds ``2.58.197.15 BE``), and a few ranges
partly overlap. We flatten them the way routing does: every address takes the
value of the narrowest range that holds it, and of two identical ranges the
later row wins.
"""

from __future__ import annotations

import csv
import heapq
import socket
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from tethers.errors import TethersError
from tethers.geo.address import V4_DTYPE, v6_keys
from tethers.geo.datasets import UPSTREAM_PROJECT, DatasetSpec
from tethers.geo.files import FORMAT, DatasetArrays, data_path, provenance_path, sha256_file, write_dataset, write_provenance
from tethers.geo.table import VALUE_DTYPE, RangeTable

ErrorFactory = Callable[[str], TethersError]
Range = tuple[int, int, int]  # first, last, value index

_FAMILY = {4: socket.AF_INET, 6: socket.AF_INET6}


@dataclass(frozen=True, slots=True)
class Snapshot:
    """When upstream made the data, and how we know."""

    date: date
    basis: str  # "package-version", "last-modified" or "download-time"
    version: str | None = None  # upstream package version, e.g. "2.3.2026061719"
    package: str | None = None  # upstream package name, e.g. "@ip-location-db/asn"


@dataclass(frozen=True, slots=True)
class SourceFile:
    version: int  # IP version
    path: Path
    label: str  # how errors name it: the URL it came from
    url: str  # recorded in provenance ("" for local files)


def _parse_address(text: str, version: int) -> int:
    try:
        return int.from_bytes(socket.inet_pton(_FAMILY[version], text), "big")
    except OSError:
        raise ValueError(f"not an IPv{version} address: {text!r}") from None


class _Values:
    """Interns row values into dense indexes, shared by the IPv4 and IPv6 parts."""

    def __init__(self) -> None:
        self.index: dict[Any, int] = {}

    def get(self, key: Any) -> int:
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.index)
        return found


def _value_key(spec: DatasetSpec, fields: list[str]) -> Any:
    if spec.kind == "asn":
        text = fields[2]
        if not (text.isascii() and text.isdigit()) or int(text) >= 1 << 32:
            raise ValueError(f"bad AS number {text!r}")
        asn = int(text)
        return asn, fields[3].strip() or None
    code = fields[2]
    if len(code) != 2 or not code.isascii() or not code.isalpha() or not code.isupper():
        raise ValueError(f"bad country code {code!r}")
    return code


def read_ranges(
    spec: DatasetSpec, source: SourceFile, values: _Values, error: ErrorFactory
) -> list[Range]:
    """Parse one CSV; a bad row raises ``error`` naming the file and line."""
    rows: list[Range] = []
    lines = _Lines()
    try:
        with source.path.open("rb") as fh:
            try:
                for fields in csv.reader(lines.decode(fh), strict=True):
                    if not fields:
                        continue
                    if len(fields) != spec.columns:
                        raise ValueError(f"expected {spec.columns} fields, found {len(fields)}")
                    first = _parse_address(fields[0], source.version)
                    last = _parse_address(fields[1], source.version)
                    if last < first:
                        raise ValueError(f"range ends before it starts ({fields[0]} > {fields[1]})")
                    rows.append((first, last, values.get(_value_key(spec, fields))))
            except (ValueError, csv.Error) as exc:  # UnicodeDecodeError is a ValueError
                what = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(exc)
                raise error(f"{source.label} line {lines.number}: {what}") from None
    except OSError as exc:
        raise error(f"{source.label}: cannot read: {exc.strerror or exc}") from None
    return rows


class _Lines:
    """Decodes a binary file line by line, so an encoding error has an exact line number."""

    def __init__(self) -> None:
        self.number = 0

    def decode(self, fh: Iterable[bytes]) -> Iterator[str]:
        for raw in fh:
            self.number += 1
            yield raw.decode("utf-8")


def flatten(rows: list[Range]) -> tuple[list[Range], int]:
    """Disjoint sorted ranges with the narrowest-wins rule; also how many rows overlapped."""
    order = sorted(range(len(rows)), key=lambda i: rows[i][0])  # stable: row order among equal starts
    overlapping = 0
    reach = -1
    for i in order:
        if rows[i][0] <= reach:
            overlapping += 1
        reach = max(reach, rows[i][1])
    if not overlapping:
        return _merge_adjacent(rows[i] for i in order), 0

    out: list[Range] = []
    active: list[tuple[int, int, int, int]] = []  # (width, -row, last, value): narrowest, then latest, on top
    k, n, pos = 0, len(order), 0
    while k < n or active:
        if not active:
            pos = rows[order[k]][0]
        while k < n and rows[order[k]][0] <= pos:
            first, last, value = rows[order[k]]
            heapq.heappush(active, (last - first, -order[k], last, value))
            k += 1
        while active and active[0][2] < pos:
            heapq.heappop(active)
        if not active:
            continue
        _, _, last, value = active[0]
        end = last if k == n else min(last, rows[order[k]][0] - 1)
        out.append((pos, end, value))
        pos = end + 1
    return _merge_adjacent(out), overlapping


def _merge_adjacent(ranges: Iterable[Range]) -> list[Range]:
    out: list[Range] = []
    for first, last, value in ranges:
        if out and out[-1][1] + 1 == first and out[-1][2] == value:
            out[-1] = (out[-1][0], last, value)
        else:
            out.append((first, last, value))
    return out


def _table(v4: list[Range], v6: list[Range]) -> RangeTable:
    # Built column-wise: RangeTable.from_ranges checks each key, too slow for 400k rows.
    return RangeTable(
        np.fromiter((r[0] for r in v4), dtype=V4_DTYPE, count=len(v4)),
        np.fromiter((r[1] for r in v4), dtype=V4_DTYPE, count=len(v4)),
        np.fromiter((r[2] for r in v4), dtype=VALUE_DTYPE, count=len(v4)),
        v6_keys(r[0] for r in v6),
        v6_keys(r[1] for r in v6),
        np.fromiter((r[2] for r in v6), dtype=VALUE_DTYPE, count=len(v6)),
    )


def _arrays(spec: DatasetSpec, table: RangeTable, values: _Values) -> DatasetArrays:
    keys = list(values.index)  # insertion order = index order
    if spec.kind == "asn":
        return DatasetArrays(
            table, asn=np.array([k[0] for k in keys], dtype=np.uint32), names=tuple(k[1] for k in keys)
        )
    return DatasetArrays(table, countries=tuple(keys))


def _utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_dataset(
    spec: DatasetSpec,
    sources: list[SourceFile],
    snapshot: Snapshot,
    out_dir: Path,
    *,
    error: ErrorFactory,
    min_rows: int | None = None,
    fetched_from: str = "",
) -> dict[str, Any]:
    """Parse, check and write ``<name>.npz`` and ``<name>.provenance.json`` into ``out_dir``.

    ``min_rows`` overrides the dataset's own floor for each file (tests serve tiny files).
    Returns the provenance record.
    """
    from tethers import __version__

    values = _Values()
    parts: dict[int, list[Range]] = {4: [], 6: []}
    files: list[dict[str, Any]] = []
    overlapping: dict[str, int] = {}
    floors = spec.min_rows_by_version()
    for source in sources:
        rows = read_ranges(spec, source, values, error)
        floor = floors.get(source.version, 1) if min_rows is None else min_rows
        if len(rows) < floor:
            raise error(f"{source.label}: only {len(rows)} rows, expected at least {floor}; refusing a truncated file")
        parts[source.version], overlapping[f"ipv{source.version}"] = flatten(rows)
        files.append(
            {
                "name": source.path.name,
                "url": source.url,
                "rows": len(rows),
                "bytes": source.path.stat().st_size,
                "sha256": sha256_file(source.path),
            }
        )
    table = _table(parts[4], parts[6])
    target = data_path(out_dir, spec.name)
    write_dataset(target, _arrays(spec, table, values))
    record: dict[str, Any] = {
        "format": FORMAT,
        "dataset": spec.name,
        "title": spec.title,
        "source_url": f"{UPSTREAM_PROJECT}/tree/main/{spec.name}",
        "fetched_from": fetched_from,
        "upstream_package": snapshot.package,
        "upstream_version": snapshot.version,
        "snapshot_date": snapshot.date.isoformat(),
        "snapshot_basis": snapshot.basis,
        "licence": spec.licence,
        "attribution": spec.attribution,
        "licence_note": spec.licence_note,
        "built_at": _utc_now(),
        "built_by": f"tethers {__version__}",
        "source_files": files,
        "rows": {"ipv4": table.v4_rows, "ipv6": table.v6_rows},
        "overlapping_source_rows": overlapping,
        "values": len(values.index),
        "file": target.name,
        "bytes": target.stat().st_size,
        "sha256": sha256_file(target),
    }
    write_provenance(provenance_path(out_dir, spec.name), record)
    return record

