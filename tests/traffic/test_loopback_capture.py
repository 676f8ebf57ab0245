"""Captures the tests record themselves: real TLS, HTTP, DNS and UDP on loopback, taken by tcpdump or dumpcap.

A Python TLS server on 127.0.0.1 (self-signed certificate made here), a client that
names ``us04web.zoom.us`` in its SNI, an HTTP request whose Host is ``api.mixpanel.com``,
tethers' own DNS server on [::1]:53 answering ``rtc.edge.agora.io`` with 127.0.0.1,
and UDP datagrams to that address. The DNS server sits on ::1 so that it is an endpoint
of its own, apart from the servers on 127.0.0.1, while staying on loopback. Recording
needs root (CI has it) and port 53 does too; without the tool the tests skip, except
under CI=true where they fail. Nothing leaves the machine.
"""

from __future__ import annotations

import datetime
import http.client
import http.server
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import dns.message
import dns.query
import pytest

from tethers.errors import OperationalError
from tethers.traffic.analyse import analyse
from tests.traffic.conftest import require_tool

SNI = "us04web.zoom.us"
HOST = "api.mixpanel.com"
DNS_NAME = "rtc.edge.agora.io"
DNS_SERVER = "::1"  # apart from the other servers on 127.0.0.1, so the DNS flow is an endpoint of its own
UP, DOWN, DATAGRAMS = 3000, 20000, 25


