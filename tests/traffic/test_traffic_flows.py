"""Captures → flows and endpoints: direction, bytes, names from SNI, Host and DNS, reassembly, snaplen."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tethers.traffic.analyse import analyse
from tethers.traffic.writer import PcapWriter, client_hello, dns_query, dns_response, http_request
from tests.traffic.helpers import T0, conversation, tcp_frame, udp_frame, write_pcap


def endpoint(report, name):  # type: ignore[no-untyped-def]
    return next(e for e in report.endpoints if e.name == name)


def test_tls_flow_counts_bytes_each_way_and_names_its_sni(tmp_path: Path):
    def build(w: PcapWriter) -> None:
        conversation(w).handshake().send(client_hello("api.mixpanel.com")).send(bytes(5000), outbound=False).close()

    report = analyse([str(write_pcap(tmp_path / "a.pcap", build))])
    [ep] = report.endpoints
    assert (ep.name, ep.server, ep.ports, ep.protocols, ep.flows) == ("api.mixpanel.com", "203.0.113.10", (443,), ("tcp/tls",), 1)
    # client → server: SYN, ACK, ClientHello, ACK of the data, FIN, last ACK; IP bytes with 40-byte headers
    hello = len(client_hello("api.mixpanel.com"))
    assert ep.packets_out == 6 and ep.bytes_out == 6 * 40 + hello
    # server → client: SYN-ACK, ACK of the hello, 4 data segments, FIN
    assert ep.packets_in == 7 and ep.bytes_in == 7 * 40 + 5000
    assert ep.attribution.provider is not None and ep.attribution.provider.id == "mixpanel"
    assert ep.evidence[0].source == "pcap:sni" and "tcp 192.168.1.5:50000 → 203.0.113.10:443" in ep.evidence[0].value


def test_clienthello_over_two_segments_out_of_order_with_a_retransmission(tmp_path: Path):
    hello = client_hello("edge.agora.io", padding=2500)  # three segments
    first, second, third = hello[:1460], hello[1460:2920], hello[2920:]
    base = 1_000_001

    def build(w: PcapWriter) -> None:
        c, s = ("192.168.1.5", 50000), ("203.0.113.20", 443)
        w.write(T0, tcp_frame(*c[:1], s[0], c[1], s[1], base - 1, 0x02))
        w.write(T0 + 0.01, tcp_frame(s[0], c[0], s[1], c[1], 9, 0x12))
        w.write(T0 + 0.02, tcp_frame(c[0], s[0], c[1], s[1], base + 1460, 0x18, second))
        w.write(T0 + 0.03, tcp_frame(c[0], s[0], c[1], s[1], base, 0x18, first))
        w.write(T0 + 0.04, tcp_frame(c[0], s[0], c[1], s[1], base, 0x18, first))  # retransmitted
        w.write(T0 + 0.05, tcp_frame(c[0], s[0], c[1], s[1], base + 2920, 0x18, third))

    report = analyse([str(write_pcap(tmp_path / "b.pcap", build))])
    [ep] = report.endpoints
    assert ep.name == "edge.agora.io" and ep.attribution.provider.id == "agora"  # type: ignore[union-attr]


def test_dns_answer_names_a_udp_flow_and_is_its_evidence(tmp_path: Path):
    def build(w: PcapWriter) -> None:
        w.write(T0, udp_frame("192.168.1.5", "192.168.1.1", 53001, 53, dns_query("rtc.example.com")))
        w.write(T0 + 0.01, udp_frame("192.168.1.1", "192.168.1.5", 53, 53001,
                                     dns_response("rtc.example.com", ["103.153.24.20"], cnames=("x.edge.agora.io",))))
        for i in range(10):
            w.write(T0 + 1 + i / 50, udp_frame("192.168.1.5", "103.153.24.20", 50402, 4701, bytes(200)))

    report = analyse([str(write_pcap(tmp_path / "c.pcap", build))])
    ep = endpoint(report, "rtc.example.com")
    assert ep.server == "103.153.24.20" and ep.protocols == ("udp",) and ep.packets_out == 10
    assert set(ep.names) == {"rtc.example.com", "x.edge.agora.io"}
    # Attributed through the CNAME target, not the customer's own name.
    assert ep.attribution.provider.id == "agora" and ep.attribution.matched == "x.edge.agora.io"  # type: ignore[union-attr]
    trail = [step.value for step in ep.evidence[0].chain()]
    assert trail[1].startswith("A 103.153.24.20") and trail[2] == "CNAME x.edge.agora.io"
    assert ep.location.country == "US" and ep.location.asn == 140899


def test_http_host_and_port_reuse(tmp_path: Path):
    def build(w: PcapWriter) -> None:
        c = conversation(w, server="198.51.100.9", sport=80)
        c.handshake().send(http_request("www.example.org")).send(bytes(800), outbound=False).close()
        again = conversation(w, server="198.51.100.9", sport=80, start=c.t + 60)
        again.handshake().send(http_request("cdn.example.org")).close()

    report = analyse([str(write_pcap(tmp_path / "d.pcap", build))])
    assert {(e.name, e.flows) for e in report.endpoints} == {("www.example.org", 1), ("cdn.example.org", 1)}
    assert all(e.protocols == ("tcp/http",) for e in report.endpoints)


def test_snapshot_length_too_short_for_the_sni_is_said_once_and_per_endpoint(tmp_path: Path):
    def build(w: PcapWriter) -> None:
        conversation(w).handshake().send(client_hello("api.mixpanel.com", padding=600)).close()

    report = analyse([str(write_pcap(tmp_path / "e.pcap", build, snaplen=96))])
    [ep] = report.endpoints
    assert ep.name == "" and ep.protocols == ("tcp/tls",)
    assert any("snapshot length cut the TLS ClientHello" in n for n in ep.notes)
    assert any("snapshot length (96 bytes)" in w for w in report.inputs[0].warnings)
    assert ep.bytes_out > 600  # sizes come from the IP headers, not from what was kept


def test_flow_seen_from_the_middle_takes_the_service_port_as_server(tmp_path: Path):
    def build(w: PcapWriter) -> None:
        w.write(T0, tcp_frame("203.0.113.30", "192.168.1.5", 443, 51000, 5, 0x18, b"\x17\x03\x03\x00\x02ab"))
        w.write(T0 + 1, tcp_frame("192.168.1.5", "203.0.113.30", 51000, 443, 9, 0x10))

    report = analyse([str(write_pcap(tmp_path / "f.pcap", build))])
    [ep] = report.endpoints
    assert ep.server == "203.0.113.30" and ep.packets_in == 1 and ep.packets_out == 1


def test_multicast_is_not_an_endpoint_and_names_resolved_but_unused_are_kept(tmp_path: Path):
    def build(w: PcapWriter) -> None:
        w.write(T0, udp_frame("192.168.1.5", "239.255.255.250", 50000, 1900, b"M-SEARCH * HTTP/1.1\r\n\r\n"))
        w.write(T0 + 0.1, udp_frame("192.168.1.1", "192.168.1.5", 53, 53001, dns_response("api.amplitude.com", ["203.0.113.40"])))

    report = analyse([str(write_pcap(tmp_path / "g.pcap", build))])
    names = {(e.name, e.flows, e.protocols) for e in report.endpoints}
    assert ("api.amplitude.com", 0, ("dns-answer",)) in names
    assert not any(e.server == "239.255.255.250" for e in report.endpoints)
    only_dns = endpoint(report, "api.amplitude.com")
    assert only_dns.attribution.provider.id == "amplitude"  # type: ignore[union-attr]


def test_flows_idle_past_the_timeout_are_handed_over_and_memory_stays_bounded(tmp_path: Path):
    from tethers.traffic import flows as flows_module

    def build(w: PcapWriter) -> None:
        for i in range(3000):
            w.write(T0 + i, udp_frame("192.168.1.5", "203.0.113.50", 40000 + i, 4000, b"z"))

    seen: list[int] = []
    original = flows_module.FlowTable.sweep

    def sweep(self, now):  # type: ignore[no-untyped-def]
        original(self, now)
        seen.append(len(self.flows))

    old_every = flows_module.SWEEP_EVERY
    flows_module.FlowTable.sweep = sweep  # type: ignore[method-assign]
    flows_module.SWEEP_EVERY = 256
    try:
        report = analyse([str(write_pcap(tmp_path / "h.pcap", build))])
    finally:
        flows_module.FlowTable.sweep = original  # type: ignore[method-assign]
        flows_module.SWEEP_EVERY = old_every
    [ep] = report.endpoints
    assert ep.flows == 3000 and ep.packets_out == 3000
    assert seen and max(seen) <= flows_module.IDLE + 256  # only the last IDLE seconds of flows are live


def test_ipv6_tls_flow(tmp_path: Path):
    def build(w: PcapWriter) -> None:
        c = conversation(w, server="2001:db8:1::10", client="2001:db8:2::5")
        c.handshake().send(client_hello("o1.ingest.sentry.io")).send(bytes(3000), outbound=False).close()

    [ep] = analyse([str(write_pcap(tmp_path / "v6.pcap", build))]).endpoints
    assert (ep.server, ep.name, ep.protocols) == ("2001:db8:1::10", "o1.ingest.sentry.io", ("tcp/tls",))
    assert ep.attribution.provider.id == "sentry"  # type: ignore[union-attr]
    assert "[2001:db8:2::5]:50000 → [2001:db8:1::10]:443" in ep.evidence[0].value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from([53, 80, 443, 4700]), st.booleans(), st.booleans(), st.binary(max_size=300)), max_size=12))
def test_random_payloads_on_real_headers_never_raise(tmp_path: Path, packets):
    def build(w: PcapWriter) -> None:
        for i, (port, tcp, outbound, payload) in enumerate(packets):
            ends = ("192.168.1.5", "203.0.113.7", 50000, port) if outbound else ("203.0.113.7", "192.168.1.5", port, 50000)
            frame = tcp_frame(*ends, 1000 + i, 0x18, payload) if tcp else udp_frame(*ends, payload)
            w.write(T0 + i, frame)

    analyse([str(write_pcap(tmp_path / "fuzz.pcap", build))])


def test_without_the_cryptography_package_quic_flows_say_why_they_have_no_name(tmp_path: Path, monkeypatch):
    from tethers.traffic import sniff
    from tests.traffic.helpers import crypto_frame, quic_initial

    monkeypatch.setattr(sniff, "QUIC_READABLE", False)
    initial = quic_initial(bytes(8), crypto_frame(0, client_hello("blog.example.com")[5:]))
    path = write_pcap(tmp_path / "q.pcap", lambda w: w.write(T0, udp_frame("192.168.1.5", "203.0.113.8", 50000, 443, initial)))
    [ep] = analyse([str(path)]).endpoints
    assert ep.protocols == ("udp/quic",) and ep.name == "" and "install the 'cryptography' package" in ep.notes[0]


def test_quic_initial_in_a_capture_names_its_endpoint(tmp_path: Path):
    from tests.traffic.helpers import crypto_frame, quic_initial

    initial = quic_initial(bytes.fromhex("0102030405060708"), crypto_frame(0, client_hello("o1.ingest.sentry.io", alpn=("h3",))[5:]))
    path = write_pcap(tmp_path / "q.pcap", lambda w: w.write(T0, udp_frame("192.168.1.5", "203.0.113.8", 50000, 443, initial)))
    [ep] = analyse([str(path)]).endpoints
    assert (ep.name, ep.protocols, ep.evidence[0].source) == ("o1.ingest.sentry.io", ("udp/quic",), "pcap:quic-sni")


def test_dns_answers_past_the_bound_are_counted_not_kept(tmp_path: Path, monkeypatch):
    from tethers.traffic import names

    monkeypatch.setattr(names, "MAX_ADDRESSES", 2)

    def build(w: PcapWriter) -> None:
        for i in range(5):
            w.write(T0 + i, udp_frame("192.168.1.1", "192.168.1.5", 53, 53001, dns_response(f"h{i}.example.com", [f"203.0.113.{i + 1}"])))

    report = analyse([str(write_pcap(tmp_path / "d.pcap", build))])
    assert report.dns_answers == 5 and sum(1 for e in report.endpoints if e.protocols == ("dns-answer",)) == 2
    assert any("3 DNS answers for addresses past the first 2" in w for w in report.inputs[0].warnings)


def test_endpoints_past_the_bound_are_counted_together(tmp_path: Path, monkeypatch):
    from tethers.traffic import endpoints

    monkeypatch.setattr(endpoints, "MAX_ENDPOINTS", 3)

    def build(w: PcapWriter) -> None:
        for i in range(10):
            w.write(T0 + i, udp_frame("192.168.1.5", f"203.0.113.{i + 1}", 50000, 4000, b"x"))

    report = analyse([str(write_pcap(tmp_path / "scan.pcap", build))])
    assert len(report.endpoints) == 4 and sum(e.flows for e in report.endpoints) == 10
    shared = next(e for e in report.endpoints if e.server == "")
    assert shared.flows == 7 and "counted together" in shared.notes[0]
    assert any("7 flows went to servers past the first 3 endpoints" in w for w in report.inputs[0].warnings)
