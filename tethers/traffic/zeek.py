"""Zeek logs (TSV with ``#fields`` headers, or JSON lines) → DNS answers and flows.

``dns.log`` maps addresses to names; ``ssl.log`` gives each connection's SNI and
``http.log`` its Host, joined to ``conn.log`` by the connection ``uid``; ``conn.log``
gives the bytes, packets and times. Logs are streamed line by line; only the
uid → name tables of ssl and http logs are held, until conn.log is read. A TLS or
HTTP connection with no conn.log line still becomes a flow, without byte counts.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, BinaryIO

from tethers.traffic.dnsmsg import Answer
from tethers.traffic.model import Flow, InputInfo
from tethers.traffic.names import DnsMap

Sink = Callable[[Flow], None]
SERVICES = {"ssl": "tls", "http": "http", "dns": "dns", "quic": "quic"}


class ZeekState:
    """What ssl and http logs said about connections, waiting for conn.log."""

    def __init__(self) -> None:
        self.sni: dict[str, tuple[str, dict[str, Any]]] = {}
        self.host: dict[str, tuple[str, dict[str, Any]]] = {}

    def leftovers(self) -> Iterator[Flow]:
        """Connections named by ssl/http logs that no conn.log line accounted for."""
        for table, kind in ((self.sni, "ssl"), (self.host, "http")):
            for uid, (name, record) in table.items():
                flow = _flow(record, "")
                if flow is None:
                    continue
                flow.app = SERVICES[kind]
                if kind == "ssl":
                    flow.sni = name
                else:
                    flow.host = name
                flow.detail = f"{kind}.log uid {uid}"
                yield flow
        self.sni.clear()
        self.host.clear()


def records(fh: BinaryIO, info: InputInfo) -> Iterator[dict[str, Any]]:
    """Each log line as a dict of field → value (None when unset), TSV or JSON."""
    fields: list[str] = []
    separator, set_separator, empty, unset = "\t", ",", "(empty)", "-"
    json_lines = False
    for number, raw in enumerate(fh, 1):
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not line:
            continue
        if line.startswith("{"):
            try:
                record = json.loads(line)
            except ValueError:
                info.warn(f"line {number} is not valid JSON; skipped")
                continue
            if isinstance(record, dict):
                json_lines = True
                yield record
            continue
        if line.startswith("#"):
            key, _, value = line.partition(" " if line.startswith("#separator") else separator)
            if key == "#separator":
                separator = value.encode().decode("unicode_escape")
            elif key == "#set_separator":
                set_separator = value
            elif key == "#empty_field":
                empty = value
            elif key == "#unset_field":
                unset = value
            elif key == "#fields":
                fields = value.split(separator)
            continue
        if not fields:
            what = "is not valid JSON" if json_lines else "comes before any #fields header"
            info.warn(f"line {number} {what}; skipped")
            continue
        values = line.split(separator)
        if len(values) != len(fields):
            info.warn(f"line {number} has {len(values)} fields, the header names {len(fields)}; skipped")
            continue
        record = {}
        for name, value in zip(fields, values, strict=True):
            record[name] = None if value == unset else "" if value == empty else value
        record["_set_separator"] = set_separator
        yield record


def _time(value: Any) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                return None
    return None


def _int(value: Any) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def _list(record: dict[str, Any], name: str) -> list[str]:
    value = record.get(name)
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str) and value:
        return value.split(record.get("_set_separator", ","))
    return []


def _flow(record: dict[str, Any], uid: str) -> Flow | None:
    ts = _time(record.get("ts"))
    server = str(record.get("id.resp_h") or "")
    if ts is None or not server:
        return None
    flow = Flow(str(record.get("proto") or "tcp"), str(record.get("id.orig_h") or ""), _int(record.get("id.orig_p")),
                server, _int(record.get("id.resp_p")), ts, "zeek")
    flow.uid = uid
    return flow


def read_log(kind: str, fh: BinaryIO, info: InputInfo, sink: Sink, dns: DnsMap, state: ZeekState) -> None:
    for record in records(fh, info):
        info.records += 1
        ts = _time(record.get("ts"))
        if ts is not None:
            info.first = ts if info.first is None else min(info.first, ts)
            info.last = ts if info.last is None else max(info.last, ts)
        uid = str(record.get("uid") or "")
        if kind == "dns":
            _dns(record, ts or 0.0, dns)
        elif kind == "ssl" and record.get("server_name"):
            state.sni[uid] = (str(record["server_name"]).rstrip(".").lower(), record)
        elif kind == "http" and record.get("host"):
            state.host[uid] = (str(record["host"]).rsplit(":", 1)[0].lower(), record)
        elif kind == "conn":
            flow = _flow(record, uid)
            if flow is None:
                info.warn(f"a conn.log line without ts or id.resp_h (uid {uid or '?'}); skipped")
                continue
            flow.last = flow.first + (_time(record.get("duration")) or 0.0)
            flow.bytes_out = _int(record.get("orig_ip_bytes")) or _int(record.get("orig_bytes"))
            flow.bytes_in = _int(record.get("resp_ip_bytes")) or _int(record.get("resp_bytes"))
            flow.packets_out = _int(record.get("orig_pkts"))
            flow.packets_in = _int(record.get("resp_pkts"))
            services = [SERVICES.get(s.strip(), "") for s in str(record.get("service") or "").split(",")]
            flow.app = next((s for s in services if s), "")
            if uid in state.sni:
                flow.sni = state.sni.pop(uid)[0]
                flow.app = flow.app or "tls"
                flow.detail = f"ssl.log uid {uid}"
            if uid in state.host:
                flow.host = state.host.pop(uid)[0]
                flow.detail = flow.detail or f"http.log uid {uid}"
            sink(flow)


def _dns(record: dict[str, Any], ts: float, dns: DnsMap) -> None:
    query = str(record.get("query") or "").rstrip(".").lower()
    answers = _list(record, "answers")
    if not query or not answers:
        return
    ttls = [_int(float(t)) if _is_number(t) else 0 for t in _list(record, "TTLs")]
    chain = [query]
    for index, value in enumerate(answers):
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            if " " not in value:  # a CNAME target; TXT and others hold spaces
                chain.append(value.rstrip(".").lower())
            continue
        ttl = ttls[index] if index < len(ttls) else 0
        dns.add("zeek", Answer(query, tuple(chain), "A" if address.version == 4 else "AAAA", str(address), ttl), ts)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
