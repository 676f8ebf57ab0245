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
    if texts and len(texts[0]) == 26 and texts[0][2:3] == "/":
        fast = _clf_columns(texts)
        if fast is not None:
            values, ok = fast
            if not ok.all():
                bad = np.flatnonzero(~ok)
                slow, zoneless = _parse_each([texts[i] for i in bad.tolist()])
                values[bad] = slow
                return values, zoneless
            return values, 0
    return _parse_each(texts)


# Byte offsets in "10/Mar/2025:09:45:02 +0000".
_SEPARATORS = {2: ord("/"), 6: ord("/"), 11: ord(":"), 14: ord(":"), 17: ord(":"), 20: ord(" ")}
_DIGITS = (0, 1, 7, 8, 9, 10, 12, 13, 15, 16, 18, 19, 22, 23, 24, 25)
_MONTH_KEYS = np.array(sorted((ord(m[0]) << 16 | ord(m[1]) << 8 | ord(m[2])) for m in _MONTHS), dtype=np.int64)
_MONTH_OF_KEY = np.array([_MONTHS[chr(k >> 16) + chr(k >> 8 & 255) + chr(k & 255)] for k in _MONTH_KEYS.tolist()])
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _clf_columns(texts: list[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]] | None:
    """Common Log Format times parsed as byte columns: no Python step per line.

    None when the batch is not all 26-character ASCII; rows that fail a check come back
    not ``ok`` and go through ``parse_time``."""
    try:
        joined = "".join(texts).encode("ascii")
    except UnicodeEncodeError:
        return None
    if len(joined) != 26 * len(texts) or max(map(len, texts)) != 26:  # together: every text is 26 long
        return None
    b = np.frombuffer(joined, dtype=np.uint8).reshape(-1, 26)
    ok = np.ones(len(texts), dtype=bool)
    for pos, char in _SEPARATORS.items():
        ok &= b[:, pos] == char
    ok &= ((b[:, _DIGITS] - ord("0")) <= 9).all(axis=1)  # uint8: anything below "0" wraps above 9
    ok &= (b[:, 21] == ord("+")) | (b[:, 21] == ord("-"))
    def num(*cols: int) -> npt.NDArray[np.int64]:
        out = np.zeros(len(texts), dtype=np.int64)
        for col in cols:
            out = out * 10 + (b[:, col].astype(np.int64) - ord("0"))
        return out
    day, year = num(0, 1), num(7, 8, 9, 10)
    hour, minute, second = num(12, 13), num(15, 16), num(18, 19)
    zone = (num(22, 23) * 60 + num(24, 25)) * np.where(b[:, 21] == ord("-"), -1, 1)
    low = b[:, 3:6].astype(np.int64) | 32
    key = low[:, 0] << 16 | low[:, 1] << 8 | low[:, 2]
    at = np.minimum(np.searchsorted(_MONTH_KEYS, key), len(_MONTH_KEYS) - 1)
    ok &= _MONTH_KEYS[at] == key
    month = _MONTH_OF_KEY[at]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    ok &= (day >= 1) & (day <= _MONTH_DAYS[month] + (leap & (month == 2))) & (hour < 24) & (minute < 60)
    ok &= (second < 61) & (num(22, 23) < 24)
    # Days since 1970-01-01 from a civil date (H. Hinnant's algorithm), vectorised.
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    values = days * 86400 + hour * 3600 + minute * 60 + np.minimum(second, 59) - zone * 60
    return np.where(ok, values, BAD), ok


def _parse_each(texts: list[str]) -> tuple[npt.NDArray[np.int64], int]:
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
