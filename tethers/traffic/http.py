"""The host an HTTP/1.x request names: its ``Host`` header, or the authority of a proxy request.

Only the request head at the start of a client's stream is read (the first request
of the connection); bodies and responses are never looked at.
"""

from __future__ import annotations

import re
from enum import Enum

MAX_HEAD = 16 * 1024

_METHODS = (b"GET ", b"POST ", b"HEAD ", b"PUT ", b"DELETE ", b"OPTIONS ", b"PATCH ", b"CONNECT ", b"TRACE ")
_HOST = re.compile(rb"\r\nhost:[ \t]*([^\r\n]*)", re.IGNORECASE)
_ABSOLUTE = re.compile(rb"^[A-Z]+ [a-zA-Z][a-zA-Z0-9+.-]*://([^/?# ]+)")
_CONNECT = re.compile(rb"^CONNECT ([^ ]+) ")


class Need(Enum):
    MORE = "more"
    NOT_HTTP = "not-http"


def looks_like_http(data: bytes) -> bool:
    return data.startswith(_METHODS)


def parse_request(data: bytes, final: bool = False) -> str | Need:
    """The host (without port, lower case) the request is for; ``""`` when it names none."""
    if not looks_like_http(data[:8]):
        # A prefix of a method ("GE") may still become one.
        if not final and len(data) < 8 and any(m.startswith(data) for m in _METHODS):
            return Need.MORE
        return Need.NOT_HTTP
    end = data.find(b"\r\n\r\n")
    head = data if end < 0 else data[: end + 2]
    if (m := _CONNECT.match(head)) or (m := _ABSOLUTE.match(head)):
        return _host_only(m.group(1))
    if (m := _HOST.search(head)) and (end >= 0 or m.end() < len(head)):
        return _host_only(m.group(1))
    if end >= 0 or final or len(data) >= MAX_HEAD:
        return ""
    return Need.MORE


def _host_only(authority: bytes) -> str:
    text = authority.strip().decode("ascii", "backslashreplace")
    text = text.rsplit("@", 1)[-1]
    if text.startswith("["):  # [2001:db8::1]:8080
        return text[1:].split("]", 1)[0].lower()
    return text.rsplit(":", 1)[0].rstrip(".").lower() if text.count(":") == 1 else text.rstrip(".").lower()
