"""Files → a traffic report: read every input, build endpoints, attribute them, apply the policy.

Inputs are read in an order that lets names reach connections: Zeek dns, ssl and
http logs before conn logs; captures and HAR files as given. A file that is not a
capture, HAR or Zeek log stops the run (``InputError``) before anything is read; a
file damaged part-way (cut short, corrupt records, broken compression) keeps what
was read before the damage and says so in its warnings.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from tethers.kb import KnowledgeBase, default_kb
from tethers.model import Location
from tethers.traffic.attribution import TrafficAttributor
from tethers.traffic.endpoints import EndpointBuilder
from tethers.traffic.flows import FlowTable
from tethers.traffic.har import read_har
from tethers.traffic.inputs import ZEEK_KINDS, damage, detect, open_input
from tethers.traffic.model import Endpoint, Flow, InputInfo, TrafficReport
from tethers.traffic.names import DnsMap
from tethers.traffic.pcap import read_pcap
from tethers.traffic.pcapng import read_pcapng
from tethers.traffic.policy import TrafficPolicy, evaluate
from tethers.traffic.sniff import CUT_NOTE
from tethers.traffic.zeek import ZeekState, read_log

_CUT = CUT_NOTE.split("{", 1)[0]


class Locator(Protocol):
    def locate_many(self, ips: Iterable[object]) -> list[Location]: ...


def _order(item: tuple[int, str, str]) -> tuple[int, int]:
    index, _, fmt = item
    if fmt.startswith("zeek-"):
        return ZEEK_KINDS.index(fmt[5:]), index
    return len(ZEEK_KINDS), index


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def analyse(
    paths: Sequence[str],
    *,
    own: Iterable[str] = (),
    policy: TrafficPolicy | None = None,
    kb: KnowledgeBase | None = None,
    locator: Locator | None = None,
) -> TrafficReport:
    started = _now()
    plan = sorted(((i, p, detect(p)) for i, p in enumerate(paths)), key=_order)
    dns = DnsMap()
    builder = EndpointBuilder(dns)
    state = ZeekState()
    infos: dict[int, InputInfo] = {}
    for index, path, fmt in plan:
        infos[index] = _read(path, fmt, dns, builder, state)
    for flow in state.leftovers():
        builder.add(flow, "zeek")
    if builder.overflow and infos:
        infos[min(infos)].warn(f"{builder.overflow} flows went to servers past the first {len(builder.drafts) - 1} endpoints; they are counted together")
    if dns.dropped and infos:
        first = infos[min(infos)]
        first.warn(f"{dns.dropped} DNS answers for addresses past the first {len(dns.by_address)} were counted but not kept")
    drafts = builder.build()
    if locator is None:
        from tethers.geo import default_locator

        locator = default_locator()
    locations = locator.locate_many([d.server for d in drafts])
    attributor = TrafficAttributor(kb or default_kb(), own)
    endpoints = [
        Endpoint(
            server=d.server, name=d.name, names=tuple(d.names), ports=tuple(sorted(d.ports)),
            protocols=tuple(sorted(d.protocols)), flows=d.flows, packets_out=d.packets_out, packets_in=d.packets_in,
            bytes_out=d.bytes_out, bytes_in=d.bytes_in, first=d.first, last=d.last, evidence=tuple(d.evidence),
            inputs=tuple(d.inputs), location=loc, attribution=attributor.attribute(d, loc), notes=tuple(d.notes),
        )
        for d, loc in zip(drafts, locations, strict=True)
    ]
    endpoints.sort(key=lambda e: (-e.bytes, -e.flows, e.first, e.server, e.name))
    return TrafficReport(
        inputs=tuple(infos[i] for i in sorted(infos)),
        endpoints=tuple(endpoints),
        dns_answers=dns.count,
        policy=evaluate(policy, endpoints) if policy is not None else None,
        started=started,
        finished=_now(),
    )


def _read(path: str, fmt: str, dns: DnsMap, builder: EndpointBuilder, state: ZeekState) -> InputInfo:
    info = InputInfo(path, fmt)
    cut = 0
    flows = 0

    def sink(flow: Flow) -> None:
        nonlocal cut, flows
        flows += 1
        if flow.note.startswith(_CUT):
            cut += 1
        builder.add(flow, path)

    table: FlowTable | None = None
    with open_input(path) as fh:
        try:
            if fmt in ("pcap", "pcapng"):
                table = FlowTable(sink, dns)
                table.run((read_pcap if fmt == "pcap" else read_pcapng)(fh, info), info)
            elif fmt == "har":
                read_har(fh, info, sink, os.path.getsize(path))
            else:
                read_log(fmt[5:], fh, info, sink, dns, state)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            info.warn(f"the compressed file is cut or damaged ({exc}); what was read before is kept")
        except OSError as exc:
            info.warn(f"reading stopped: {exc.strerror or exc}; what was read before is kept")
        finally:
            if table is not None:
                table.close_all()
        if why := damage(fh):
            info.warn(f"the compressed file is cut or damaged ({why}); what was read before is kept")
    if table is not None:
        if info.records and not flows:
            info.warn("no IPv4 or IPv6 traffic in this capture")
    if cut:
        info.warn(
            f"the snapshot length ({info.snaplen} bytes) cut the first packets of {cut} flows, so their names "
            "may be missing: capture with a larger snaplen (tcpdump -s 0)"
        )
    return info
