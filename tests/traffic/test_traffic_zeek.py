"""Zeek logs, TSV and JSON: DNS answers name connections; ssl/http logs join conn.log by uid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tethers.traffic.analyse import analyse

HEADER = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t{path}\n#fields\t{fields}\n#types\t{types}\n"
CONN_FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "duration",
               "orig_bytes", "resp_bytes", "conn_state", "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes"]
DNS_FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "query", "qtype_name", "answers", "TTLs"]
SSL_FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "version", "cipher", "server_name"]


def tsv(tmp_path: Path, name: str, path: str, fields: list[str], rows: list[list[str]]) -> str:
    text = HEADER.format(path=path, fields="\t".join(fields), types="\t".join("string" for _ in fields))
    text += "".join("\t".join(row) + "\n" for row in rows) + "#close\t2021-02-08-21-00-00\n"
    target = tmp_path / name
    target.write_text(text)
    return str(target)


def logs(tmp_path: Path) -> list[str]:
    conn = tsv(tmp_path, "conn.log", "conn", CONN_FIELDS, [
        ["1612816201.0", "C1", "10.0.0.8", "50402", "103.153.24.20", "4701", "udp", "-", "30.5", "90000", "900000", "SF", "500", "104000", "1500", "942000"],
        ["1612816200.0", "C2", "10.0.0.8", "50301", "52.0.0.10", "443", "tcp", "ssl", "1.2", "3000", "25000", "SF", "20", "3800", "30", "26200"],
    ])
    dns = tsv(tmp_path, "dns.log", "dns", DNS_FIELDS, [
        ["1612816200.5", "D1", "10.0.0.8", "53103", "10.0.0.1", "53", "udp", "rtc.example.com", "A", "x.edge.agora.io,103.153.24.20", "60.000000,60.000000"],
    ])
    ssl = tsv(tmp_path, "ssl.log", "ssl", SSL_FIELDS, [
        ["1612816200.1", "C2", "10.0.0.8", "50301", "52.0.0.10", "443", "TLSv13", "TLS_AES_128_GCM_SHA256", "www.clubhouseapi.com"],
        ["1612816300.0", "C9", "10.0.0.8", "50999", "203.0.113.5", "443", "TLSv13", "TLS_AES_128_GCM_SHA256", "api.mixpanel.com"],
    ])
    return [conn, dns, ssl]  # conn first on purpose: tethers reads dns and ssl logs before it


def test_tsv_logs_joined(tmp_path: Path):
    report = analyse(logs(tmp_path))
    by_name = {e.name: e for e in report.endpoints}
    rtc = by_name["rtc.example.com"]
    assert (rtc.server, rtc.bytes_out, rtc.bytes_in, rtc.packets_out, rtc.packets_in) == ("103.153.24.20", 104000, 942000, 500, 1500)
    assert rtc.attribution.provider.id == "agora" and rtc.last - rtc.first == pytest.approx(30.5)  # type: ignore[union-attr]
    api = by_name["www.clubhouseapi.com"]
    assert api.protocols == ("tcp/tls",) and api.evidence[0].source == "zeek:sni" and "ssl.log uid C2" in api.evidence[0].value
    # An ssl.log line without a conn.log line is still a flow, without bytes.
    assert by_name["api.mixpanel.com"].bytes == 0 and by_name["api.mixpanel.com"].flows == 1
    assert [i.format for i in report.inputs] == ["zeek-conn", "zeek-dns", "zeek-ssl"]


def test_json_logs(tmp_path: Path):
    conn = tmp_path / "conn.json"
    conn.write_text(json.dumps({"ts": "2021-02-08T20:30:01Z", "uid": "C1", "id.orig_h": "10.0.0.8", "id.orig_p": 50402,
                                "id.resp_h": "103.153.24.20", "id.resp_p": 4701, "proto": "udp", "duration": 2.0,
                                "orig_bytes": 100, "resp_bytes": 200, "orig_pkts": 2, "resp_pkts": 3, "conn_state": "SF"}) + "\nnot json\n")
    dns = tmp_path / "dns.json"
    dns.write_text(json.dumps({"ts": 1612816200.5, "uid": "D1", "query": "rtc.example.com", "answers": ["103.153.24.20"], "TTLs": [60.0]}) + "\n")
    report = analyse([str(conn), str(dns)])
    [ep] = [e for e in report.endpoints if e.flows]
    assert (ep.name, ep.bytes_out, ep.bytes_in) == ("rtc.example.com", 100, 200)
    assert "line 2 is not valid JSON" in report.inputs[0].warnings[0]


def test_lines_that_do_not_fit_the_header_are_skipped(tmp_path: Path):
    path = tsv(tmp_path, "conn.log", "conn", CONN_FIELDS, [["1612816201.0", "C1", "10.0.0.8"]])
    report = analyse([path])
    assert report.endpoints == () and "has 3 fields, the header names 16" in report.inputs[0].warnings[0]


def test_http_log_names_a_plain_connection(tmp_path: Path):
    fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "method", "host", "uri"]
    http = tsv(tmp_path, "http.log", "http", fields, [["1612816200.2", "C7", "10.0.0.8", "50500", "198.51.100.9", "80", "GET", "api.segment.io:80", "/v1/t"]])
    conn = tsv(tmp_path, "conn.log", "conn", CONN_FIELDS, [
        ["1612816200.0", "C7", "10.0.0.8", "50500", "198.51.100.9", "80", "tcp", "http", "0.3", "400", "900", "SF", "6", "700", "5", "1100"]])
    [ep] = analyse([conn, http]).endpoints
    assert (ep.name, ep.protocols, ep.bytes_in) == ("api.segment.io", ("tcp/http",), 1100)
    assert ep.attribution.provider.id == "segment" and ep.evidence[0].source == "zeek:http-host"  # type: ignore[union-attr]
