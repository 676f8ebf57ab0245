"""Flow records: AWS VPC flow logs and CSV exports of NetFlow/IPFIX-style flows.

VPC flow logs are space-separated, usually with a header naming the fields; without
one the default version-2 layout is assumed:
``2 123456789010 eni-1235b8ca 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK``.
``pkt-srcaddr`` (version 3 and later) is preferred to ``srcaddr`` when present: it is the
packet's own source before NAT. Records with no data (``NODATA``/``SKIPDATA``) are skipped.

CSV exports need a header; columns are found by name (see ``tethers.attack.columns``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np

from tethers.attack.columns import flags_column, int_column, map_header, proto_column
from tethers.attack.records import Batch, flow_batch
from tethers.attack.timeparse import BAD, parse_times

VPC_DEFAULT = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
               "start end action log-status").split()
_VPC_FIELDS = {"srcaddr": "src", "pkt-srcaddr": "pkt_src", "dstaddr": "dst", "pkt-dstaddr": "pkt_dst",
               "srcport": "sport", "dstport": "dport", "protocol": "proto", "packets": "packets",
               "bytes": "bytes", "start": "time", "tcp-flags": "flags"}


def _csv_row(line: str) -> list[str]:
    """One line's CSV fields; a quote never continues onto the next line (a flow record is one line)."""
    if '"' not in line:
        return line.split(",")
    return next(csv.reader((line,)), [])


@dataclass(frozen=True)
class FlowFormat:
    """A flow layout: which column holds which field, and how lines split."""

    name: str
    columns: dict[str, int]
    width: int
    csv: bool
    header: str = ""  # the header line, skipped wherever it repeats (concatenated files)

    def parse(self, text: str) -> tuple[list[Batch], list[str]]:
        rows: list[list[str]] = []
        rejected: list[str] = []
        lines = text.splitlines()
        for line in lines:
            row = _csv_row(line) if self.csv else line.split()
            if self.header and line.strip() == self.header:
                continue
            if len(row) == self.width:
                rows.append(row)
            elif line.strip():
                rejected.append(line)
        if not rows:
            return [], rejected
        cols = list(zip(*rows, strict=True))
        def col(field: str) -> list[str] | None:
            index = self.columns.get(field)
            return list(cols[index]) if index is not None else None
        src = col("pkt_src") or col("src") or []
        if "pkt_src" in self.columns and "src" in self.columns:  # "-" when no NAT was involved
            src = [p if p != "-" else s for p, s in zip(src, col("src") or [], strict=True)]
        keep = np.array([s not in ("-", "") for s in src], dtype=bool)  # NODATA / SKIPDATA records
        times, zoneless = parse_times(col("time") or [""] * len(rows))
        bad_time = (times == BAD) & keep
        for i in np.flatnonzero(bad_time).tolist():
            rejected.append(" ".join(rows[i]) + ": time not understood")
        n = len(rows)
        default = np.full(n, -1, dtype=np.int64)
        get = lambda f: int_column(c) if (c := col(f)) is not None else default.copy()  # noqa: E731
        batch = flow_batch(
            times, src, col("pkt_dst") or col("dst"),
            proto_column(c) if (c := col("proto")) is not None else default.copy(),
            get("sport"), get("dport"), np.maximum(get("packets"), 0), np.maximum(get("bytes"), 0),
            flags_column(c) if (c := col("flags")) is not None else default.copy(), get("ttl"),
        )
        batch.extra["zoneless"] = zoneless
        batch.extra["nodata"] = int((~keep).sum())
        ok = keep & ~bad_time
        return [batch if ok.all() else batch.take(ok)], rejected


def vpc_format(header_line: str | None) -> FlowFormat:
    names = header_line.split() if header_line else VPC_DEFAULT
    columns = {_VPC_FIELDS[n]: i for i, n in enumerate(names) if n in _VPC_FIELDS}
    return FlowFormat("aws-vpc-flow", columns, len(names), csv=False, header=(header_line or "").strip())


def csv_format(header_line: str) -> FlowFormat | None:
    """The CSV layout a header names, or None when it lacks a source address column."""
    row = next(csv.reader(io.StringIO(header_line)), [])
    columns = map_header(row)
    if "src" not in columns or "time" not in columns:
        return None
    return FlowFormat("flow-csv", columns, len(row), csv=True, header=header_line.strip())


def is_vpc_header(line: str) -> bool:
    names = line.split()
    return "srcaddr" in names and "dstaddr" in names


def looks_like_vpc(line: str) -> bool:
    """A default-format VPC record: version 2, 14 fields, an account id and an ENI."""
    parts = line.split()
    return len(parts) == 14 and parts[0] == "2" and parts[2].startswith("eni-")
