from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tethers.attack.accesslog import COMBINED, VHOST_COMBINED, parse_log_format
from tethers.attack.records import Vector
from tethers.errors import InputError

COMBINED_LINE = ('203.0.113.7 - - [10/Mar/2025:09:45:02 +0000] "GET /a?b=1 HTTP/1.1" 200 512 '
                 '"https://example.com/" "Mozilla/5.0 (X11)"\n')
COMMON_LINE = '2001:db8::5 - frank [10/Mar/2025:10:45:02 +0100] "POST /login HTTP/2.0" 302 -\n'


def test_combined_and_common_lines() -> None:
    batches, rejected = COMBINED.parse(COMBINED_LINE + COMMON_LINE + "\n")
    assert rejected == []
    (b,) = batches
    assert b.src == ["203.0.113.7", "2001:db8::5"]
    assert b.ts.tolist() == [1741599902, 1741599902]
    assert b.nbytes.tolist() == [512, 0]
    assert set(b.vector.tolist()) == {Vector.HTTP}


def test_unmatched_lines_come_back() -> None:
    batches, rejected = COMBINED.parse(COMBINED_LINE + "garbage here\n" + COMBINED_LINE)
    assert len(batches[0]) == 2
    assert rejected == ["garbage here"]


def test_bad_time_is_rejected_not_fatal() -> None:
    line = COMBINED_LINE.replace("10/Mar/2025", "99/Zzz/2025")
    batches, rejected = COMBINED.parse(line + COMBINED_LINE)
    assert len(batches[0]) == 1
    assert len(rejected) == 1 and "time not understood" in rejected[0]


def test_vhost_combined() -> None:
    batches, _ = VHOST_COMBINED.parse("www.example.com:443 " + COMBINED_LINE)
    assert batches[0].host == ["www.example.com"]
    assert batches[0].dport.tolist() == [443]


def test_nginx_custom_format() -> None:
    fmt = parse_log_format('$remote_addr [$time_local] "$request" $status $body_bytes_sent $host $server_addr')
    batches, rejected = fmt.parse('198.51.100.9 [10/Mar/2025:09:45:02 +0000] "GET / HTTP/1.1" 200 77 x.example 192.0.2.1\n')
    assert rejected == []
    b = batches[0]
    assert (b.src, b.host, b.dst, b.nbytes.tolist()) == (["198.51.100.9"], ["x.example"], ["192.0.2.1"], [77])


def test_apache_custom_format() -> None:
    fmt = parse_log_format('%a %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"')
    batches, rejected = fmt.parse(COMBINED_LINE)
    assert rejected == [] and batches[0].src == ["203.0.113.7"]


def test_iso_time_format() -> None:
    fmt = parse_log_format("$time_iso8601 $remote_addr $status")
    batches, _ = fmt.parse("2025-03-10T10:45:02+01:00 192.0.2.4 200\n")
    assert batches[0].ts.tolist() == [1741599902]


@pytest.mark.parametrize("spec", ["$status $request", "%h %s", ""])
def test_custom_format_needs_address_and_time(spec: str) -> None:
    with pytest.raises(InputError):
        parse_log_format(spec)


@given(st.text(max_size=300))
def test_never_raises(text: str) -> None:
    batches, rejected = COMBINED.parse(text)
    assert sum(len(b) for b in batches) + len(rejected) >= 0
