"""The case studies: reproducible bytes, the findings they model, and tshark reading them the same way."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tethers.traffic.analyse import analyse
from tethers.traffic.examples import EXAMPLES, write_example, write_examples
from tethers.traffic.policy import TrafficPolicy, flag_rules

DENY_CN = TrafficPolicy(tuple(flag_rules(deny={"CN"}, deny_listed=["CN"])))


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {p.stem: p for p in write_examples(tmp_path_factory.mktemp("cases"))}


def test_generation_is_reproducible(cases, tmp_path: Path):
    for name in EXAMPLES:
        assert write_example(name, tmp_path / "again.pcap").read_bytes() == cases[name].read_bytes()


def test_zoom_2020_key_exchange_goes_to_a_denied_country(cases):
    report = analyse([str(cases["zoom-2020"])], policy=DENY_CN)
    assert {e.attribution.provider.id for e in report.endpoints if e.attribution.provider} == {"zoom"}
    [violation] = report.policy.violations  # type: ignore[union-attr]
    key = violation.endpoint
    assert (key.name, key.server, key.location.country, key.protocols) == ("kms-illustrative.zoom.us", "52.81.1.10", "CN", ("tcp/tls",))
    assert violation.reasons == ("server in CN (China), a denied country [deny-countries]",)
    # The evidence: the SNI, and the DNS answer that pointed the client there.
    sni = key.evidence[0]
    assert sni.source == "pcap:sni" and sni.via is not None and sni.via.value.startswith("A 52.81.1.10")
    media = next(e for e in report.endpoints if e.ports == (8801,))
    assert media.location.country == "US" and media.bytes > 1_000_000


def test_clubhouse_2021_audio_runs_through_agora(cases):
    report = analyse([str(cases["clubhouse-2021"])], policy=DENY_CN)
    agora = [e for e in report.endpoints if e.attribution.provider and e.attribution.provider.id == "agora"]
    assert {e.name for e in agora} == {"join-illustrative.sd-rtn.com", "edge-illustrative.agora.io"}
    audio = max(agora, key=lambda e: e.bytes)
    assert audio.bytes_in > 900_000 and audio.protocols == ("udp",) and audio.location.asn == 140899
    assert {v.endpoint.name for v in report.policy.violations} == {e.name for e in agora}  # type: ignore[union-attr]
    join = next(e for e in agora if e.name.startswith("join"))
    assert join.location.country == "CN"


def test_tshark_reads_the_same_names_and_packets(cases, tshark):
    for path in cases.values():
        out = subprocess.run([tshark, "-r", str(path), "-T", "fields", "-e", "tls.handshake.extensions_server_name",
                              "-e", "dns.qry.name", "-Y", "tls.handshake.type == 1 || dns.flags.response == 1"],
                             capture_output=True, text=True, check=True, timeout=60).stdout
        names = {n for line in out.splitlines() for n in line.split("\t") if n}
        report = analyse([str(path)])
        ours = {n for e in report.endpoints for n in e.names}
        assert names <= ours
        count = subprocess.run([tshark, "-r", str(path), "-T", "fields", "-e", "frame.number"],
                               capture_output=True, text=True, check=True, timeout=60).stdout.split()
        assert len(count) == report.inputs[0].records
