"""BuiltinServer over real sockets on 127.0.0.1 (and ::1), queried with dnspython; Knot is the reference."""

from __future__ import annotations

import socket
import struct
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
import pytest

from tests.demo.helpers import PARLER_ZONE, tcp, texts, udp
from tethers.demo.knot import KnotServer
from tethers.demo.server import BuiltinServer
from tethers.errors import InputError, OperationalError


def _soa_minimum_ttl(message: dns.message.Message) -> int:
    (soa,) = message.authority
    return soa.ttl


# -- answers -----------------------------------------------------------------------------------

ANSWERS = [
    pytest.param("lab.test", "A", {"lab.test. A 192.0.2.2"}, id="apex-A"),
    pytest.param("ns1.lab.test", "AAAA", {"ns1.lab.test. AAAA 2001:db8::1"}, id="AAAA"),
    pytest.param(
        "example.com", "MX",
        {
            "example.com. MX 1 aspmx.l.google.com.",
            "example.com. MX 5 alt1.aspmx.l.google.com.",
            "example.com. MX 5 alt2.aspmx.l.google.com.",
            "example.com. MX 10 alt3.aspmx.l.google.com.",
            "example.com. MX 10 alt4.aspmx.l.google.com.",
            "example.com. MX 50 inbound.mailfilter-vendor.example.",
        },
        id="fixture-MX",
    ),
    pytest.param(
        "_sip._tls.example.com", "SRV", {"_sip._tls.example.com. SRV 100 1 443 sipdir.online.lync.com."}, id="SRV"
    ),
    pytest.param("example.com", "CAA", {'example.com. CAA 0 issue "letsencrypt.org"',
                                        'example.com. CAA 0 iodef "mailto:security@example.com"'}, id="CAA"),
    pytest.param("www.example.com", "CNAME", {"www.example.com. CNAME d111111abcdef8.cloudfront.net."},
                 id="CNAME-asked-for"),
    pytest.param("parler.com", "MX", {"parler.com. MX 0 parler-com.mail.protection.outlook.com."}, id="parler-MX"),
    pytest.param("a.wild.lab.test", "A", {"a.wild.lab.test. A 192.0.2.5"}, id="wildcard"),
    pytest.param("b.a.wild.lab.test", "TXT", {'b.a.wild.lab.test. TXT "synthesised from *.wild"'},
                 id="wildcard-two-labels-down"),
]


@pytest.mark.parametrize(("name", "rdtype", "expected"), ANSWERS)
def test_authoritative_answer(builtin_all: BuiltinServer, name: str, rdtype: str, expected: set[str]) -> None:
    reply = udp(builtin_all.address, name, rdtype)
    assert reply.rcode() == dns.rcode.NOERROR
    assert reply.flags & dns.flags.AA
    assert texts(reply.answer) == expected


def test_listens_on_loopback_at_a_free_port(builtin_all: BuiltinServer) -> None:
    host, port = builtin_all.address
    assert host == "127.0.0.1"
    assert 0 < port < 65536


def test_additional_section_carries_in_zone_addresses(builtin_all: BuiltinServer) -> None:
    reply = udp(builtin_all.address, "lab.test", "MX")
    assert texts(reply.additional) == {"mail.lab.test. A 192.0.2.3"}


# -- CNAMEs ------------------------------------------------------------------------------------


def test_cname_chain_is_followed_in_zone(builtin_all: BuiltinServer) -> None:
    reply = udp(builtin_all.address, "chain4.example.com", "A")
    assert reply.rcode() == dns.rcode.NOERROR
    assert texts(reply.answer) == {
        "chain4.example.com. CNAME chain5.example.com.",
        "chain5.example.com. CNAME chain6.example.com.",
        "chain6.example.com. CNAME chain7.example.com.",
        "chain7.example.com. CNAME chain8.example.com.",
        "chain8.example.com. CNAME chain-end.example.com.",
        "chain-end.example.com. A 192.0.2.80",
    }


