"""Counts in indicator and claim texts take the right number: "1 source", "2 sources"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tethers.attack import analyse
from tests.attack.conftest import write

HEADER = "time,src,dst,sport,dport,proto,packets,bytes,flags,ttl\n"


def _texts(report: dict[str, Any], vector: str) -> tuple[dict[str, str], list[str]]:
    ep = next(e for e in report["episodes"] if e["vector"] == vector)
    return {i["name"]: i["text"] for i in ep["indicators"]}, [r for c in ep["claims"] for r in c["rests_on"]]


def test_one_source_and_one_network_are_singular(tmp_path: Path) -> None:
    # One UDP flow from one Hetzner address: one source, one network.
    flows = write(tmp_path / "one.csv", HEADER + "2025-03-10T09:45:00Z,5.9.1.1,198.51.100.10,4444,443,UDP,1,60,,55\n")
    indicators, rests = _texts(analyse([flows]), "udp")
    assert indicators["even-spread"].startswith("1 source sent a median of 1 packet each, ")
    assert indicators["even-spread"].endswith(" over 1 network")
    assert any(r.startswith("geolocation of 1 source address (") for r in rests)


def test_several_sources_and_networks_are_plural(tmp_path: Path) -> None:
    rows = "".join(f"2025-03-10T09:45:0{i}Z,{ip},198.51.100.10,4444,443,UDP,3,180,,55\n"
                   for i, ip in enumerate(("5.9.1.1", "1.1.1.1")))
    indicators, rests = _texts(analyse([write(tmp_path / "two.csv", HEADER + rows)]), "udp")
    assert indicators["even-spread"].startswith("2 sources sent a median of 3 packets each, ")
    assert indicators["even-spread"].endswith(" over 2 networks")
    assert any(r.startswith("geolocation of 2 source addresses (") for r in rests)
