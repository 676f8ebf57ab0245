"""tethers traffic against tshark on one large capture, in one run: packets/s, MB/s and the ratio.

    python benchmarks/traffic_vs_tshark.py                 # a 512 MB capture in a temporary folder
    python benchmarks/traffic_vs_tshark.py --size-mb 1024  # the 1 GB case of issue 4
    python benchmarks/traffic_vs_tshark.py --capture my.pcap

The generated capture mixes what app traffic holds: DNS lookups and answers, TLS
connections with a ClientHello (some large enough to span two segments) and
downloads, plain HTTP requests, and UDP media streams. Both tools read the same
file back to back and extract the same facts: per packet the time, addresses,
ports and IP length, plus SNI, HTTP Host and DNS answers. tshark runs with ``-n``
(no name resolution, as tethers does none) and ``-T fields``; tethers runs as a user
would, ``tethers traffic FILE --format json``, including its start-up, attribution
and report. The peak memory of each is printed to show that tethers streams.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tethers.traffic.writer import Conversation, PcapWriter, client_hello, dns_query, dns_response, http_request

TSHARK_FIELDS = [
    "frame.time_epoch", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport", "udp.srcport",
    "udp.dstport", "ip.len", "tls.handshake.extensions_server_name", "http.host", "dns.qry.name", "dns.a", "dns.cname",
]
HOSTS = ["api.mixpanel.com", "app-measurement.com", "graph.facebook.com", "o1.ingest.sentry.io", "api2.amplitude.com",
         "us04web.zoom.us", "edge.agora.io", "fcm.googleapis.com", "api.segment.io", "inapps.appsflyer.com",
         "www.example.org", "cdn.example.net", "d1234.cloudfront.net", "static.example.com"]


def generate(path: Path, size_mb: int, seed: int = 7) -> None:
    """Write a capture of about ``size_mb`` megabytes."""
    rnd = random.Random(seed)
    limit = size_mb * 1_000_000
    t = 1_700_000_000.0
    session = 0
    with path.open("wb") as fh:
        w = PcapWriter(fh)
        while fh.tell() < limit:
            session += 1
            host = rnd.choice(HOSTS)
            server = f"203.0.{rnd.randrange(113, 114)}.{rnd.randrange(1, 250)}" if rnd.random() < 0.5 else f"198.51.100.{rnd.randrange(1, 250)}"
            cport = 20000 + session % 40000
            dns = Conversation(w, "192.168.1.10", 30000 + session % 30000, "192.168.1.1", 53, t, rtt=0.01)
            dns.datagram(dns_query(host, session & 0xFFFF))
            dns.datagram(dns_response(host, [server], cnames=(f"edge{session % 7}.cdn.example",), ident=session & 0xFFFF), outbound=False)
            kind = rnd.random()
            if kind < 0.6:
                c = Conversation(w, "192.168.1.10", cport, server, 443, dns.t, rtt=0.03)
                c.handshake().send(client_hello(host, padding=1600 if rnd.random() < 0.2 else 0))
                c.send(bytes(rnd.randrange(2_000, 120_000)), outbound=False).send(bytes(rnd.randrange(200, 4000))).close()
            elif kind < 0.75:
                c = Conversation(w, "192.168.1.10", cport, server, 80, dns.t, rtt=0.03)
                c.handshake().send(http_request(host)).send(bytes(rnd.randrange(1_000, 60_000)), outbound=False).close()
            else:
                c = Conversation(w, "192.168.1.10", cport, server, 4700, dns.t, rtt=0.02)
                for i in range(rnd.randrange(50, 400)):
                    c.datagram(bytes(rnd.choice((160, 600, 1100))), outbound=i % 3 != 0)
            t = c.t


def _run(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident memory (kB) of a command, its output thrown away."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, err = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"{command[0]} failed ({proc.returncode}): {err.decode(errors='replace')[-400:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before)


def count_packets(path: Path) -> int:
    from tethers.traffic.model import InputInfo
    from tethers.traffic.pcap import read_pcap

    with path.open("rb") as fh:
        return sum(1 for _ in read_pcap(fh, InputInfo(str(path))))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=512, help="size of the generated capture (default 512)")
    parser.add_argument("--capture", type=Path, help="use this capture instead of generating one")
    parser.add_argument("--keep", action="store_true", help="keep the generated capture")
    args = parser.parse_args()
    tshark = shutil.which("tshark")
    if tshark is None:
        sys.exit("tshark is not installed (apt-get install tshark)")
    workdir = Path(tempfile.mkdtemp(prefix="tethers-bench-"))
    try:
        capture = args.capture
        if capture is None:
            capture = workdir / "bench.pcap"
            start = time.perf_counter()
            generate(capture, args.size_mb)
            print(f"generated {capture} ({capture.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - start:.1f} s")
        size = capture.stat().st_size
        packets = count_packets(capture)
        tethers_cmd = [sys.executable, "-m", "tethers.cli.main", "traffic", str(capture), "--format", "json", "-o", os.devnull]
        tshark_cmd = [tshark, "-n", "-r", str(capture), "-T", "fields", *[a for f in TSHARK_FIELDS for a in ("-e", f)]]
        ours, ours_mem = _run(tethers_cmd)
        theirs, _ = _run(tshark_cmd)
        theirs_mem = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"capture: {packets} packets, {size / 1e6:.1f} MB")
        print(f"{'tool':<16}{'seconds':>10}{'packets/s':>14}{'MB/s':>10}")
        for name, seconds in (("tethers traffic", ours), ("tshark -T fields", theirs)):
            print(f"{name:<16}{seconds:>10.2f}{packets / seconds:>14,.0f}{size / 1e6 / seconds:>10.1f}")
        print(f"ratio: tethers is {theirs / ours:.2f}x the speed of tshark (tshark time / tethers time)")
        print(f"peak memory: tethers {ours_mem / 1024:.0f} MB; the largest child so far {theirs_mem / 1024:.0f} MB")
    finally:
        if args.keep and args.capture is None:
            print(f"kept {workdir / 'bench.pcap'}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
