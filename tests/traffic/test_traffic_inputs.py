"""Input detection by content, gzip, and the errors for files that are none of the kinds."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tethers.errors import InputError
from tethers.traffic.analyse import analyse
from tethers.traffic.inputs import detect
from tethers.traffic.writer import client_hello
from tests.traffic.helpers import T0, conversation, pcapng_file, udp_frame, write_pcap


def test_formats_by_content_not_name(tmp_path: Path):
    pcap = write_pcap(tmp_path / "capture.log", lambda w: w.write(T0, udp_frame("10.0.0.1", "203.0.113.1", 5000, 443, b"x")))
    ng = tmp_path / "capture.pcap"
    ng.write_bytes(pcapng_file([(T0, udp_frame("10.0.0.1", "203.0.113.1", 5000, 443, b"x"))]))
    har = tmp_path / "x.txt"
    har.write_text('\n  {"log": {"entries": []}}')
    zeek = tmp_path / "a.json"
    zeek.write_text('{"ts": 1.0, "uid": "C1", "id.orig_h": "10.0.0.1", "id.resp_h": "203.0.113.1", "proto": "tcp"}\n')
    assert [detect(str(p)) for p in (pcap, ng, har, zeek)] == ["pcap", "pcapng", "har", "zeek-conn"]


def test_gzip_is_read_through(tmp_path: Path):
    plain = write_pcap(tmp_path / "a.pcap", lambda w: conversation(w).handshake().send(client_hello("api.mixpanel.com")).close())
    packed = tmp_path / "a.pcap.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    report = analyse([str(packed)])
    assert [e.name for e in report.endpoints] == ["api.mixpanel.com"]


def test_gzip_cut_short_keeps_what_was_read(tmp_path: Path):
    def build(w):  # type: ignore[no-untyped-def]
        for i in range(400):
            w.write(T0 + i, udp_frame("10.0.0.1", "203.0.113.1", 5000 + i, 443, bytes(range(256)) * 4))

    data = gzip.compress(write_pcap(tmp_path / "b.pcap", build).read_bytes())
    cut = tmp_path / "b.pcap.gz"
    cut.write_bytes(data[: len(data) // 2])
    report = analyse([str(cut)])
    assert 0 < report.endpoints[0].flows < 400
    assert any("compressed file is cut or damaged" in w for w in report.inputs[0].warnings)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b"hello, this is text", "not a packet capture, HAR file or Zeek log"),
    (b"#separator \\x09\n#path\tweird\n#fields\ta\tb\n", "a Zeek log, but not one tethers reads"),
], ids=["empty", "text", "other-zeek-log"])
def test_files_of_no_known_kind(tmp_path: Path, content, message):
    path = tmp_path / "f"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        analyse([str(path)])


def test_missing_file_and_directory(tmp_path: Path):
    with pytest.raises(InputError, match="no such file"):
        analyse([str(tmp_path / "absent.pcap")])
    with pytest.raises(InputError, match="is a directory"):
        analyse([str(tmp_path)])
