"""JSON lines: one object a line, from web servers (nginx ``escape=json``, Caddy, ECS) or flow tools.

Fields are found by key (see ``tethers.attack.columns``), at the top level or one object
down (``{"source": {"ip": ...}}`` reads as ``source.ip``; ``{"request": {"remote_ip": ...}}``
as Caddy writes it). An object with a protocol or a packet count is a flow; any other
is an HTTP request.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from tethers.attack.columns import field_of, flags_column, int_column, proto_column
from tethers.attack.forwarded import clients
from tethers.attack.records import Batch, flow_batch, http_batch
from tethers.attack.timeparse import BAD, parse_times

_ENDPOINT = frozenset({"src", "sport"})  # inner names that mean the source only under a source-like key


def _fields(obj: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    def take(key: str, value: Any) -> None:
        field = field_of(key)
        if field is not None and field not in found and isinstance(value, str | int | float) \
                and not isinstance(value, bool):
            found[field] = str(value)
    for key, value in obj.items():
        if isinstance(value, dict):
            for inner, v in value.items():
                take(f"{key}_{inner}", v)
        else:
            take(key, value)
    for key, value in obj.items():  # {"client": {"ip": ...}}: the inner name alone, after the full names
        if isinstance(value, dict):
            for inner, v in value.items():
                field = field_of(inner)
                if field in _ENDPOINT and key.lower() not in ("source", "client", "request", "remote"):
                    continue  # {"destination": {"ip": ...}} is not the source
                take(inner, v)
    return found


class JsonLines:
    name = "json"

    def __init__(self, forwarded: bool = False) -> None:
        self.forwarded = forwarded  # take the client from X-Forwarded-For where the object has it

    def parse(self, text: str) -> tuple[list[Batch], list[str]]:
        web: list[dict[str, str]] = []
        flows: list[dict[str, str]] = []
        rejected: list[str] = []
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except (ValueError, RecursionError):
                rejected.append(line)
                continue
            found = _fields(obj) if isinstance(obj, dict) else {}
            if "src" not in found or "time" not in found:
                rejected.append(line)
            elif "proto" in found or "packets" in found:
                flows.append(found)
            else:
                web.append(found)
        batches = [b for b in (self._web(web, rejected), self._flows(flows, rejected)) if b is not None]
        return batches, rejected

    @staticmethod
    def _times(rows: list[dict[str, str]], rejected: list[str]) -> tuple[np.ndarray, np.ndarray, int]:
        times, zoneless = parse_times([r["time"] for r in rows])
        ok = times != BAD
        for i in np.flatnonzero(~ok).tolist():
            rejected.append(f"{rows[i]['src']} {rows[i]['time']!r}: time not understood")
        return times, ok, zoneless

    def _web(self, rows: list[dict[str, str]], rejected: list[str]) -> Batch | None:
        if not rows:
            return None
        times, ok, zoneless = self._times(rows, rejected)
        col = lambda f: [r.get(f, "") for r in rows]  # noqa: E731
        host = col("host") if any("host" in r for r in rows) else None
        dst = col("dst") if any("dst" in r for r in rows) else None
        src, forwarded = col("src"), 0
        if self.forwarded:
            src, forwarded = clients(src, col("xff"))
        batch = http_batch(times, src, np.maximum(int_column(col("bytes"), 0), 0), dst=dst, host=host,
                           sport=int_column(col("sport")), dport=int_column(col("dport")))
        batch.extra["zoneless"] = zoneless
        batch.extra["forwarded"] = forwarded
        return batch if ok.all() else batch.take(ok)

    def _flows(self, rows: list[dict[str, str]], rejected: list[str]) -> Batch | None:
        if not rows:
            return None
        times, ok, zoneless = self._times(rows, rejected)
        col = lambda f: [r.get(f, "") for r in rows]  # noqa: E731
        batch = flow_batch(times, col("src"), col("dst"), proto_column(col("proto")), int_column(col("sport")),
                           int_column(col("dport")), np.maximum(int_column(col("packets"), 1), 0),
                           np.maximum(int_column(col("bytes"), 0), 0), flags_column(col("flags")),
                           int_column(col("ttl")))
        batch.extra["zoneless"] = zoneless
        return batch if ok.all() else batch.take(ok)
