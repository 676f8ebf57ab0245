"""Where a key sits inside one ``[[table]]`` entry, so errors can name the exact line."""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*\[")


def entry_key_line(text: str, start: int, key: str) -> int:
    """The line setting ``key`` in the entry whose header is on line ``start``, else ``start``.

    Scans from the line after the header up to the next table header, so a key of the
    same name in a later entry is never taken for this one's.
    """
    if start <= 0:
        return 0
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    lines = text.splitlines()
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1]
        if _HEADER.match(line):
            break
        if pattern.match(line):
            return number
    return start
