"""Refresh the IP datasets from upstream: download, validate, build, then swap in.

``source_url`` is a base under which each dataset is a folder, as in upstream's
repository: ``<base>/asn/asn-ipv4.csv``, ``<base>/asn/package.json``... It may be
``http(s)://``, ``file://`` or a local directory laid out the same way; the
packaged copy in ``tethers/data/generated`` is made with

    tethers data update --from-dir <unpacked upstream packages> --dir tethers/data/generated

Everything is downloaded and built in a staging folder inside the target folder
first; only when every dataset has built do the new files replace the old, each
with an atomic rename. A failure at any step leaves the existing data as it was.
The loader checks each file against the sha256 in its provenance, so even a crash
between the two renames of one dataset cannot make it load a mismatched pair.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from tethers.errors import InputError, OperationalError, TethersError
from tethers.geo.build import ErrorFactory, Snapshot, SourceFile, build_dataset
from tethers.geo.datasets import DATASETS, DEFAULT_SOURCE_URL, DatasetSpec
from tethers.geo.files import data_path, provenance_path, user_generated_dir

Progress = Callable[[str, int, int | None], None]  # (file label, bytes so far, total or None)

# "2.3.2026061719": major.minor.YYYYMMDDHH, the scheme upstream versions its daily releases with.
_VERSION_DATE = re.compile(r"^\d+\.\d+\.(\d{4})(\d{2})(\d{2})(\d{2})?$")
_CHUNK = 1 << 16
_STAGING_PREFIX = ".update-"


def snapshot_from_version(version: str) -> date | None:
    match = _VERSION_DATE.match(version)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _base_url(source: str | Path | None) -> str:
    if isinstance(source, Path):
        if not source.is_dir():
            raise InputError(f"source directory {source} does not exist")
        return source.resolve().as_uri()
    source = source or DEFAULT_SOURCE_URL
    scheme = urllib.parse.urlsplit(source).scheme.lower()
    if scheme in ("http", "https", "file"):
        return source.rstrip("/")
    if scheme and len(scheme) > 1:  # one letter is a Windows drive, i.e. a path
        raise InputError(f"unsupported source URL {source!r}", hint="use http://, https://, file:// or a directory")
    path = Path(source)
    if not path.is_dir():
        raise InputError(f"source directory {source} does not exist")
    return path.resolve().as_uri()


def _error_for(url: str) -> ErrorFactory:
    # Bad local files are the user's to fix; a bad download is the world failing.
    return InputError if url.startswith("file:") else OperationalError


def _download(url: str, dest: Path, *, timeout: float, progress: Progress | None) -> Message:
    """Stream ``url`` into ``dest``; return the response headers."""
    request = urllib.request.Request(url, headers={"User-Agent": _user_agent()})
    error = _error_for(url)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, dest.open("wb") as out:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(dest.name, done, total)
            if total is not None and done != total:
                raise error(f"cannot fetch {url}: connection closed after {done} of {total} bytes")
            return response.headers
    except urllib.error.HTTPError as exc:
        exc.close()
        raise error(f"cannot fetch {url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        where = urllib.parse.urlsplit(url).netloc or url
        reason = getattr(exc.reason, "strerror", None) or exc.reason
        raise error(f"cannot reach {where}: {reason}") from None
    except (OSError, http.client.HTTPException) as exc:  # timeouts, resets, bad responses mid-body
        raise error(f"cannot fetch {url}: {str(exc) or type(exc).__name__}") from None


def _user_agent() -> str:
    from tethers import __version__

    return f"tethers/{__version__} (data update)"


def _snapshot(base: str, spec: DatasetSpec, staging: Path, first: Message, timeout: float) -> Snapshot:
    """The upstream snapshot date: from package.json's version, else Last-Modified, else today."""
    meta = staging / f"{spec.name}.package.json"
    try:
        _download(f"{base}/{spec.name}/package.json", meta, timeout=timeout, progress=None)
        info: Any = json.loads(meta.read_text(encoding="utf-8"))
    except (TethersError, UnicodeDecodeError, json.JSONDecodeError):
        info = None  # optional: mirrors may carry only the CSVs
    if isinstance(info, dict) and isinstance(info.get("version"), str):
        when = snapshot_from_version(info["version"])
        if when is not None:
            name = info.get("name") if isinstance(info.get("name"), str) else None
            return Snapshot(when, "package-version", info["version"], name)
    modified = first.get("Last-Modified")
    if modified:
        try:
            return Snapshot(parsedate_to_datetime(modified).astimezone(UTC).date(), "last-modified")
        except (TypeError, ValueError):
            pass
    return Snapshot(datetime.now(UTC).date(), "download-time")


def _fetch_dataset(
    base: str,
    spec: DatasetSpec,
    staging: Path,
    *,
    min_rows: int | None,
    timeout: float,
    progress: Progress | None,
) -> dict[str, Any]:
    folder = staging / spec.name
    folder.mkdir()
    sources: list[SourceFile] = []
    headers: list[Message] = []
    for version, name in spec.files:
        url = f"{base}/{spec.name}/{name}"
        dest = folder / name
        headers.append(_download(url, dest, timeout=timeout, progress=progress))
        sources.append(SourceFile(version, dest, url, url if not url.startswith("file:") else ""))
    snapshot = _snapshot(base, spec, staging, headers[0], timeout)
    fetched_from = base if not base.startswith("file:") else "local copy of the upstream files"
    return build_dataset(
        spec, sources, snapshot, staging, error=_error_for(base), min_rows=min_rows, fetched_from=fetched_from
    )


def _remove_stale_staging(target: Path) -> None:
    """Staging folders of updates killed midway (a day old: a live update is never that slow)."""
    cutoff = time.time() - 86_400
    for stale in target.glob(f"{_STAGING_PREFIX}*"):
        if stale.is_dir() and stale.stat().st_mtime < cutoff:
            shutil.rmtree(stale, ignore_errors=True)


def update(
    source_url: str | Path | None = None,
    into: Path | None = None,
    *,
    datasets: Sequence[DatasetSpec] = DATASETS,
    min_rows: int | None = None,
    timeout: float = 60.0,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Download, check and install every dataset; return their provenance records.

    ``source_url`` is a base URL or a local directory (a ``Path``, or a string
    without a scheme), laid out like upstream.
    ``into`` defaults to the user data dir's ``generated`` folder. ``min_rows``
    overrides each file's sanity floor (the defaults expect full upstream files).
    """
    base = _base_url(source_url)
    target = into or user_generated_dir()
    try:
        target.mkdir(parents=True, exist_ok=True)
        _remove_stale_staging(target)
        staging_dir = tempfile.TemporaryDirectory(dir=target, prefix=_STAGING_PREFIX)
    except OSError as exc:
        raise OperationalError(f"cannot write to {target}: {exc.strerror or exc}") from None
    with staging_dir as staging_name:
        staging = Path(staging_name)
        records = [
            _fetch_dataset(base, spec, staging, min_rows=min_rows, timeout=timeout, progress=progress)
            for spec in datasets
        ]
        try:
            for spec in datasets:
                os.replace(data_path(staging, spec.name), data_path(target, spec.name))
                os.replace(provenance_path(staging, spec.name), provenance_path(target, spec.name))
        except OSError as exc:
            raise OperationalError(f"cannot install into {target}: {exc.strerror or exc}") from None
    return records
