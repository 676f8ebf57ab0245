"""Where generated datasets live and how they are stored.

Each dataset is two files side by side:

- ``<name>.npz``: numpy arrays, compressed, no pickles. The six range-table arrays
  (``v4_start``...; see ``tethers.geo.table``) plus what a value index means:
  ``asn`` (uint32) and ``name_blob``/``name_offsets`` (UTF-8 organisation names,
  name *i* is ``name_blob[name_offsets[i]:name_offsets[i+1]]``) for an ASN dataset,
  ``country`` (S2) for a country dataset.
- ``<name>.provenance.json``: where the data came from, its licence, snapshot date,
  row counts and the sha256 of the ``.npz``, which loading checks.

The packaged copy sits in ``tethers/data/generated``; ``tethers data update`` writes
to ``<user data dir>/generated`` (``$TETHERS_DATA_DIR/generated`` when set).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import platformdirs

from tethers.geo.table import RangeTable

FORMAT = 1
ENV_DATA_DIR = "TETHERS_DATA_DIR"
_TABLE_ARRAYS = ("v4_start", "v4_end", "v4_value", "v6_start", "v6_end", "v6_value")


class DatasetFileError(Exception):
    """A generated file is missing, damaged or of another format; callers fall back."""


def packaged_dir() -> Path:
    return Path(str(resources.files("tethers.data"))) / "generated"


def user_data_dir() -> Path:
    override = os.environ.get(ENV_DATA_DIR)
    return Path(override) if override else Path(platformdirs.user_data_dir("tethers"))


def user_generated_dir() -> Path:
    return user_data_dir() / "generated"


def data_path(directory: Path, name: str) -> Path:
    return directory / f"{name}.npz"


def provenance_path(directory: Path, name: str) -> Path:
    return directory / f"{name}.provenance.json"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def atomic_write(path: Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """Write to a temporary file beside ``path`` and rename it over ``path`` on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes the file private (0600); these are public data, readable like any other.
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True, slots=True)
class Provenance:
    """The parsed ``<name>.provenance.json``; ``raw`` keeps every field for display."""

    dataset: str
    snapshot_date: date
    built_at: str
    sha256: str
    raw: dict[str, Any]

    @property
    def sort_key(self) -> tuple[date, str]:
        return self.snapshot_date, self.built_at


def read_provenance(path: Path) -> Provenance:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetFileError(f"{path}: {exc}") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise DatasetFileError(f"{path}: not a format-{FORMAT} provenance file")
    try:
        return Provenance(
            dataset=str(raw["dataset"]),
            snapshot_date=date.fromisoformat(raw["snapshot_date"]),
            built_at=str(raw["built_at"]),
            sha256=str(raw["sha256"]),
            raw=raw,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DatasetFileError(f"{path}: bad field: {exc}") from None


def write_provenance(path: Path, record: dict[str, Any]) -> None:
    with atomic_write(path, "w") as fh:
        json.dump(record, fh, indent=2, ensure_ascii=False)
        fh.write("\n")


@dataclass(frozen=True, slots=True, eq=False)
class DatasetArrays:
    """A dataset as loaded: its range table and what each value index means."""

    table: RangeTable
    asn: npt.NDArray[np.uint32] | None = None
    names: tuple[str | None, ...] | None = None
    countries: tuple[str, ...] | None = None

    @property
    def value_count(self) -> int:
        if self.countries is not None:
            return len(self.countries)
        return 0 if self.asn is None else len(self.asn)


def write_dataset(path: Path, data: DatasetArrays) -> None:
    arrays: dict[str, npt.NDArray[Any]] = dict(data.table.arrays())
    if data.asn is not None and data.names is not None:
        encoded = [(n or "").encode("utf-8") for n in data.names]
        offsets = np.zeros(len(encoded) + 1, dtype=np.uint32)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        arrays["asn"] = np.asarray(data.asn, dtype=np.uint32)
        arrays["name_blob"] = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        arrays["name_offsets"] = offsets
    elif data.countries is not None:
        arrays["country"] = np.array([c.encode("ascii") for c in data.countries], dtype="S2")
    else:
        raise ValueError("a dataset needs either ASNs with names or countries")
    with atomic_write(path) as fh:
        np.savez_compressed(fh, **arrays)


def read_dataset(path: Path) -> DatasetArrays:
    try:
        # Open the file ourselves: np.load(path) leaks its handle when the zip is damaged.
        with path.open("rb") as fh:
            loaded = np.load(fh, allow_pickle=False)
            if not isinstance(loaded, np.lib.npyio.NpzFile):
                raise ValueError("not an .npz archive")
            with loaded as npz:
                arrays = {key: npz[key] for key in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise DatasetFileError(f"{path}: {exc}") from None
    missing = [k for k in _TABLE_ARRAYS if k not in arrays]
    if missing:
        raise DatasetFileError(f"{path}: missing arrays {', '.join(missing)}")
    try:
        table = RangeTable(*(arrays[k] for k in _TABLE_ARRAYS))
        values = max(int(arrays["v4_value"].max(initial=-1)), int(arrays["v6_value"].max(initial=-1))) + 1
        if "asn" in arrays:
            blob = arrays["name_blob"].tobytes()
            offsets = arrays["name_offsets"].astype(np.int64)
            names = tuple(
                blob[offsets[i] : offsets[i + 1]].decode("utf-8") or None for i in range(len(offsets) - 1)
            )
            data = DatasetArrays(table, asn=arrays["asn"].astype(np.uint32), names=names)
            if len(names) != len(data.asn):  # type: ignore[arg-type]
                raise ValueError("asn and name tables differ in length")
        elif "country" in arrays:
            countries = tuple(c.decode("ascii") for c in arrays["country"].tolist())
            data = DatasetArrays(table, countries=countries)
        else:
            raise ValueError("neither an asn nor a country table")
        if data.value_count < values:
            raise ValueError("ranges refer to values the file does not define")
    except (KeyError, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise DatasetFileError(f"{path}: {exc}") from None
    return data
