"""IP address → AS and country, offline, from the generated datasets.

Each dataset is loaded once, on first use, from whichever copy is newest: the
one ``tethers data update`` wrote to the user data dir or the one packaged with
tethers (newest by upstream snapshot date, then build time). A copy whose file
does not match the checksum in its provenance is skipped.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np

from tethers.errors import OperationalError
from tethers.geo.address import ParsedAddresses, parse_many
from tethers.geo.bogons import IPV4_MAPPED_PREFIX, bogon_table
from tethers.geo.datasets import ASN, COUNTRY, DatasetSpec
from tethers.geo.files import (
    DatasetArrays,
    DatasetFileError,
    Provenance,
    data_path,
    packaged_dir,
    provenance_path,
    read_dataset,
    read_provenance,
    sha256_file,
    user_generated_dir,
)
from tethers.model import Location

Candidates = Sequence[tuple[str, Path]]  # (origin label, directory), preferred first on ties


def default_candidates() -> list[tuple[str, Path]]:
    return [("user", user_generated_dir()), ("packaged", packaged_dir())]


@dataclass(frozen=True, slots=True, eq=False)
class LoadedDataset:
    spec: DatasetSpec
    arrays: DatasetArrays
    provenance: Provenance
    path: Path
    origin: str  # "user" or "packaged"
    skipped: tuple[str, ...] = ()  # copies refused, and why


def load_newest(spec: DatasetSpec, candidates: Candidates) -> LoadedDataset:
    """Load the newest intact copy of ``spec`` among ``candidates``."""
    found: list[tuple[Provenance, str, Path]] = []
    skipped: list[str] = []
    for origin, directory in candidates:
        path = provenance_path(directory, spec.name)
        if not path.is_file():
            continue
        try:
            found.append((read_provenance(path), origin, directory))
        except DatasetFileError as exc:
            skipped.append(str(exc))
    found.sort(key=lambda item: item[0].sort_key, reverse=True)  # stable: candidate order on ties
    for prov, origin, directory in found:
        path = data_path(directory, spec.name)
        try:
            if not path.is_file() or sha256_file(path) != prov.sha256:
                raise DatasetFileError(f"{path}: missing or does not match its provenance checksum")
            arrays = read_dataset(path)
            if (spec.kind == "asn") != (arrays.asn is not None):
                raise DatasetFileError(f"{path}: not a {spec.kind} dataset")
        except (DatasetFileError, OSError) as exc:
            skipped.append(str(exc))
            continue
        return LoadedDataset(spec, arrays, prov, path, origin, tuple(skipped))
    where = ", ".join(str(d) for _, d in candidates)
    detail = f" ({skipped[0]})" if skipped else ""
    raise OperationalError(
        f"no usable {spec.name} dataset in {where}{detail}",
        hint="run 'tethers data update', or reinstall tethers",
    )


def _unwrap_mapped(parsed: ParsedAddresses) -> ParsedAddresses:
    """Judge ``::ffff:1.2.3.4`` as the IPv4 address it carries."""
    if len(parsed.v6_keys) == 0:
        return parsed
    raw = parsed.v6_keys.view(np.uint8).reshape(-1, 16)
    mapped = (raw[:, :12] == np.frombuffer(IPV4_MAPPED_PREFIX, dtype=np.uint8)).all(axis=1)
    if not mapped.any():
        return parsed
    v4_from_v6 = np.ascontiguousarray(raw[mapped, 12:]).view(">u4").ravel().astype(np.uint32)
    pos = np.concatenate([parsed.v4_pos, parsed.v6_pos[mapped]])
    keys = np.concatenate([parsed.v4_keys, v4_from_v6])
    order = np.argsort(pos, kind="stable")
    return replace(
        parsed,
        v4_pos=pos[order],
        v4_keys=keys[order],
        v6_pos=parsed.v6_pos[~mapped],
        v6_keys=parsed.v6_keys[~mapped],
    )


class Locator:
    """Where addresses sit: AS number and name, and country.

    Private, reserved and documentation addresses (see ``tethers.geo.bogons``)
    and strings that are not addresses get a Location of Nones; nothing raises
    for bad input.
    """

    def __init__(self, candidates: Candidates | None = None) -> None:
        self._candidates = list(candidates) if candidates is not None else default_candidates()
        self._lock = threading.Lock()
        self._loaded: tuple[LoadedDataset, LoadedDataset] | None = None

    def datasets(self) -> tuple[LoadedDataset, ...]:
        """The loaded datasets (loading them if need be)."""
        return self._load()

    def _load(self) -> tuple[LoadedDataset, LoadedDataset]:
        with self._lock:
            if self._loaded is None:
                self._loaded = (load_newest(ASN, self._candidates), load_newest(COUNTRY, self._candidates))
            return self._loaded

    def locate(self, ip: object) -> Location:
        return self.locate_many([ip])[0]

    def locate_many(self, ips: Iterable[object]) -> list[Location]:
        items = list(ips)
        asn_data, country_data = (d.arrays for d in self._load())
        parsed = _unwrap_mapped(parse_many(items))
        bogon = bogon_table().lookup_parsed(parsed) >= 0
        as_idx = asn_data.table.lookup_parsed(parsed)
        cc_idx = country_data.table.lookup_parsed(parsed)
        as_idx[bogon] = -1
        cc_idx[bogon] = -1
        assert asn_data.asn is not None and asn_data.names is not None  # load_newest checked the kind
        asns = asn_data.asn[np.maximum(as_idx, 0)].tolist() if len(asn_data.asn) else [0] * len(items)
        names = asn_data.names
        countries = country_data.countries or ()
        out: list[Location] = []
        for item, a, c, number in zip(items, as_idx.tolist(), cc_idx.tolist(), asns, strict=True):
            out.append(
                Location(
                    ip=item if isinstance(item, str) else str(item),
                    country=countries[c] if c >= 0 else None,
                    asn=number if a >= 0 else None,
                    as_name=names[a] if a >= 0 else None,
                )
            )
        return out


@cache
def default_locator() -> Locator:
    """The process-wide locator over the user and packaged datasets."""
    return Locator()
