"""The generated X-outage incident: tethers must tell its three waves apart, against the ground truth."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from tethers.attack.casestudy import generate


def surge(report: dict[str, Any], vector: str) -> dict[str, Any]:
    found = [e for e in report["episodes"] if e["vector"] == vector and e["surge"]]
    assert len(found) == 1, [(e["vector"], e["surge"]) for e in report["episodes"]]
    return found[0]


def verdict(ep: dict[str, Any], prefix: str) -> dict[str, Any]:
    return next(c for c in ep["claims"] if c["claim"].startswith(prefix))


def test_each_wave_found_in_its_window_with_its_trust(incident, incident_report) -> None:
    _, truth = incident
    for wave in truth["waves"]:
        ep = surge(incident_report, wave["vector"])
        assert ep["start"] == wave["start"][:16] + "Z" and ep["end"] == wave["end"][:16] + "Z"
        assert ep["trust"] == wave["expected_trust"]
        country = next(c for c in ep["claims"] if " came from " in c["claim"] and "AS" not in c["claim"])
        assert country["verdict"] == wave["expected_country_verdict"], country


def test_http_flood_is_rented_servers_in_many_countries(incident_report) -> None:
    ep = surge(incident_report, "http")
    assert ep["countries"] >= 10
    assert ep["by_country"][0]["share"] < 0.5
    assert ep["network_classes"]["hosting/cloud"] > 0.8
    assert ep["new_share"] > 0.9  # the bots were never seen in the baseline
    assert verdict(ep, "The http traffic came from rented servers")["verdict"] == "partly"
    assert not [i for i in ep["indicators"] if i["fires"]]


def test_reflection_names_the_reflected_services(incident_report) -> None:
    ep = surge(incident_report, "udp-reflection")
    fired = {i["name"] for i in ep["indicators"] if i["fires"]}
    assert "reflection" in fired and "one-ttl" not in fired and "odd-ttl" not in fired
    services = {v.get("service") for v in ep["source_ports"]["values"]}
    assert {"DNS", "NTP"} <= services


def test_syn_flood_geolocates_to_ukraine_and_is_forged(incident_report) -> None:
    ep = surge(incident_report, "tcp-syn")
    assert ep["by_country"][0]["country"] == "UA" and ep["by_country"][0]["share"] > 0.99
    fired = {i["name"] for i in ep["indicators"] if i["fires"]}
    assert {"even-spread", "one-country-many-networks", "one-ttl", "syn-only"} <= fired
    assert verdict(ep, "The tcp-syn traffic came from UA")["verdict"] == "does-not-hold"


def test_baseline_is_home_and_mobile_without_surge(incident_report) -> None:
    (ep,) = [e for e in incident_report["episodes"] if e["vector"] == "tcp-established"]
    assert not ep["surge"] and ep["network_classes"]["residential/mobile"] > 0.9


def test_generation_is_reproducible(tmp_path: Path) -> None:
    def digest(d: Path) -> str:
        return hashlib.sha256(b"".join((d / n).read_bytes() for n in ("access.log", "flows.csv"))).hexdigest()
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for d, seed in ((a, 1), (b, 1), (c, 2)):
        d.mkdir()
        generate(d, seed=seed, scale=0.005)
    assert digest(a) == digest(b) != digest(c)
    assert (a / "README.md").read_text(encoding="utf-8").startswith("# Synthetic incident")