def test_long_cname_chain_stops_after_five_like_knot(builtin_all: BuiltinServer) -> None:
    reply = udp(builtin_all.address, "chain1.example.com", "A")
    assert reply.rcode() == dns.rcode.NOERROR
    assert [str(rrset.name) for rrset in reply.answer] == [f"chain{i}.example.com." for i in range(1, 6)]


def test_cname_loop_terminates(builtin_all: BuiltinServer) -> None:
    reply = udp(builtin_all.address, "loop1.example.com", "A")
    assert reply.rcode() == dns.rcode.NOERROR
    assert texts(reply.answer) == {
        "loop1.example.com. CNAME loop2.example.com.",
        "loop2.example.com. CNAME loop1.example.com.",
    }


def test_cname_out_of_zone_is_left_to_the_client(builtin_all: BuiltinServer) -> None:
    reply = udp(builtin_all.address, "cname-out.lab.test", "A")
    assert reply.rcode() == dns.rcode.NOERROR
    assert texts(reply.answer) == {"cname-out.lab.test. CNAME target.elsewhere.example."}


def test_cname_to_a_missing_name_is_nxdomain_with_the_chain(builtin_all: BuiltinServer) -> None:
    reply = udp(builtin_all.address, "cname-nx.lab.test", "A")
    assert reply.rcode() == dns.rcode.NXDOMAIN
    assert texts(reply.answer) == {"cname-nx.lab.test. CNAME missing.lab.test."}
    assert [rrset.name.to_text() for rrset in reply.authority] == ["lab.test."]


# -- negative answers ----------------------------------------------------------------------------


def test_nxdomain_carries_soa_with_negative_ttl(builtin_all: BuiltinServer) -> None:
    reply = udp(builtin_all.address, "no-such-name.example.com", "A")
    assert reply.rcode() == dns.rcode.NXDOMAIN
    assert reply.flags & dns.flags.AA
    assert reply.answer == []
    assert texts(reply.authority) == {
        "example.com. SOA ada.ns.cloudflare.com. dns.cloudflare.com. 2024060101 10000 2400 604800 300"
    }
    assert _soa_minimum_ttl(reply) == 300  # min(SOA TTL 3600, SOA minimum 300), RFC 2308


def test_nodata_carries_soa(builtin_all: BuiltinServer) -> None:
    reply = udp(builtin_all.address, "example.org", "MX")
    assert reply.rcode() == dns.rcode.NOERROR
    assert reply.flags & dns.flags.AA
    assert reply.answer == []
    assert [rrset.name.to_text() for rrset in reply.authority] == ["example.org."]


@pytest.mark.parametrize("name", ["deep.ent.lab.test", "ent.lab.test", "wild.lab.test", "_tls.example.com"])
def test_empty_non_terminal_is_nodata_not_nxdomain(builtin_all: BuiltinServer, name: str) -> None:
    reply = udp(builtin_all.address, name, "A")
    assert reply.rcode() == dns.rcode.NOERROR
    assert reply.answer == []


def test_name_in_no_served_zone_is_refused(builtin_all: BuiltinServer) -> None:
    reply = udp(builtin_all.address, "www.example.invalid", "A")
    assert reply.rcode() == dns.rcode.REFUSED
    assert not reply.flags & dns.flags.AA
    assert reply.answer == [] and reply.authority == []


# -- delegations ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sub.lab.test", "www.sub.lab.test", "ns.sub.lab.test"])
def test_name_below_a_delegation_gets_a_referral(builtin_all: BuiltinServer, name: str) -> None:
    reply = udp(builtin_all.address, name, "A")
    assert reply.rcode() == dns.rcode.NOERROR
    assert not reply.flags & dns.flags.AA
    assert reply.answer == []
    assert texts(reply.authority) == {"sub.lab.test. NS ns.sub.lab.test.", "sub.lab.test. NS ns.elsewhere.example."}
    assert texts(reply.additional) == {"ns.sub.lab.test. A 192.0.2.53"}


