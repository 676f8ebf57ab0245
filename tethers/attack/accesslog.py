"""Web server access logs: the combined and common formats, and custom ones from their format string.

A whole chunk of text is matched at once with ``findall`` (the loop runs inside the
regular-expression engine, about half a million lines a second on one core). Only a
chunk with lines that do not match is walked line by line, to hand those lines back
to the reader, which tries other formats on them and counts the rest as malformed.

A custom format is given as nginx writes it (``$remote_addr - [$time_local] "$request"``)
or as Apache does (``%h %l %u %t "%r" %>s %b``). Variables tethers needs become capturing
groups; the rest match a field without keeping it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from tethers.attack.forwarded import clients
from tethers.attack.records import Batch, http_batch
from tethers.attack.timeparse import BAD, parse_times
from tethers.errors import InputError

# The leading fields that the common and combined formats (Apache and nginx alike) share:
# 203.0.113.7 - - [10/Mar/2025:09:45:02 +0000] "GET / HTTP/1.1" 200 512 "-" "curl/8.5"
# The classes leave out only the closing character, not newlines: sre scans a one-character
# class much faster. A match that strays over a line end uses two lines for one row, which
# the line count after ``findall`` catches, and the line-by-line pass then sees each alone.
_CLF = r'(?P<src>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<request>[^"]*)" (?P<status>\d{3}|-) (?P<bytes>\d+|-)'
# Apache's vhost_combined: www.example.com:443 203.0.113.7 - - [...] "GET / HTTP/1.1" 200 512 ...
_VHOST = r"(?P<host>[^\s:]+)(?::(?P<dport>\d+))? " + _CLF

# Variable → (field, pattern). Fields: src, time, host, dst, sport, dport, bytes; None = not kept.
_NGINX = {
    "remote_addr": "src", "binary_remote_addr": None, "realip_remote_addr": "src",
    "time_local": "time", "time_iso8601": "time", "msec": "time",
    "host": "host", "server_name": "host", "http_host": "host",
    "server_addr": "dst", "server_port": "dport", "remote_port": "sport",
    "body_bytes_sent": "bytes", "bytes_sent": "bytes",
    "http_x_forwarded_for": "xff", "http_x_real_ip": "xff", "http_cf_connecting_ip": "xff",
    "http_true_client_ip": "xff",
}
_APACHE = {"h": "src", "a": "src", "t": "time", "v": "host", "V": "host", "A": "dst", "p": "dport",
           "b": "bytes", "B": "bytes", "O": "bytes"}
_APACHE_HEADERS = {"{x-forwarded-for}": "xff", "{x-real-ip}": "xff", "{cf-connecting-ip}": "xff"}
_TOKEN = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)|%(\{[^}]*\})?[<>]?([A-Za-z%])")


@dataclass(frozen=True)
class LogFormat:
    name: str
    pattern: re.Pattern[str]
    fields: tuple[str, ...]  # the named groups tethers uses, in group order
    forwarded: bool = False  # take the client from X-Forwarded-For where the log has it

    def parse(self, text: str) -> tuple[list[Batch], list[str]]:
        """Records of every matching line, and the lines that did not match."""
        rows = self.pattern.findall(text)
        rejected: list[str] = []
        if len(rows) != count_lines(text):  # something did not match, or blank lines: walk the lines
            rows = []
            for line in text.splitlines():
                if not line.strip():
                    continue
                m = self.pattern.match(line)
                if m:
                    rows.append(m.groups())
                else:
                    rejected.append(line)
        if not rows:
            return [], rejected
        return [self._batch(rows, rejected)], rejected

    def _batch(self, rows: list[tuple[str, ...]], rejected: list[str]) -> Batch:
        groups = self.pattern.groupindex
        columns = list(zip(*rows, strict=True)) if len(groups) > 1 else [tuple(r for r in rows)]
        def column(name: str) -> list[str] | None:
            index = groups.get(name)
            return list(columns[index - 1]) if index else None
        src = column("src") or []
        forwarded = 0
        if self.forwarded and "xff" in groups:
            src, forwarded = clients(src, column("xff") or [])
        times, _zoneless = parse_times(column("time") or [])
        ok = times != BAD
        if not ok.all():
            bad = np.flatnonzero(~ok)
            raw = column("time") or []
            rejected.extend(f"{src[i]} [{raw[i]}]: time not understood" for i in bad.tolist())
        nbytes = _ints(column("bytes"))
        batch = http_batch(times, src, nbytes, dst=column("dst"), host=column("host"),
                           sport=_ints(column("sport"), -1), dport=_ints(column("dport"), -1))
        batch.extra["zoneless"] = _zoneless
        batch.extra["forwarded"] = forwarded
        return batch if ok.all() else batch.take(ok)


def count_lines(text: str) -> int:
    """Lines in a block (the last may lack its newline). Blank ones count: matching them up
    exactly would cost a second pass over every block, for logs that rarely have any."""
    return text.count("\n") + (0 if not text or text.endswith("\n") else 1)


def _ints(values: list[str] | None, default: int = 0) -> np.ndarray | None:
    if values is None:
        return None
    try:
        raw = np.array(values, dtype=np.bytes_)  # numpy converts byte strings to integers in C
        return np.where(raw == b"-", str(default).encode(), raw).astype(np.int64)
    except (ValueError, UnicodeEncodeError, OverflowError):
        return np.array([int(v) if v.isdigit() else default for v in values], dtype=np.int64)


def _compile(name: str, body: str) -> LogFormat:
    pattern = re.compile("^" + body, re.M)
    return LogFormat(name, pattern, tuple(pattern.groupindex))


COMBINED = _compile("combined", _CLF)  # also reads the common format: the fields after bytes are optional
VHOST_COMBINED = _compile("vhost-combined", _VHOST)
# The "main" format of the nginx.conf nginx ships: combined, then "$http_x_forwarded_for".
NGINX_MAIN = _compile("nginx-main", _CLF + r' "[^"]*" "[^"]*" "(?P<xff>[^"]*)"')
BUILTIN = {"combined": COMBINED, "common": COMBINED, "vhost-combined": VHOST_COMBINED, "nginx-main": NGINX_MAIN}


def parse_log_format(spec: str) -> LogFormat:
    """A ``--log-format`` value: a built-in name, or an nginx or Apache format string."""
    if spec in BUILTIN:
        return BUILTIN[spec]
    parts: list[str] = []
    used: set[str] = set()
    pos = 0
    for m in _TOKEN.finditer(spec):
        literal = spec[pos:m.start()]
        parts.append(re.escape(literal))
        pos = m.end()
        following = spec[pos:pos + 1]
        if m[1]:
            field = _NGINX.get(m[1])
        elif m[3] == "%":
            parts.append("%")
            continue
        else:
            field = _APACHE.get(m[3]) if not m[2] else _APACHE_HEADERS.get(m[2].lower())
        apache_time = bool(m[3] == "t" and not m[2])
        parts.append(_group(field, used, literal[-1:], following, apache_time))
    parts.append(re.escape(spec[pos:]))
    if "src" not in used or "time" not in used:
        raise InputError(f"--log-format {spec!r}: needs the client address ($remote_addr or %h) and the time "
                         "($time_local, $time_iso8601 or %t)")
    return _compile("custom", "".join(parts))


def _group(field: str | None, used: set[str], before: str, after: str, apache_time: bool) -> str:
    if apache_time:
        body = r"\[([^\]]+)\]"
    elif before == "[" and after == "]":
        body = r"([^\]]+)"
    elif before == '"':
        body = r'([^"]*)'
    else:
        body = r"(\S+)"
    if field is None or field in used:
        return body.replace("(", "(?:", 1) if "(" in body else body
    used.add(field)
    return body.replace("(", f"(?P<{field}>", 1)
