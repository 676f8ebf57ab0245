"""KnotServer: a real knotd on 127.0.0.1, started, queried with dnspython, and stopped."""

from __future__ import annotations

import os
import socket
import struct
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
import pytest

import tethers.demo.knot as knot_module
from tests.demo.helpers import PARLER_ZONE, tcp, texts, udp
from tethers.demo.knot import KnotServer, knotd_path
from tethers.errors import OperationalError

pytestmark = pytest.mark.knot


@pytest.fixture(scope="module", autouse=True)
def _needs_knot(knot: object) -> None:
    """Every test here needs knotd: skip without it, fail under CI=true (see tests/conftest.py)."""


def test_knotd_path_is_an_executable() -> None:
    path = knotd_path()
    assert path is not None
    assert os.access(path, os.X_OK)


def test_serves_zones_on_loopback(knot_all: KnotServer) -> None:
    host, port = knot_all.address
    assert host == "127.0.0.1" and 0 < port < 65536
    reply = udp(knot_all.address, "lab.test", "A")
    assert reply.rcode() == dns.rcode.NOERROR
    assert reply.flags & dns.flags.AA
    assert texts(reply.answer) == {"lab.test. A 192.0.2.2"}


def test_parler_zone_loads_and_answers_mx(knot_all: KnotServer) -> None:
    reply = udp(knot_all.address, "parler.com", "MX")
    assert texts(reply.answer) == {"parler.com. MX 0 parler-com.mail.protection.outlook.com."}


def test_cname_chain_and_loop(knot_all: KnotServer) -> None:
    chain = udp(knot_all.address, "chain4.example.com", "A")
    assert "chain-end.example.com. A 192.0.2.80" in texts(chain.answer)
    loop = udp(knot_all.address, "loop1.example.com", "A")
    assert loop.rcode() == dns.rcode.NOERROR
    assert len(loop.answer) == 2


def test_nxdomain_nodata_refused(knot_all: KnotServer) -> None:
    assert udp(knot_all.address, "nope.example.com", "A").rcode() == dns.rcode.NXDOMAIN
    nodata = udp(knot_all.address, "example.org", "MX")
    assert nodata.rcode() == dns.rcode.NOERROR and nodata.answer == [] and nodata.authority
    assert udp(knot_all.address, "www.example.invalid", "A").rcode() == dns.rcode.REFUSED


def test_truncation_then_tcp(knot_all: KnotServer) -> None:
    host, port = knot_all.address
    assert udp(knot_all.address, "medium.lab.test", "TXT").flags & dns.flags.TC
    query = dns.message.make_query("big.lab.test", "TXT", use_edns=True, payload=4096)
    reply, used_tcp = dns.query.udp_with_fallback(query, host, port=port, timeout=3)
    assert used_tcp
    assert len(texts(reply.answer)) == 40


def test_survives_malformed_packets(knot_all: KnotServer) -> None:
    host, port = knot_all.address
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for junk in (b"\x01", b"\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xff\xff\xff", os.urandom(300)):
            sock.sendto(junk, (host, port))
    with socket.create_connection((host, port), timeout=3) as conn:
        conn.sendall(struct.pack("!H", 3) + b"abc")
    assert tcp(knot_all.address, "lab.test", "SOA").rcode() == dns.rcode.NOERROR
    assert udp(knot_all.address, "lab.test", "SOA").rcode() == dns.rcode.NOERROR


def test_stop_ends_knotd_and_removes_its_directory(lab_zone: Path) -> None:
    server = KnotServer([lab_zone]).start()
    pid, workdir = server.pid, server.workdir
    assert pid is not None and workdir is not None and (workdir / "knot.conf").is_file()
    config = (workdir / "knot.conf").read_text(encoding="utf-8")
    assert f'listen: "127.0.0.1@{server.address[1]}"' in config
    assert "semantic-checks: off" in config
    server.stop()
    assert not workdir.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # reaped: the pid no longer names a process of ours
    with pytest.raises(OperationalError):
        _ = server.address
    server.stop()


def test_zone_knot_cannot_load_fails_fast_with_its_log(tmp_path: Path) -> None:
    path = tmp_path / "broken.test.zone"
    path.write_text(
        "$ORIGIN broken.test.\n$TTL 300\n@ SOA ns1 hm 1 2 3 4 5\n@ NS ns1\n"
        "www CNAME elsewhere.example.\nwww A 192.0.2.1\n",
        encoding="utf-8",
    )
    with pytest.raises(OperationalError, match="could not load zone broken.test") as caught:
        KnotServer([path], startup_timeout=30).start()
    assert "CNAME" in str(caught.value)  # knotd's own reason, from its log


def test_port_taken_between_choice_and_bind_is_retried(
    lab_zone: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reproduce the race deterministically: the first port offered is already in use.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        busy = taken.getsockname()[1]
        real = knot_module.free_port
        offered: list[int] = []

        def first_busy(host: str) -> int:
            offered.append(busy if not offered else real(host))
            return offered[-1]

        monkeypatch.setattr(knot_module, "free_port", first_busy)
        with KnotServer([lab_zone]) as server:
            assert len(offered) == 2
            assert server.address[1] == offered[1] != busy
            assert udp(server.address, "lab.test", "A").rcode() == dns.rcode.NOERROR


def test_missing_binary_is_an_operational_error(lab_zone: Path, tmp_path: Path) -> None:
    with pytest.raises(OperationalError, match="cannot run"):
        KnotServer([lab_zone], knotd=str(tmp_path / "no-knotd")).start()
