"""Where an app's traffic goes: packet captures, HAR files and Zeek logs → attributed endpoints.

Layer: after ``collect``, before ``attribute``; it uses the knowledge base (``kb``), the IP
tables (``geo``) and policy files (``config``). The pipeline, one module per step:

    inputs     which kind each file is (by content), gzip read through
    pcap, pcapng → packets     frames streamed from disk; link, IP and transport headers decoded
    flows      the live flow table: counters, direction, DNS answers (dnsmsg → names)
    sniff      a flow's first bytes: TLS ClientHello (tls), QUIC Initial (quic), HTTP Host (http)
    har, zeek  the same flows and answers from HAR files and Zeek logs
    endpoints  flows folded into endpoints (address + name), each with its evidence
    attribution, policy   providers by host-suffix/CNAME/address rules; region policy
    analyse    files → ``TrafficReport``;  codec, summary: what reports show
    writer, examples      writing captures; the Zoom 2020 and Clubhouse 2021 case studies
"""

from tethers.traffic.analyse import analyse
from tethers.traffic.model import Attribution, Endpoint, PolicyResult, TrafficReport, Violation
from tethers.traffic.policy import TrafficPolicy, TrafficRule

__all__ = ["Attribution", "Endpoint", "PolicyResult", "TrafficPolicy", "TrafficReport", "TrafficRule", "Violation", "analyse"]
