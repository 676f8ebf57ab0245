"""Per-minute series and the surges in them.

A surge is a run of minutes well above a vector's usual rate: at least four times its
median over the minutes with any traffic and at least a quarter of the peak, with gaps
of up to three quiet minutes bridged, carrying at least 5% of the vector's traffic. A vector without a surge is assessed as a whole ("all traffic"), so a
quiet log still gets its breakdowns and trust statements.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tethers.attack.aggregate import Frame
from tethers.attack.records import Vector

SURGE_FACTOR = 4.0
PEAK_FRACTION = 0.25
BRIDGE = 3  # quiet minutes bridged inside one surge
MAX_SURGES = 3
MIN_SHARE = 0.05  # a burst carrying less of the vector's traffic than this is not a surge


@dataclass(frozen=True)
class Episode:
    vector: Vector
    start: int  # first minute (epoch minutes)
    end: int  # one past the last minute
    surge: bool
    peak_minute: int
    peak_rate: float  # weight in the peak minute
    usual_rate: float  # the median minute over the whole span

    @property
    def minutes(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Series:
    start: int  # epoch minute of the first bin
    by_vector: dict[Vector, npt.NDArray[np.float64]]  # weight per minute
    bytes_by_vector: dict[Vector, npt.NDArray[np.float64]]


def series(frame: Frame) -> Series:
    if not len(frame):
        return Series(0, {}, {})
    start = int(frame.minute.min())
    span = int(frame.minute.max()) - start + 1
    out: dict[Vector, np.ndarray] = {}
    out_bytes: dict[Vector, np.ndarray] = {}
    for v in np.unique(frame.vector).tolist():
        mask = frame.vector == v
        offsets = frame.minute[mask] - start
        out[Vector(v)] = np.bincount(offsets, weights=frame.weight[mask], minlength=span)
        out_bytes[Vector(v)] = np.bincount(offsets, weights=frame.nbytes[mask], minlength=span)
    return Series(start, out, out_bytes)


def episodes(s: Series) -> list[Episode]:
    found: list[Episode] = []
    if not s.by_vector:
        return found
    busy = np.sum(list(s.by_vector.values()), axis=0) > 0  # minutes with any traffic at all
    for vector, values in sorted(s.by_vector.items()):
        found.extend(_episodes(vector, values, s.start, busy))
    return sorted(found, key=lambda e: (not e.surge, e.start, e.vector))  # surges first, in time order


def _episodes(vector: Vector, values: npt.NDArray[np.float64], start: int,
              busy: npt.NDArray[np.bool_]) -> list[Episode]:
    peak_at = int(values.argmax())
    peak = float(values[peak_at])
    usual = float(np.median(values[busy]))  # quiet gaps in a log (nights, rotation) are not "usual"
    active = np.flatnonzero(values > 0)
    whole = Episode(vector, start + int(active[0]), start + int(active[-1]) + 1, False, start + peak_at, peak, usual)
    if peak <= 0 or peak < SURGE_FACTOR * usual or len(active) < 2:
        return [whole]
    threshold = max(SURGE_FACTOR * usual, PEAK_FRACTION * peak)
    runs: list[list[int]] = []
    for i in np.flatnonzero(values >= threshold).tolist():
        if runs and i - runs[-1][1] <= BRIDGE + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    weights = [float(values[a:b + 1].sum()) for a, b in runs]
    top = max(weights)
    chosen = sorted(sorted(range(len(runs)), key=lambda k: -weights[k])[:MAX_SURGES])
    out: list[Episode] = []
    for k in chosen:
        if weights[k] < max(0.1 * top, MIN_SHARE * float(values.sum())):
            continue
        a, b = runs[k]
        local = a + int(values[a:b + 1].argmax())
        out.append(Episode(vector, start + a, start + b + 1, True, start + local, float(values[local]), usual))
    return out or [whole]
