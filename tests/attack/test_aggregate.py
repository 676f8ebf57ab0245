from __future__ import annotations

import ipaddress

import numpy as np

from tethers.attack.aggregate import V6_BASE, Aggregator, Filters
from tethers.attack.read import FileStats
from tethers.attack.records import Vector, flow_batch, http_batch

T = 1741599902  # 2025-03-10T09:45:02Z


def web(src: list[str], ts: list[int], host: list[str] | None = None):
    return http_batch(np.array(ts, dtype=np.int64), src, host=host)


def test_rows_per_minute_vector_and_source() -> None:
    agg = Aggregator()
    stats = FileStats("x")
    agg.add(web(["192.0.2.1", "192.0.2.1", "192.0.2.2", "192.0.2.1"], [T, T + 1, T, T + 60]), stats)
    agg.add(web(["192.0.2.1"], [T + 2]), stats)
    f = agg.finish()
    rows = sorted(zip(f.minute.tolist(), f.src.tolist(), f.weight.tolist(), strict=True))
    one, two = int(ipaddress.IPv4Address("192.0.2.1")), int(ipaddress.IPv4Address("192.0.2.2"))
    assert rows == [(T // 60, one, 3.0), (T // 60, two, 1.0), (T // 60 + 1, one, 1.0)]
    assert set(f.vector.tolist()) == {Vector.HTTP}


def test_ipv6_mapped_and_bad_addresses() -> None:
    agg = Aggregator()
    stats = FileStats("x")
    stats.records = 5
    agg.add(web(["2001:db8::1", "::ffff:192.0.2.7", "2001:DB8::1", "not-an-ip", "example.com"], [T] * 5), stats)
    f = agg.finish()
    assert f.v6 == [ipaddress.IPv6Address("2001:db8::1").packed]
    assert sorted(f.src.tolist()) == [int(ipaddress.IPv4Address("192.0.2.7")), V6_BASE]
    assert f.weight.sum() == 3
    assert stats.malformed == 2 and stats.records == 3 and "not-an-ip" in stats.samples[0]


def test_flows_weigh_packets_and_keep_side_tables() -> None:
    agg = Aggregator()
    n = 3
    batch = flow_batch(np.array([T] * n), ["192.0.2.1", "192.0.2.2", "192.0.2.3"], ["198.51.100.1"] * n,
                       np.array([17, 17, 6]), np.array([53, 53, 4000]), np.array([9999, 9999, 443]),
                       np.array([10, 5, 1]), np.array([10000, 5000, 60]), np.array([-1, -1, 2]),
                       np.array([50, 50, 51]))
    agg.add(batch, FileStats("f"))
    f = agg.finish()
    assert f.weight.sum() == 16
    minute, vector, value, weight = f.side["ttl"]
    assert sorted(zip(vector.tolist(), value.tolist(), weight.tolist(), strict=True)) == [
        (Vector.TCP_SYN, 51, 1.0), (Vector.UDP_REFLECTION, 50, 15.0)]
    assert sorted(f.side["sport"][2].tolist()) == [53, 4000]


def test_filters_time_target_and_host() -> None:
    stats = FileStats("x")
    agg = Aggregator(Filters(since=T, until=T + 60))
    agg.add(web(["192.0.2.1"] * 3, [T - 1, T, T + 60]), stats)
    assert agg.finish().weight.sum() == 1 and agg.excluded == 2

    agg = Aggregator(Filters(host="x.example"))
    agg.add(web(["192.0.2.1"] * 3, [T] * 3, host=["X.example:443", "y.example", "x.example."]), stats)
    assert agg.finish().weight.sum() == 2

    agg = Aggregator(Filters(target=ipaddress.ip_network("198.51.100.0/24")))
    batch = flow_batch(np.array([T, T]), ["192.0.2.1", "192.0.2.2"], ["198.51.100.9", "203.0.113.1"],
                       np.array([6, 6]), np.array([1, 1]), np.array([2, 2]), np.array([1, 1]), np.array([1, 1]),
                       np.array([-1, -1]), np.array([-1, -1]))
    agg.add(batch, stats)
    agg.add(web(["192.0.2.3"], [T]), stats)  # an access log without a destination cannot match
    assert agg.finish().weight.sum() == 1


def test_far_away_times_are_malformed_not_fatal() -> None:
    stats = FileStats("x")
    agg = Aggregator()
    agg.add(web(["192.0.2.1", "192.0.2.2"], [T, T + 60 * (1 << 25)]), stats)
    assert agg.finish().weight.sum() == 1 and stats.malformed == 1


def test_compaction_keeps_totals(monkeypatch) -> None:
    import tethers.attack.aggregate as module

    monkeypatch.setattr(module, "_COMPACT_ROWS", 3)
    agg = Aggregator()
    for i in range(10):
        agg.add(web([f"192.0.2.{i % 4}"] * 2, [T, T + 60]), FileStats("x"))
    f = agg.finish()
    assert f.weight.sum() == 20 and len(f) == 8
