"""HAR files (HTTP Archive, as browsers' developer tools and Browsertime save them) → flows.

Each entry is one request: the host from its URL, the server address when the
browser recorded it (``serverIPAddress``), its start time and duration, and bytes
each way (``_transferSize`` when Chrome recorded it, else headers plus body).
A HAR holds no DNS answers and no packets, so endpoints from it count requests as
flows and zero packets. HAR is one JSON document and is read whole; queries and
fragments of URLs are never kept, since they often carry tokens.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from tethers.errors import InputError
from tethers.traffic.model import Flow, InputInfo

MAX_HAR = 1 << 30  # read whole: a bigger file would need several times its size in memory
Sink = Callable[[Flow], None]


def _number(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 else 0


def _time(text: Any) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _address(value: Any) -> str:
    if not isinstance(value, str) or not value:
        return ""
    try:
        return str(ipaddress.ip_address(value.strip("[]")))
    except ValueError:
        return ""


def read_har(fh: BinaryIO, info: InputInfo, sink: Sink, size: int) -> None:
    if size > MAX_HAR:
        raise InputError(f"{info.path}: {size / 1e9:.1f} GB is too large for a HAR file, which is read whole (limit 1 GB)")
    try:
        data = json.load(fh)
    except json.JSONDecodeError as exc:
        raise InputError(f"{info.path}: not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg}); a HAR file is one JSON document") from None
    except UnicodeDecodeError:
        raise InputError(f"{info.path}: not UTF-8 text; a HAR file is one JSON document") from None
    log = data.get("log") if isinstance(data, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise InputError(f"{info.path}: JSON without log.entries, so not a HAR file")
    for index, entry in enumerate(entries):
        flow = _flow(entry)
        if flow is None:
            info.warn(f"entry {index} has no request URL with a host; skipped")
            continue
        info.records += 1
        info.first = flow.first if info.first is None else min(info.first, flow.first)
        info.last = flow.last if info.last is None else max(info.last, flow.last)
        sink(flow)


def _flow(entry: Any) -> Flow | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("request"), dict):
        return None
    request = entry["request"]
    response = entry.get("response") if isinstance(entry.get("response"), dict) else {}
    try:
        url = urlsplit(str(request.get("url", "")))
        host = (url.hostname or "").rstrip(".").lower()
        port = url.port or {"https": 443, "wss": 443, "http": 80, "ws": 80}.get(url.scheme, 0)
    except ValueError:
        return None
    if not host:
        return None
    started = _time(entry.get("startedDateTime")) or 0.0
    version = str(response.get("httpVersion", "")).lower()
    quic = version in ("h3", "http/3", "http/3.0") or version.startswith("h3-")
    flow = Flow("udp" if quic else "tcp", "", 0, _address(entry.get("serverIPAddress")), port, started, "har")
    flow.last = started + _number(entry.get("time")) / 1000
    flow.host = host
    flow.app = "quic" if quic else ("tls" if url.scheme in ("https", "wss") else "http")
    flow.bytes_out = _number(request.get("headersSize")) + _number(request.get("bodySize"))
    flow.bytes_in = _number(response.get("_transferSize")) or (_number(response.get("headersSize")) + _number(response.get("bodySize")))
    status = response.get("status")
    method = str(request.get("method", "GET"))[:10]
    path = url.path if len(url.path) <= 60 else url.path[:59] + "…"
    flow.detail = f"{method} {url.scheme}://{host}{path}" + (f" → {status}" if isinstance(status, int) and status else "")
    return flow