def test_ds_at_a_delegation_is_answered_by_the_parent(builtin_all: BuiltinServer) -> None:
    reply = udp(builtin_all.address, "sub.lab.test", "DS")
    assert reply.flags & dns.flags.AA
    assert reply.answer == []
    assert [rrset.name.to_text() for rrset in reply.authority] == ["lab.test."]


# -- sizes -------------------------------------------------------------------------------------


def test_reply_over_512_bytes_without_edns_is_truncated(builtin_all: BuiltinServer) -> None:
    reply = udp(builtin_all.address, "medium.lab.test", "TXT")
    assert reply.flags & dns.flags.TC
    assert len(reply.to_wire()) <= 512


def test_edns_buffer_size_is_honoured(builtin_all: BuiltinServer) -> None:
    reply = udp(builtin_all.address, "medium.lab.test", "TXT", payload=1232)
    assert not reply.flags & dns.flags.TC
    assert len(texts(reply.answer)) == 12


def test_truncated_reply_is_retried_over_tcp(builtin_all: BuiltinServer) -> None:
    host, port = builtin_all.address
    over_udp = udp(builtin_all.address, "big.lab.test", "TXT", payload=4096)
    assert over_udp.flags & dns.flags.TC  # 40 records never fit the server's 1232-byte cap
    query = dns.message.make_query("big.lab.test", "TXT", use_edns=True, payload=4096)
    reply, used_tcp = dns.query.udp_with_fallback(query, host, port=port, timeout=3)
    assert used_tcp
    assert not reply.flags & dns.flags.TC
    assert len(texts(reply.answer)) == 40


def test_tcp_answers_several_queries_on_one_connection(builtin_all: BuiltinServer) -> None:
    host, port = builtin_all.address
    with socket.create_connection((host, port), timeout=3) as conn:
        for name in ("lab.test", "example.com", "parler.com"):
            wire = dns.message.make_query(name, "SOA").to_wire()
            conn.sendall(struct.pack("!H", len(wire)) + wire)
            reply = dns.message.from_wire(_read_framed(conn))
            assert reply.rcode() == dns.rcode.NOERROR
            assert reply.answer[0].name.to_text() == f"{name}."


# -- hostile and odd queries -----------------------------------------------------------------------


def _udp_raw(address: tuple[str, int], payload: bytes, timeout: float = 0.5) -> bytes | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(payload, address)
        try:
            return sock.recv(65535)
        except TimeoutError:
            return None


