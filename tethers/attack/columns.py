"""Column names and values of flow exports and JSON logs, as different tools spell them.

One alias table serves CSV headers (nfdump ``-o csv``, IPFIX collectors, Zeek conn.log
exports, hand-made spreadsheets) and JSON keys (nginx ``escape=json`` logs, ECS
documents): names are compared lower-cased with ``-``, ``.`` and spaces as ``_``.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from tethers.attack.records import PROTO_ICMP, PROTO_ICMP6, PROTO_TCP, PROTO_UDP

ALIASES: dict[str, tuple[str, ...]] = {
    "src": ("src", "srcaddr", "src_addr", "src_ip", "srcip", "source", "source_ip", "source_address", "sa",
            "sourceipv4address", "sourceipv6address", "id_orig_h", "ip_src", "remote_addr", "remote_ip",
            "client_ip", "clientip", "client", "c_ip", "client_address", "ip", "addr", "remoteip"),
    "dst": ("dst", "dstaddr", "dst_addr", "dst_ip", "dstip", "destination", "destination_ip", "da",
            "destinationipv4address", "destinationipv6address", "id_resp_h", "ip_dst", "server_addr", "s_ip"),
    "sport": ("sport", "srcport", "src_port", "source_port", "sp", "sourcetransportport", "id_orig_p",
              "remote_port", "client_port"),
    "dport": ("dport", "dstport", "dst_port", "destination_port", "dp", "destinationtransportport",
              "id_resp_p", "server_port", "s_port"),
    "proto": ("proto", "protocol", "pr", "protocolidentifier", "ip_proto", "transport", "network_transport",
              "network_iana_number"),
    "packets": ("packets", "pkts", "ipkt", "packet_count", "packetdeltacount", "packettotalcount", "orig_pkts"),
    "bytes": ("bytes", "octets", "ibyt", "byte_count", "octetdeltacount", "octettotalcount", "orig_bytes",
              "body_bytes_sent", "bytes_sent", "sc_bytes", "size", "response_size"),
    "time": ("time", "ts", "timestamp", "start", "first", "first_seen", "flowstartseconds",
             "flowstartmilliseconds", "time_local", "time_iso8601", "datetime", "date", "_timestamp",
             "event_created", "received_at", "start_time", "te", "tr"),
    "flags": ("flags", "tcp_flags", "flg", "tcpcontrolbits", "tcpflags", "history"),
    "ttl": ("ttl", "ip_ttl", "iptimetolive", "minimumttl", "maximumttl", "min_ttl"),
    "host": ("host", "http_host", "server_name", "vhost", "hostname", "cs_host", "url_domain"),
    "xff": ("http_x_forwarded_for", "x_forwarded_for", "xff", "forwarded_for", "http_x_real_ip", "x_real_ip",
            "cf_connecting_ip", "http_cf_connecting_ip", "true_client_ip", "request_headers_x_forwarded_for"),
    "request": ("request", "uri", "path", "url", "request_uri", "url_original", "cs_uri_stem"),
}
_LOOKUP = {alias: field for field, names in ALIASES.items() for alias in names}
_NORMAL = re.compile(r"[-. @]+")

_PROTO_NAMES = {"tcp": PROTO_TCP, "udp": PROTO_UDP, "icmp": PROTO_ICMP, "icmp6": PROTO_ICMP6,
                "ipv6-icmp": PROTO_ICMP6, "icmpv6": PROTO_ICMP6}
_FLAG_LETTERS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, "U": 0x20, "E": 0x40, "C": 0x80}


def field_of(name: str) -> str | None:
    """The field a column name or JSON key stands for, or None."""
    return _LOOKUP.get(_NORMAL.sub("_", name.strip().strip('"').lower()).strip("_"))


def map_header(names: list[str]) -> dict[str, int]:
    """Field → column index for a header row; the first column wins when two name one field."""
    out: dict[str, int] = {}
    for index, name in enumerate(names):
        field = field_of(name)
        if field is not None and field not in out:
            out[field] = index
    return out


def int_column(values: list[str], default: int = -1) -> npt.NDArray[np.int64]:
    """Integers from text; blanks, ``-`` and anything else become ``default``."""
    try:
        return np.array(values, dtype=np.int64)
    except (ValueError, OverflowError):
        pass
    out = np.full(len(values), default, dtype=np.int64)
    for i, v in enumerate(values):
        v = v.strip()
        try:
            out[i] = int(float(v)) if v and v != "-" else default
        except (ValueError, OverflowError):
            pass
    return out


def proto_column(values: list[str]) -> npt.NDArray[np.int64]:
    """IP protocol numbers from numbers or names (``6``, ``TCP``, ``udp``)."""
    seen: dict[str, int] = {}
    for v in set(values):
        key = v.strip().lower()
        seen[v] = _PROTO_NAMES.get(key, int(key) if key.isdigit() else -1)
    return np.array([seen[v] for v in values], dtype=np.int64)


def flags_column(values: list[str]) -> npt.NDArray[np.int64]:
    """Cumulative TCP flags from a number (``18``, ``0x12``) or letters as nfdump writes them (``.A..S.``)."""
    seen: dict[str, int] = {}
    for v in set(values):
        seen[v] = parse_flags(v)
    return np.array([seen[v] for v in values], dtype=np.int64)


def parse_flags(text: str) -> int:
    text = text.strip()
    if not text or text == "-":
        return -1
    try:
        return int(text, 0)
    except ValueError:
        pass
    if all(ch in _FLAG_LETTERS or ch == "." for ch in text.upper()):
        value = 0
        for ch in text.upper():
            value |= _FLAG_LETTERS.get(ch, 0)
        return value
    return -1
