"""HAR files: requests become flows named by their URL host; bad HAR is one clear error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tethers.errors import InputError
from tethers.traffic.analyse import analyse


def har(entries: list[dict]) -> dict:
    return {"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}}


def entry(url: str, ip: str | None = None, version: str = "HTTP/1.1", transfer: int | None = None) -> dict:
    e = {
        "startedDateTime": "2021-02-08T20:30:00.000Z",
        "time": 120.5,
        "request": {"method": "GET", "url": url, "httpVersion": version, "headersSize": 300, "bodySize": 0},
        "response": {"status": 200, "httpVersion": version, "headersSize": 200, "bodySize": 1000},
    }
    if ip:
        e["serverIPAddress"] = ip
    if transfer is not None:
        e["response"]["_transferSize"] = transfer
    return e


def write(tmp_path: Path, data: object, name: str = "t.har") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_requests_become_endpoints_with_bytes_and_times(tmp_path: Path):
    path = write(tmp_path, har([
        entry("https://api2.amplitude.com/2/httpapi?api_key=secret", "52.0.0.10", transfer=900),
        entry("https://api2.amplitude.com/batch", "52.0.0.10"),
        entry("https://www.clubhouseapi.com/api/me", "[2600:1f18::1]", version="h3"),
        entry("http://plain.example.org:8080/x"),
    ]))
    report = analyse([path])
    by_name = {e.name: e for e in report.endpoints}
    amp = by_name["api2.amplitude.com"]
    assert (amp.server, amp.flows, amp.ports, amp.protocols) == ("52.0.0.10", 2, (443,), ("tcp/tls",))
    assert amp.bytes_out == 600 and amp.bytes_in == 900 + 1200 and amp.packets_out == 0
    assert amp.attribution.provider.id == "amplitude"  # type: ignore[union-attr]
    assert "api_key" not in amp.evidence[0].value and "GET https://api2.amplitude.com/2/httpapi → 200" in amp.evidence[0].value
    assert by_name["www.clubhouseapi.com"].protocols == ("udp/quic",) and by_name["www.clubhouseapi.com"].server == "2600:1f18::1"
    assert by_name["plain.example.org"].ports == (8080,) and by_name["plain.example.org"].server == ""
    assert report.inputs[0].format == "har" and report.inputs[0].records == 4


def test_entries_without_a_host_are_skipped_with_a_warning(tmp_path: Path):
    report = analyse([write(tmp_path, har([entry("data:text/plain,hi"), {"request": "nope"}, entry("https://ok.example.com/")]))])
    assert [e.name for e in report.endpoints] == ["ok.example.com"]
    assert len(report.inputs[0].warnings) == 2


@pytest.mark.parametrize(("text", "message"), [
    ('{"log": {"entries": [', "not valid JSON (line 1 column"),
    ('{"log": {"pages": []}}', "without log.entries"),
    ('{"entries": 5}', "without log.entries"),
], ids=["cut", "no-entries", "wrong-shape"])
def test_bad_har_is_one_input_error(tmp_path: Path, text, message):
    with pytest.raises(InputError, match=re.escape(message)):
        analyse([write(tmp_path, text)])
