from __future__ import annotations

import numpy as np

from tethers.attack.episodes import Series, episodes
from tethers.attack.records import Vector


def run(values: list[float], other: list[float] | None = None):
    data = {Vector.HTTP: np.array(values, dtype=float)}
    if other is not None:
        data[Vector.UDP] = np.array(other, dtype=float)
    return episodes(Series(1000, data, {}))


def test_one_surge_with_a_bridged_gap() -> None:
    values = [10.0] * 60 + [500, 600, 0, 0, 700, 650] + [10.0] * 60
    (ep,) = run(values)
    assert ep.surge and (ep.start, ep.end) == (1060, 1066)
    assert ep.peak_minute == 1064 and ep.peak_rate == 700 and ep.usual_rate == 10


def test_steady_traffic_is_one_episode_without_surge() -> None:
    (ep,) = run([10.0, 12, 9, 11, 10] * 20)
    assert not ep.surge and (ep.start, ep.end) == (1000, 1100)


def test_small_burst_is_not_a_surge() -> None:
    (ep,) = run([10.0] * 200 + [60] + [10.0] * 200)  # 6x for one minute, under 5% of the traffic
    assert not ep.surge


def test_vector_from_nothing_and_separate_waves() -> None:
    http = [5.0] * 300
    udp = [0.0] * 50 + [900] * 10 + [0.0] * 100 + [800] * 10 + [0.0] * 130
    eps = run(http, udp)
    udp_eps = [e for e in eps if e.vector is Vector.UDP]
    assert [(e.start, e.end, e.surge, e.usual_rate) for e in udp_eps] == [(1050, 1060, True, 0.0), (1160, 1170, True, 0.0)]