def _certificate(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tethers loopback test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(hours=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_path, key_path


class Servers:
    """A TLS server, an HTTP server, a UDP sink and a DNS server, all on loopback."""

    def __init__(self, directory: Path) -> None:
        cert, key = _certificate(directory)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.tls = socket.create_server(("127.0.0.1", 0))
        self.tls_port = self.tls.getsockname()[1]
        self.sni_seen: list[str] = []

        def sni_callback(sock, name, ctx):  # type: ignore[no-untyped-def]
            self.sni_seen.append(name)

        context.sni_callback = sni_callback
        self.context = context
        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.http_port = self.http.server_address[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp_port = self.udp.getsockname()[1]
        zone = directory / "edge.agora.io.zone"
        zone.write_text("$ORIGIN edge.agora.io.\n$TTL 60\n@ IN SOA ns hostmaster 1 7200 900 1209600 60\n@ IN NS ns\n"
                        "ns IN AAAA ::1\nrtc IN A 127.0.0.1\n")
        from tethers.demo.server import BuiltinServer

        self.dns = BuiltinServer([zone], host=DNS_SERVER, port=53)
        self.threads = [threading.Thread(target=self._serve_tls, daemon=True), threading.Thread(target=self.http.serve_forever, daemon=True)]

    def _serve_tls(self) -> None:
        while True:
            try:
                raw, _ = self.tls.accept()
            except OSError:
                return
            with self.context.wrap_socket(raw, server_side=True) as conn:
                received = 0
                while received < UP:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    received += len(chunk)
                conn.sendall(bytes(DOWN))

    def __enter__(self) -> Servers:
        try:
            self.dns.start()
        except OperationalError as exc:  # what BuiltinServer raises when it cannot bind
            self.close()
            pytest.skip(f"cannot serve DNS on [{DNS_SERVER}]:53 ({exc}); run as root")
        for t in self.threads:
            t.start()
        return self

    def close(self) -> None:
        self.http.shutdown() if self.threads[1].is_alive() else None
        self.http.server_close()
        self.tls.close()
        self.udp.close()

    def __exit__(self, *exc: object) -> None:
        self.dns.stop()
        self.close()

    def run_clients(self) -> None:
        query = dns.message.make_query(DNS_NAME, "A")
        dns.query.udp(query, DNS_SERVER, port=53, timeout=5)
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with socket.create_connection(("127.0.0.1", self.tls_port), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname=SNI) as conn:
                conn.sendall(bytes(UP))
                got = 0
                while got < DOWN:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    got += len(chunk)
        client = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=5)
        client.request("GET", "/track", headers={"Host": HOST})
        client.getresponse().read()
        client.close()
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(DATAGRAMS):
            sender.sendto(bytes(120), ("127.0.0.1", self.udp_port))
            time.sleep(0.002)  # paced like media, and so the capture's ring buffer keeps up
        sender.close()


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        body = b"ok" * 100
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _record(command: list[str], ready: str, servers: Servers) -> None:
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        seen = ""
        assert proc.stderr is not None
        while ready not in seen:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                pytest.fail(f"{command[0]} stopped before capturing: {seen.strip()[-300:]}")
            seen += line
            if time.monotonic() > deadline:
                pytest.fail(f"{command[0]} did not start: {seen.strip()[-300:]}")
        time.sleep(0.5)  # "listening" is printed as capture starts; give every interface of "any" time to join
        servers.run_clients()
        # libpcap hands packets over in ring-buffer blocks retired after a timeout (1 s by default);
        # stopping sooner loses them. tcpdump has --immediate-mode, dumpcap waits like this.
        time.sleep(1.5)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    with Servers(tmp_path) as s:
        yield s


RECORDERS = {
    "tcpdump-lo": ("tcpdump", ["--immediate-mode", "-B", "16384", "-i", "lo", "-U", "-s", "0", "-w"], "listening on", "Ethernet"),
    "tcpdump-any": ("tcpdump", ["--immediate-mode", "-B", "16384", "-i", "any", "-U", "-s", "0", "-w"], "listening on", "Linux cooked"),
    "dumpcap-pcapng": ("dumpcap", ["-q", "-B", "16", "-i", "lo", "-f"], "Capturing on", "Ethernet"),
}


def _filter(servers: Servers) -> str:
    # Only DNS on ::1, not all of ::1: other tests may be using IPv6 loopback at the same time.
    return f"(ip6 host {DNS_SERVER} and udp port 53) or tcp port {servers.tls_port} or tcp port {servers.http_port} or udp port {servers.udp_port}"


@pytest.mark.parametrize("recorder", list(RECORDERS))
def test_recorded_capture_is_attributed(recorder: str, servers: Servers, tmp_path: Path):
    tool, args, ready, link = RECORDERS[recorder]
    path = tmp_path / f"{recorder}.cap"
    command = [require_tool(tool), *args, _filter(servers), "-w", str(path)] if tool == "dumpcap" else [require_tool(tool), *args, str(path), _filter(servers)]
    _record(command, ready, servers)
    assert servers.sni_seen == [SNI]  # the server saw what the capture should show
    report = analyse([str(path)])
    assert report.inputs[0].link.startswith(link) and report.inputs[0].format == ("pcapng" if "pcapng" in recorder else "pcap")
    by_name = {e.name: e for e in report.endpoints}
    assert {SNI, HOST, DNS_NAME} <= set(by_name), f"names seen: {sorted(by_name)}; {report.inputs[0]}"

    tls = by_name[SNI]
    assert tls.server == "127.0.0.1" and tls.ports == (servers.tls_port,) and tls.protocols == ("tcp/tls",)
    assert tls.attribution.provider.id == "zoom"  # type: ignore[union-attr]
    assert tls.bytes_out > UP and tls.bytes_in > DOWN  # payload plus TLS, TCP and IP overhead
    assert tls.bytes_in < DOWN * 1.2 + 4000

    web = by_name[HOST]
    assert web.protocols == ("tcp/http",) and web.attribution.provider.id == "mixpanel"  # type: ignore[union-attr]

    rtc = by_name[DNS_NAME]
    udp = [e for e in report.endpoints if e.ports == (servers.udp_port,)]
    assert udp and udp[0].name == DNS_NAME and udp[0].packets_out == DATAGRAMS
    assert udp[0].attribution.provider.id == "agora"  # type: ignore[union-attr]
    assert rtc.evidence[0].via is not None and rtc.evidence[0].via.value.startswith("A 127.0.0.1")
    # The answer came over IPv6 from the DNS server, which is an endpoint of its own, not merged into 127.0.0.1's.
    assert [(e.server, e.ports, e.protocols) for e in report.endpoints if "udp/dns" in e.protocols] == [(DNS_SERVER, (53,), ("udp/dns",))]


def test_tshark_agrees_on_bytes_and_names(servers: Servers, tmp_path: Path, tshark: str):
    path = tmp_path / "lo.pcap"
    _record([require_tool("tcpdump"), "--immediate-mode", "-B", "16384", "-i", "lo", "-U", "-s", "0", "-w", str(path), _filter(servers)], "listening on", servers)
    report = analyse([str(path)])
    tls = next(e for e in report.endpoints if e.name == SNI)
    out = subprocess.run([tshark, "-r", str(path), "-Y", f"tcp.port == {servers.tls_port}", "-T", "fields",
                          "-e", "tcp.dstport", "-e", "ip.len", "-e", "tls.handshake.extensions_server_name"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    rows = [line.split("\t") for line in out.splitlines()]
    to_server = sum(int(length) for port, length, _ in rows if int(port) == servers.tls_port)
    to_client = sum(int(length) for port, length, _ in rows if int(port) != servers.tls_port)
    assert (tls.bytes_out, tls.bytes_in) == (to_server, to_client)
    assert {sni for *_, sni in rows if sni} == {SNI}


def test_snapshot_length_too_short_for_the_sni(servers: Servers, tmp_path: Path):
    path = tmp_path / "short.pcap"
    _record([require_tool("tcpdump"), "--immediate-mode", "-B", "16384", "-i", "lo", "-U", "-s", "80", "-w", str(path), _filter(servers)], "listening on", servers)
    report = analyse([str(path)])
    # Without its SNI, the TLS flow is known only by its address, like the other flows to 127.0.0.1.
    tls = next(e for e in report.endpoints if servers.tls_port in e.ports)
    assert tls.name != SNI and "tcp/tls" in tls.protocols and tls.bytes_in > DOWN
    assert any("snapshot length cut the TLS ClientHello" in n for n in tls.notes)
    assert any("snapshot length (80 bytes)" in w for w in report.inputs[0].warnings)
