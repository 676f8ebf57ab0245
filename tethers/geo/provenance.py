"""What data tethers relies on, where each copy came from, and how old it is.

Covers the IP datasets, the public suffix list (shipped by the
``publicsuffixlist`` package, which ``tethers.util.names`` uses) and the
knowledge base. ``tethers data`` renders this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path

from tethers.errors import OperationalError
from tethers.geo.datasets import DATASETS
from tethers.geo.locate import Candidates, default_candidates, load_newest

# The list's own header, e.g. "// VERSION: 2026-10-22_08-36-41_UTC".
_PSL_VERSION = re.compile(r"^// VERSION: (\d{4})-(\d{2})-(\d{2})")
_TRAILING_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})$")  # publicsuffixlist 1.1.2.20261023


@dataclass(frozen=True, slots=True)
class DataSource:
    name: str
    title: str
    source_url: str
    licence: str
    attribution: str
    snapshot: date | None  # when the data was taken upstream; None when unknown
    age_days: int | None
    version: str | None
    location: str  # the file or folder in use
    origin: str  # "packaged", "user", "publicsuffixlist package", "missing"
    counts: dict[str, int] = field(default_factory=dict)
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.title,
            "source_url": self.source_url,
            "licence": self.licence,
            "attribution": self.attribution,
            "snapshot": self.snapshot.isoformat() if self.snapshot else None,
            "age_days": self.age_days,
            "version": self.version,
            "location": self.location,
            "origin": self.origin,
            "counts": dict(self.counts),
            "note": self.note,
        }


def _age(snapshot: date | None, today: date) -> int | None:
    return None if snapshot is None else max(0, (today - snapshot).days)


def _ip_datasets(candidates: Candidates, today: date) -> list[DataSource]:
    out: list[DataSource] = []
    for spec in DATASETS:
        try:
            loaded = load_newest(spec, candidates)
        except OperationalError as exc:
            out.append(
                DataSource(spec.name, spec.title, "", spec.licence, spec.attribution, None, None, None,
                           "", "missing", note=exc.message)
            )
            continue
        raw = loaded.provenance.raw
        rows = raw.get("rows", {})
        notes = [spec.licence_note] + [f"skipped {s}" for s in loaded.skipped]
        out.append(
            DataSource(
                name=spec.name,
                title=spec.title,
                source_url=str(raw.get("source_url", "")),
                licence=str(raw.get("licence", spec.licence)),
                attribution=str(raw.get("attribution", spec.attribution)),
                snapshot=loaded.provenance.snapshot_date,
                age_days=_age(loaded.provenance.snapshot_date, today),
                version=raw.get("upstream_version"),
                location=str(loaded.path),
                origin=loaded.origin,
                counts={f"{k.replace('ip', 'IP')} ranges": int(v) for k, v in rows.items()} if isinstance(rows, dict) else {},
                note=" ".join(n for n in notes if n),
            )
        )
    return out


def _psl_date(path: Path, version: str | None) -> tuple[date | None, str]:
    try:
        with path.open(encoding="utf-8") as fh:
            for _, line in zip(range(50), fh, strict=False):
                if m := _PSL_VERSION.match(line):
                    return date(int(m[1]), int(m[2]), int(m[3])), "from the list's VERSION header"
    except (OSError, UnicodeDecodeError, ValueError):
        pass
    if version and (m := _TRAILING_DATE.search(version)):
        try:
            return date(int(m[1]), int(m[2]), int(m[3])), "from the package version"
        except ValueError:
            pass
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC).date(), "from the file's modification time"
    except OSError:
        return None, "date unknown"


def _public_suffix_list(today: date) -> DataSource:
    import publicsuffixlist

    path = Path(getattr(publicsuffixlist, "PSLFILE", Path(publicsuffixlist.__file__).parent / "public_suffix_list.dat"))
    try:
        version: str | None = metadata.version("publicsuffixlist")
    except metadata.PackageNotFoundError:
        version = getattr(publicsuffixlist, "__version__", None)
    snapshot, basis = _psl_date(path, version)
    try:
        text = path.read_text(encoding="utf-8")
        counts = {"rules": sum(1 for ln in text.splitlines() if ln.strip() and not ln.startswith("//"))}
    except (OSError, UnicodeDecodeError):
        counts = {}
    return DataSource(
        name="public-suffix-list",
        title="Public Suffix List (registrable domains)",
        source_url="https://publicsuffix.org/list/",
        licence="MPL-2.0",
        attribution="Public Suffix List, publicsuffix.org, shipped by the publicsuffixlist package",
        snapshot=snapshot,
        age_days=_age(snapshot, today),
        version=version,
        location=str(path),
        origin="publicsuffixlist package",
        counts=counts,
        note=f"snapshot date {basis}",
    )


def _knowledge_base() -> DataSource:
    from tethers import __version__
    from tethers.kb.load import load_default

    kb = load_default()
    try:
        licence = metadata.metadata("tethers").get("License") or "see the tethers licence"
    except metadata.PackageNotFoundError:
        licence = "see the tethers licence"
    return DataSource(
        name="knowledge-base",
        title="Providers, owners and their rules",
        source_url="",
        licence=licence,
        attribution="tethers contributors; each rule and owner cites its public source",
        snapshot=None,
        age_days=None,
        version=__version__,
        location=str(kb.root),
        origin="packaged",
        counts={
            "providers": len(kb.providers),
            "owners": len(kb.owners),
            "rules": sum(len(p.rules) for p in kb.providers.values()),
        },
        note="released with tethers; no separate snapshot date",
    )


def data_sources(candidates: Candidates | None = None, today: date | None = None) -> list[DataSource]:
    """Every dataset tethers uses (for IP data, the copy in use), with its age on ``today``."""
    today = today or datetime.now(UTC).date()
    return [
        *_ip_datasets(candidates if candidates is not None else default_candidates(), today),
        _public_suffix_list(today),
        _knowledge_base(),
    ]