def _read_framed(conn: socket.socket) -> bytes:
    def exactly(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    (length,) = struct.unpack("!H", exactly(2))
    return exactly(length)


def test_too_short_packet_is_dropped_and_server_survives(builtin_all: BuiltinServer) -> None:
    assert _udp_raw(builtin_all.address, b"\x01\x02\x03") is None
    assert udp(builtin_all.address, "lab.test", "A").rcode() == dns.rcode.NOERROR
    assert builtin_all.errors == []


def test_garbage_after_a_header_gets_formerr(builtin_all: BuiltinServer) -> None:
    reply = _udp_raw(builtin_all.address, b"\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xff\xff\xff")
    assert reply is not None
    query_id, flags = struct.unpack("!HH", reply[:4])
    assert query_id == 0xBEEF
    assert flags & 0x8000  # QR
    assert flags & 0xF == dns.rcode.FORMERR
    assert builtin_all.errors == []


def test_a_response_is_never_answered(builtin_all: BuiltinServer) -> None:
    response = dns.message.make_response(dns.message.make_query("lab.test", "A"))
    assert _udp_raw(builtin_all.address, response.to_wire()) is None


def test_garbage_over_tcp_gets_formerr_and_the_connection_keeps_working(builtin_all: BuiltinServer) -> None:
    host, port = builtin_all.address
    junk = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x05abc"
    with socket.create_connection((host, port), timeout=3) as conn:
        conn.sendall(struct.pack("!H", len(junk)) + junk)
        reply = _read_framed(conn)
        assert struct.unpack("!H", reply[:2])[0] == 0x1234
        assert struct.unpack("!H", reply[2:4])[0] & 0xF == dns.rcode.FORMERR
        wire = dns.message.make_query("lab.test", "A").to_wire()
        conn.sendall(struct.pack("!H", len(wire)) + wire)
        assert dns.message.from_wire(_read_framed(conn)).rcode() == dns.rcode.NOERROR


def test_tcp_client_that_hangs_up_mid_message_does_no_harm(builtin_all: BuiltinServer) -> None:
    host, port = builtin_all.address
    with socket.create_connection((host, port), timeout=3) as conn:
        conn.sendall(b"\x00\x40\x12")  # promises 64 bytes, sends one
    assert tcp(builtin_all.address, "lab.test", "A").rcode() == dns.rcode.NOERROR
    assert builtin_all.errors == []


def _with(query: dns.message.Message, **changes: int) -> dns.message.Message:
    for key, value in changes.items():
        setattr(query, key, value)
    return query


@pytest.mark.parametrize(
    ("query", "rcode"),
    [
        pytest.param(dns.message.make_query("lab.test", "A", use_edns=1), dns.rcode.BADVERS, id="edns-version-1"),
        pytest.param(dns.message.make_query("version.bind", "TXT", rdclass="CH"), dns.rcode.REFUSED, id="chaos-class"),
        pytest.param(dns.message.make_query("lab.test", "AXFR"), dns.rcode.REFUSED, id="zone-transfer"),
        pytest.param(
            _with(dns.message.make_query("lab.test", "SOA"), flags=dns.opcode.to_flags(dns.opcode.NOTIFY)),
            dns.rcode.NOTIMP,
            id="notify-opcode",
        ),
    ],
)
def test_queries_it_will_not_answer(builtin_all: BuiltinServer, query: dns.message.Message, rcode: int) -> None:
    host, port = builtin_all.address
    reply = dns.query.udp(query, host, port=port, timeout=3)
    assert reply.rcode() == rcode
    assert reply.answer == []


def test_two_questions_get_formerr(builtin_all: BuiltinServer) -> None:
    query = dns.message.make_query("lab.test", "A")
    query.question.append(dns.message.make_query("example.com", "A").question[0])
    reply = _udp_raw(builtin_all.address, query.to_wire())
    assert reply is not None
    assert struct.unpack("!H", reply[2:4])[0] & 0xF == dns.rcode.FORMERR


# -- lifecycle and bad input --------------------------------------------------------------------


def test_stop_closes_both_sockets(lab_zone: Path) -> None:
    server = BuiltinServer([lab_zone]).start()
    host, port = server.address
    assert udp((host, port), "lab.test", "A").rcode() == dns.rcode.NOERROR
    server.stop()
    with pytest.raises(OperationalError):
        _ = server.address
    # Both ports are free again: nothing of the server is left listening.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, socket.socket() as t:
        u.bind((host, port))
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((host, port))
    server.stop()  # a second stop is harmless


def test_stop_ends_idle_tcp_connections(lab_zone: Path) -> None:
    server = BuiltinServer([lab_zone]).start()
    with socket.create_connection(server.address, timeout=3) as idle:
        wire = dns.message.make_query("lab.test", "A").to_wire()
        idle.sendall(struct.pack("!H", len(wire)) + wire)
        _read_framed(idle)  # the server has accepted and served this connection
        server.stop()  # must not wait for the client, nor leave its connection open
        assert idle.recv(1) == b""  # the server closed its end
    assert server.errors == []


def test_idle_tcp_client_is_disconnected(lab_zone: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tethers.demo.server._TCP_IDLE", 0.2)
    with BuiltinServer([lab_zone]) as server, socket.create_connection(server.address, timeout=3) as idle:
        assert idle.recv(1) == b""  # closed by the server after 0.2 s of silence


def test_fixed_port_already_taken_is_an_operational_error(lab_zone: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        with pytest.raises(OperationalError, match="cannot listen"):
            BuiltinServer([lab_zone], port=port).start()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("$ORIGIN bad.test.\n@ 300 IN SOA ns1 hm 1 2 3 4 5\n@ 300 IN A 999.1.1.1\n", r"bad\.test\.zone:\d+: ",
                     id="syntax-error-with-line"),
        pytest.param("$ORIGIN bad.test.\n@ 300 IN A 192.0.2.1\n", "no SOA", id="no-soa"),
    ],
)
def test_bad_zone_file_is_an_input_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.test.zone"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        BuiltinServer([path])


def test_missing_zone_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        BuiltinServer([tmp_path / "nowhere.test.zone"])


def test_origin_can_be_given_explicitly(tmp_path: Path) -> None:
    path = tmp_path / "anything.txt"
    path.write_text(PARLER_ZONE.read_text(encoding="utf-8"), encoding="utf-8")
    with BuiltinServer({"parler.com": path}) as server:
        assert udp(server.address, "parler.com", "MX").answer


def test_serves_ipv6_loopback_over_udp_and_tcp(lab_zone: Path) -> None:
    with BuiltinServer([lab_zone], host="::1") as server:
        host, port = server.address
        assert host == "::1" and 0 < port < 65536
        by_udp = udp(server.address, "ns1.lab.test", "AAAA")  # dnspython insists the reply comes from [::1]:port
        by_tcp = tcp(server.address, "lab.test", "A")
    assert by_udp.flags & dns.flags.AA and texts(by_udp.answer) == {"ns1.lab.test. AAAA 2001:db8::1"}
    assert by_tcp.flags & dns.flags.AA and texts(by_tcp.answer) == {"lab.test. A 192.0.2.2"}
    assert server.errors == []


# -- Knot as the reference ------------------------------------------------------------------------

SAME_AS_KNOT = [
    ("lab.test", "A"), ("lab.test", "NS"), ("lab.test", "MX"), ("ns1.lab.test", "AAAA"),
    ("a.wild.lab.test", "A"), ("b.a.wild.lab.test", "TXT"), ("wild.lab.test", "A"), ("ent.lab.test", "A"),
    ("cname-out.lab.test", "A"), ("cname-nx.lab.test", "A"), ("cname-ns1.lab.test", "A"), ("cname-ns1.lab.test", "TXT"),
    ("www.sub.lab.test", "A"), ("sub.lab.test", "NS"), ("sub.lab.test", "DS"),
    ("medium.lab.test", "TXT"), ("example.com", "MX"), ("example.com", "TXT"), ("example.com", "CAA"),
    ("example.com", "ANY"), ("chain1.example.com", "A"), ("chain4.example.com", "A"), ("loop1.example.com", "A"),
    ("www.example.com", "A"), ("google._domainkey.example.com", "TXT"), ("s1._domainkey.example.com", "TXT"),
    ("nope.example.com", "A"), ("example.org", "A"), ("x.example.org", "A"), ("spf-loop.example.net", "TXT"),
    ("example.net", "NS"), ("parler.com", "MX"), ("www.parler.com", "A"), ("parler.com", "SOA"),
    ("autodiscover.parler.com", "A"), ("www.example.invalid", "A"),
]


@pytest.mark.knot
@pytest.mark.parametrize(("name", "rdtype"), SAME_AS_KNOT, ids=[f"{n}-{t}" for n, t in SAME_AS_KNOT])
def test_answers_like_knot(builtin_all: BuiltinServer, knot_all: KnotServer, name: str, rdtype: str) -> None:
    ours = udp(builtin_all.address, name, rdtype, payload=1232)
    knots = udp(knot_all.address, name, rdtype, payload=1232)
    flags = dns.flags.AA | dns.flags.TC
    assert (dns.rcode.to_text(ours.rcode()), ours.flags & flags) == (dns.rcode.to_text(knots.rcode()), knots.flags & flags)
    assert texts(ours.answer) == texts(knots.answer)
    assert texts(ours.authority) == texts(knots.authority)
    assert texts(ours.additional) == texts(knots.additional)
