from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tethers.attack import SCHEMA, Filters, Options, analyse
from tethers.errors import InputError
from tests.attack.conftest import clf, write

CORPUS_LOG = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "logs" / "elastic_apache_logs.log"


def test_report_is_json_and_carries_its_schema(incident_report) -> None:
    text = json.dumps(incident_report)
    back = json.loads(text)
    assert back["schema"] == SCHEMA == "tethers/attack@1"
    assert set(back) >= {"inputs", "span", "totals", "series", "episodes", "limits"}
    for ep in back["episodes"]:
        for claim in ep["claims"]:
            assert set(claim) == {"claim", "verdict", "support", "rests_on", "refuted_by"}
            assert 0 <= claim["support"] <= 1


def test_breakdowns_add_up(incident_report) -> None:
    for ep in incident_report["episodes"]:
        assert sum(ep["network_classes"].values()) == pytest.approx(1, abs=0.01)
        assert sum(r["share"] for r in ep["by_country"]) <= 1.0001
        assert ep["top_talkers"][0]["weight"] == max(t["weight"] for t in ep["top_talkers"])


def test_since_until_and_given_baseline(incident) -> None:
    directory, _ = incident
    opts = Options(filters=Filters(since=1741599600, until=1741601400),  # 09:40-10:10
                   baseline=(1741478400, 1741564800))  # 9 March
    report = analyse([directory / "access.log"], opts)
    (ep,) = report["episodes"]
    assert ep["start"] == "2025-03-10T09:40Z" and ep["baseline_sources"] > 0
    assert report["filters"]["baseline"] == ["2025-03-09T00:00Z", "2025-03-10T00:00Z"]


def test_only_unreadable_input_is_one_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nothing could be read"):
        analyse([write(tmp_path / "e.log", ""), write(tmp_path / "b.bin", bytes(range(256)) * 8)])
    with pytest.raises(InputError, match="left after the filters"):
        analyse([write(tmp_path / "a.log", clf("192.0.2.1"))], Options(filters=Filters(since=2_000_000_000)))


def test_time_zones_are_normalised(tmp_path: Path) -> None:
    a = write(tmp_path / "a.log", clf("192.0.2.1", "10/Mar/2025:10:45:02 +0100"))
    b = tmp_path / "b.log.gz"
    b.write_bytes(gzip.compress(clf("192.0.2.2", "10/Mar/2025:04:45:30 -0500").encode()))
    report = analyse([a, b])
    (ep,) = report["episodes"]
    assert (ep["start"], ep["end"], ep["total"]) == ("2025-03-10T09:45Z", "2025-03-10T09:46Z", 2.0)


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS_LOG.is_file(), reason="../shared/corpus is not present")
def test_elastic_apache_sample() -> None:
    report = analyse([CORPUS_LOG])
    (f,) = report["inputs"]
    assert (f["format"], f["lines"], f["records"], f["malformed"]) == ("combined", 10000, 10000, 0)
    (ep,) = report["episodes"]
    assert ep["vector"] == "http" and ep["trust"] == "real" and not ep["surge"]
    assert ep["total"] == 10000 and ep["sources"] > 1000
    top = ep["by_country"][0]
    assert top["country"] == "US" and 0.3 < top["share"] < 0.5  # spread out: no country claim beyond "weak"
    assert {c["verdict"] for c in ep["claims"][:2]} == {"weak"}
    assert report["span"]["start"] == "2015-05-17T10:05Z"


def test_ipv6_sources_get_prefixes_and_attribution(tmp_path: Path) -> None:
    lines = [clf("2a01:4f8::1"), clf("2a01:4f8::2"), clf("2001:db8::9"), clf("::ffff:5.9.1.1")]
    report = analyse([write(tmp_path / "v6.log", "".join(lines))])
    (ep,) = report["episodes"]
    prefixes = {r["prefix"]: r["sources"] for r in ep["by_prefix"]}
    assert prefixes == {"2a01:4f8::/48": 2, "2001:db8::/48": 1, "5.9.1.0/24": 1}
    assert ep["by_asn"][0]["asn"] == 24940 and ep["network_classes"]["bogon"] == 0.25


def nginx_main(ip: str, xff: str) -> str:
    return clf(ip).rstrip("\n") + f' "{xff}"\n'


def test_clients_behind_a_cdn(tmp_path: Path) -> None:
    # Cloudflare edges (AS13335) connect; X-Forwarded-For names the clients, the left one forged by a client.
    lines = [nginx_main("104.16.0.1", "5.9.1.1"), nginx_main("104.16.0.2", "1.2.3.4, 5.9.1.2"),
             nginx_main("104.16.0.3", "-"), nginx_main("104.16.0.4", "10.0.0.1, 5.9.1.3, 104.16.0.9")]
    log = write(tmp_path / "cdn.log", "".join(lines))
    plain = analyse([log])
    (ep,) = plain["episodes"]
    assert ep["network_classes"] == {"cdn/proxy": 1.0}
    assert {i["name"] for i in ep["indicators"] if i["fires"]} == {"behind-cdn"}
    assert ep["claims"][0]["verdict"] == "weak" and "CDN edges" in ep["claims"][0]["rests_on"][-1]

    report = analyse([log], Options(forwarded=True))
    assert report["inputs"][0]["format"] == "nginx-main" and report["inputs"][0]["forwarded_clients"] == 3
    (ep,) = report["episodes"]
    talkers = {t["address"] for t in ep["top_talkers"]}
    assert talkers == {"5.9.1.1", "5.9.1.2", "5.9.1.3", "104.16.0.3"}  # the forged 1.2.3.4 is never taken
    assert ep["by_asn"][0]["asn"] == 24940


def test_forwarded_with_a_custom_format(tmp_path: Path) -> None:
    from tethers.attack.accesslog import parse_log_format

    fmt = parse_log_format('$remote_addr [$time_local] "$request" $status $http_x_forwarded_for')
    log = write(tmp_path / "x.log", '10.0.0.5 [10/Mar/2025:09:45:02 +0000] "GET / HTTP/1.1" 200 5.9.1.1\n')
    report = analyse([log], Options(log_format=fmt, forwarded=True))
    assert report["episodes"][0]["top_talkers"][0]["address"] == "5.9.1.1"
