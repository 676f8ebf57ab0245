"""Summed shares are rounded once, after summing, so they never come out above 1.

Each input below is built so that its parts, rounded to 4 places first, add up to 1.0001.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from tethers.attack import analyse
from tests.attack.conftest import write

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("TETHERS_CORPUS", REPO.parent / "shared" / "corpus"))
SCHEMA = json.loads((REPO / "tethers" / "data" / "schemas" / "attack.schema.json").read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
HEADER = "time,src,dst,sport,dport,proto,packets,bytes,flags,ttl\n"


def _flows(path: Path, rows: list[tuple[str, int, str, str, int]]) -> Path:
    """A CSV flow export, one flow a minute per (src, sport, proto, flags, packets) row."""
    lines = [f"2025-03-10T09:{45 + i:02d}:00Z,{src},198.51.100.10,{sport},443,{proto},{packets},{packets * 60},"
             f"{flags},55\n" for i, (src, sport, proto, flags, packets) in enumerate(rows)]
    return write(path, HEADER + "".join(lines))


def _episode(report: dict[str, Any], vector: str) -> dict[str, Any]:
    VALIDATOR.validate(json.loads(json.dumps(report)))  # the schema caps these shares at 1 too
    return next(e for e in report["episodes"] if e["vector"] == vector)


def test_reflection_share_of_rounded_ports_stays_at_one(tmp_path: Path) -> None:
    # 25, 17 and 3 packets of 45 from DNS, NTP and memcached: 0.5556 + 0.3778 + 0.0667 = 1.0001.
    flows = _flows(tmp_path / "udp.csv", [("192.0.2.1", 53, "UDP", "", 25), ("192.0.2.2", 123, "UDP", "", 17),
                                          ("192.0.2.3", 11211, "UDP", "", 3)])
    ports = _episode(analyse([flows]), "udp-reflection")["source_ports"]
    assert round(sum(v["share"] for v in ports["values"]), 4) == 1.0001
    assert ports["reflection_share"] == 1.0


def test_rented_servers_support_of_two_rounded_classes_stays_at_one(tmp_path: Path) -> None:
    # 1 packet of 20,000 from Hetzner (hosting) and the rest from Cloudflare (CDN): 0.0001 + 1.0 = 1.0001.
    flows = _flows(tmp_path / "tcp.csv", [("5.9.1.1", 40000, "TCP", ".A....", 1),
                                          ("1.1.1.1", 40001, "TCP", ".A....", 19999)])
    ep = _episode(analyse([flows]), "tcp-established")
    assert ep["network_classes"]["hosting/cloud"] + ep["network_classes"]["cdn/proxy"] == pytest.approx(1.0001)
    rented = next(c for c in ep["claims"] if "rented servers" in c["claim"])
    assert rented["support"] == 1.0


@pytest.mark.corpus
@pytest.mark.skipif(not (CORPUS / "pcap").is_dir(), reason="../shared/corpus is not present")
def test_corpus_captures_keep_every_share_within_one() -> None:
    captures = sorted((CORPUS / "pcap").glob("*.pcap"))
    if not captures:
        pytest.skip("no captures in the corpus")
    report = analyse(captures)
    for ep in report["episodes"]:
        if "reflection_share" in ep["source_ports"]:
            assert 0 <= ep["source_ports"]["reflection_share"] <= 1
        assert all(0 <= c["support"] <= 1 for c in ep["claims"])
    VALIDATOR.validate(json.loads(json.dumps(report)))
