"""IP address text to fixed-width keys that numpy can sort and search.

IPv4 keys are ``uint32``. IPv6 keys are ``S16``: the 16 network-order bytes of the
address. numpy compares fixed-width byte strings bytewise as unsigned values, so
``S16`` order is exactly 128-bit integer order, for every address and not only
at /64 granularity, without splitting into two ``uint64`` columns.

Parsing goes through ``socket.inet_pton``, which is strict: ``01.1.1.1``,
``1.1.1``, ``0x1.1.1.1``, surrounding spaces and IPv6 zone ids (``fe80::1%eth0``)
are not addresses here. Mapping the whole input through the C function at once is
what makes bulk parsing fast; only when that fails (mixed families or bad input)
do we fall back to one address at a time.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt

V4_DTYPE = np.dtype(np.uint32)
V6_DTYPE = np.dtype("S16")

_pton4 = partial(socket.inet_pton, socket.AF_INET)
_pton6 = partial(socket.inet_pton, socket.AF_INET6)
_PARSE_ERRORS = (OSError, TypeError, ValueError)  # ValueError: NUL or lone surrogate in the text


@dataclass(frozen=True, slots=True)
class ParsedAddresses:
    """Keys of a batch of addresses, split by family.

    ``v4_pos[i]`` is the position in the input of the address whose key is
    ``v4_keys[i]``; likewise for IPv6. Positions ascend within each family.
    Positions in neither are not addresses.
    """

    count: int
    v4_pos: npt.NDArray[np.intp]
    v4_keys: npt.NDArray[np.uint32]
    v6_pos: npt.NDArray[np.intp]
    v6_keys: npt.NDArray[np.bytes_]


def _as_text(item: object) -> object:
    # ipaddress objects are addresses too; anything else goes to inet_pton as is
    # and fails there with TypeError unless it is a str.
    if isinstance(item, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(item)
    return item


def parse_many(ips: Iterable[object]) -> ParsedAddresses:
    """Parse a batch of address strings; anything that is not an address is skipped."""
    if isinstance(ips, str | bytes):  # would be read character by character
        raise TypeError("parse_many takes an iterable of addresses, not a single string")
    items: Sequence[object] = ips if isinstance(ips, list | tuple) else list(ips)
    count = len(items)
    try:
        raw = b"".join(map(_pton4, items))  # type: ignore[arg-type]
    except _PARSE_ERRORS:
        return _parse_mixed(items)
    keys = np.frombuffer(raw, dtype=">u4").astype(V4_DTYPE)
    return ParsedAddresses(count, np.arange(count, dtype=np.intp), keys, _no_pos(), empty_v6())


def _parse_mixed(items: Sequence[object]) -> ParsedAddresses:
    pos4: list[int] = []
    raw4: list[bytes] = []
    pos6: list[int] = []
    raw6: list[bytes] = []
    for i, item in enumerate(items):
        text = _as_text(item)
        try:
            raw4.append(_pton4(text))  # type: ignore[arg-type]
            pos4.append(i)
            continue
        except _PARSE_ERRORS:
            pass
        try:
            raw6.append(_pton6(text))  # type: ignore[arg-type]
            pos6.append(i)
        except _PARSE_ERRORS:
            pass
    return ParsedAddresses(
        len(items),
        np.array(pos4, dtype=np.intp),
        np.frombuffer(b"".join(raw4), dtype=">u4").astype(V4_DTYPE),
        np.array(pos6, dtype=np.intp),
        np.frombuffer(b"".join(raw6), dtype=V6_DTYPE),
    )


def parse_one(ip: object) -> tuple[int, int | bytes] | None:
    """``(4, key)`` or ``(6, key)`` for one address, or None when it is not one."""
    text = _as_text(ip)
    try:
        return 4, int.from_bytes(_pton4(text), "big")  # type: ignore[arg-type]
    except _PARSE_ERRORS:
        pass
    try:
        return 6, _pton6(text)  # type: ignore[arg-type]
    except _PARSE_ERRORS:
        return None


def v4_key(value: int) -> int:
    if not 0 <= value < 1 << 32:
        raise ValueError(f"not an IPv4 address value: {value}")
    return value


def v6_key(value: int) -> bytes:
    """The S16 key of a 128-bit integer."""
    if not 0 <= value < 1 << 128:
        raise ValueError(f"not an IPv6 address value: {value}")
    return value.to_bytes(16, "big")


def v6_keys(values: Iterable[int]) -> npt.NDArray[np.bytes_]:
    return np.frombuffer(b"".join(v6_key(v) for v in values), dtype=V6_DTYPE)


def empty_v6() -> npt.NDArray[np.bytes_]:
    return np.zeros(0, dtype=V6_DTYPE)


def _no_pos() -> npt.NDArray[np.intp]:
    return np.zeros(0, dtype=np.intp)
