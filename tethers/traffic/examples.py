"""Case-study captures, generated reproducibly, modelled on two published findings.

**zoom-2020.pcap**: in April 2020 the Citizen Lab reported that during test calls in
North America "keys for encrypting and decrypting meetings [were] transmitted to
servers in Beijing, China" ("Move Fast and Roll Your Own Crypto", 3 April 2020,
https://citizenlab.ca/2020/04/move-fast-roll-your-own-crypto-a-quick-look-at-the-confidentiality-of-zoom-meetings/).
The capture shows a client on a home network signing in at zoom.us, joining a meeting
whose media runs to Zoom's own network in the US, and fetching the meeting key over
TLS from a Zoom host name whose DNS answer points into China.

**clubhouse-2021.pcap**: in February 2021 the Stanford Internet Observatory reported
that Clubhouse's audio ran on Agora's real-time network and that the app sent the
user's Clubhouse ID and the room ID to Agora in plaintext, to servers it believed
were in the PRC (https://cyber.fsi.stanford.edu/io/news/clubhouse-china). The capture
shows the app's API over TLS, a DNS lookup of an Agora SD-RTN host answered with an
address in China, a plaintext UDP join message to it carrying a user and a room
identifier, and the audio stream to an Agora edge.

Everything here is illustrative, not a replay of the researchers' data. Client
addresses are private (RFC 1918). Host names that end in ``-illustrative`` are made
up; the other names are the providers' real, documented domains. Server addresses
are real public addresses chosen from the ranges the bundled IP data assigns to the
network in question (Zoom's AS30103 in the US, AWS's Beijing region run by Sinnet,
AS55960, in China; Agora's AS140899; Alibaba Cloud's AS37963 in China) because
documentation ranges (192.0.2.0/24...) have no country and could not show a policy
at work. None of these addresses is from the reports. Timestamps are fixed, so every
run writes the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from tethers.traffic.writer import Conversation, PcapWriter, client_hello, dns_query, dns_response, http_request

Example = Callable[[PcapWriter], None]


def _start(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def _lookup(w: PcapWriter, client: str, resolver: str, port: int, t: float, name: str, addresses: list[str],
            cnames: tuple[str, ...] = (), ident: int = 1) -> float:
    dns = Conversation(w, client, port, resolver, 53, t, rtt=0.012)
    dns.datagram(dns_query(name, ident)).datagram(dns_response(name, addresses, cnames, ident), outbound=False)
    return dns.t


def _tls(w: PcapWriter, client: str, port: int, server: str, t: float, sni: str, down: int, up: int = 0) -> float:
    c = Conversation(w, client, port, server, 443, t, rtt=0.04)
    c.handshake().send(client_hello(sni)).send(bytes(4000), outbound=False)
    if up:
        c.send(bytes(up))
    if down:
        c.send(bytes(down), outbound=False)
    return c.close().t


def zoom_2020(w: PcapWriter) -> None:
    client, resolver = "192.168.1.23", "192.168.1.1"
    t = _start("2020-04-02T15:00:00")
    t = _lookup(w, client, resolver, 53001, t, "zoom.us", ["64.224.32.18"], ident=1)
    t = _tls(w, client, 50101, "64.224.32.18", t, "zoom.us", down=60_000, up=2_000)
    t = _lookup(w, client, resolver, 53002, t + 1, "us04web.zoom.us", ["64.224.33.40"], ident=2)
    t = _tls(w, client, 50102, "64.224.33.40", t, "us04web.zoom.us", down=30_000, up=1_500)
    # The meeting's key, from a Zoom name whose answer points to Beijing.
    t = _lookup(w, client, resolver, 53003, t + 2, "kms-illustrative.zoom.us", ["52.81.1.10"], ident=3)
    t = _tls(w, client, 50103, "52.81.1.10", t, "kms-illustrative.zoom.us", down=1_200, up=600)
    # Meeting media over UDP 8801 to Zoom's own network in the US: 30 s of audio and video.
    t = _lookup(w, client, resolver, 53004, t + 1, "zoomsjc-illustrative.zoom.us", ["64.224.34.66"], ident=4)
    media = Conversation(w, client, 50200, "64.224.34.66", 8801, t, rtt=0.02)
    for i in range(1500):
        media.datagram(bytes([0x05]) + bytes(900 if i % 3 else 300), outbound=i % 2 == 0)


def clubhouse_2021(w: PcapWriter) -> None:
    client, resolver = "10.0.0.8", "10.0.0.1"
    t = _start("2021-02-08T20:30:00")
    t = _lookup(w, client, resolver, 53101, t, "www.clubhouseapi.com", ["52.0.0.10"], ident=11)
    t = _tls(w, client, 50301, "52.0.0.10", t, "www.clubhouseapi.com", down=25_000, up=3_000)
    # Joining a room: the app looks up an Agora SD-RTN host and sends the join in plaintext.
    t = _lookup(w, client, resolver, 53102, t + 1, "join-illustrative.sd-rtn.com", ["47.92.1.20"], ident=12)
    join = Conversation(w, client, 50401, "47.92.1.20", 4001, t, rtt=0.18)
    message = json.dumps({"uid": "illustrative-user-1234", "cname": "illustrative-room-5678", "sdk": "agora"}).encode()
    join.datagram(message).datagram(b'{"code":0,"edge":"illustrative"}', outbound=False)
    t = _lookup(w, client, resolver, 53103, join.t + 0.5, "edge-illustrative.agora.io", ["103.153.24.20"], ident=13)
    audio = Conversation(w, client, 50402, "103.153.24.20", 4701, t, rtt=0.03)
    for i in range(2000):  # 40 s of Opus-sized audio frames, most of it coming down
        audio.datagram(bytes([0x80]) + bytes(160 if i % 4 == 0 else 600), outbound=i % 4 == 0)


def plain_http(w: PcapWriter) -> None:
    """Not a case study: a short plaintext HTTP exchange, used in tests."""
    c = Conversation(w, "192.168.1.23", 50500, "64.224.32.18", 80, _start("2020-04-02T15:10:00"))
    c.handshake().send(http_request("zoom.us", "/signin")).send(bytes(2000), outbound=False).close()


EXAMPLES: dict[str, Example] = {"zoom-2020": zoom_2020, "clubhouse-2021": clubhouse_2021}


def write_example(name: str, path: Path) -> Path:
    with path.open("wb") as fh:
        EXAMPLES[name](PcapWriter(fh))
    return path


def write_examples(directory: Path) -> list[Path]:
    """Write every case study as ``<name>.pcap`` into ``directory`` (created if need be)."""
    directory.mkdir(parents=True, exist_ok=True)
    return [write_example(name, directory / f"{name}.pcap") for name in EXAMPLES]
