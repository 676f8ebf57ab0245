"""Timestamps as logs write them, to seconds since the epoch (UTC).

Access logs repeat the same second thousands of times, so a batch is parsed per
distinct string: ``parse_times`` factorises the column and parses each value once.
Accepted: the Common Log Format's ``10/Mar/2025:09:45:02 +0100``, ISO 8601 with a
``T`` or a space, optional fraction and zone (``2025-03-10T09:45:02.123Z``,
``2025-03-10 09:45:02+01:00``), and epoch seconds or milliseconds. A time without a
zone is taken as UTC, and the reader says so in the report.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import numpy.typing as npt

BAD = np.iinfo(np.int64).min  # a value that did not parse
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_CLF = re.compile(r"(\d{1,2})/([A-Za-z]{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:\s+([+-])(\d{2}):?(\d{2}))?\Z")
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|z|UTC|[+-]\d{2}:?\d{2})?\Z"
)
_EPOCH = re.compile(r"\d{9,13}(?:\.\d+)?\Z")


def parse_time(text: str) -> tuple[int, bool] | None:
    """(epoch seconds, had a zone) for one timestamp, or None."""
    text = text.strip().strip("[]")
    m = _CLF.match(text)
    if m:
        month = _MONTHS.get(m[2].lower())
        if month is None:
            return None
        zone = _zone(m[7], m[8], m[9]) if m[7] else None
        if m[7] and zone is None:
            return None
        return _epoch(int(m[3]), month, int(m[1]), int(m[4]), int(m[5]), int(m[6]), zone)
    m = _ISO.match(text)
    if m:
        zone = None
        if m[7]:
            z = m[7]
            zone = UTC if z.upper() in ("Z", "UTC") else _zone(z[0], z[1:3], z[-2:])
            if zone is None:
                return None
        return _epoch(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0), zone)
    if _EPOCH.match(text):
        value = float(text)
        if value > 1e11:  # milliseconds
            value /= 1000
        return int(value), True
    return None


def _zone(sign: str | None, hours: str | None, minutes: str | None) -> timezone | None:
    if sign is None or hours is None or minutes is None:
        return None
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta >= timedelta(hours=24):
        return None
    return timezone(-delta if sign == "-" else delta)


def _epoch(year: int, month: int, day: int, hour: int, minute: int, second: int,
           zone: timezone | None) -> tuple[int, bool] | None:
    try:
        moment = datetime(year, month, day, hour, minute, min(second, 59), tzinfo=zone or UTC)
    except ValueError:
        return None
    return int(moment.timestamp()), zone is not None


def parse_times(texts: list[str]) -> tuple[npt.NDArray[np.int64], int]:
    """Epoch seconds for each text (``BAD`` where it did not parse) and how many had no zone."""
    seen: dict[str, int] = {}
    codes = [seen.setdefault(t, len(seen)) for t in texts]
    values = np.empty(len(seen), dtype=np.int64)
    zoneless = np.zeros(len(seen), dtype=np.int64)
    for text, i in seen.items():
        got = parse_time(text)
        if got is None:
            values[i] = BAD
        else:
            values[i] = got[0]
            zoneless[i] = not got[1]
    idx = np.asarray(codes, dtype=np.intp)
    return values[idx], int(zoneless[idx].sum())


def parse_instant(text: str) -> int:
    """One user-given time (``--since``, ``--until``); ValueError when it does not parse."""
    got = parse_time(text)
    if got is None:
        raise ValueError(text)
    return got[0]
