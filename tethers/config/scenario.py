"""Scenario files: a past or imagined set of decisions to cut an organisation off, with sources.

    name = "parler-2021"                 # kebab-case; a built-in's name is its file name
    title = "Parler, January 2021"
    date = 2021-01-08                    # when it began (a TOML date or "YYYY-MM-DD")
    description = "What happened, in a few sentences."
    sources = ["https://en.wikipedia.org/wiki/Parler"]

    [[cut]]
    provider = "google-play"             # or owner = "twilio" (every provider it owns),
    date = 2021-01-08                    # or country = "US" (every provider owned from there)
    reason = "Google suspended the app's Play Store listing."
    source = "https://..."               # the public report of this decision

Built-in scenarios live in ``tethers/data/scenarios/``. Provider and owner ids are
checked against the knowledge base, so a typo cannot silently cut nothing.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from tethers.config.toml import key_line, read_toml, table_lines
from tethers.errors import ConfigError, InputError
from tethers.kb import KnowledgeBase

KINDS = ("provider", "owner", "country")
TOP_KEYS = {"name", "title", "date", "description", "sources", "cut"}
CUT_KEYS = {*KINDS, "date", "reason", "source", "note"}
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$")


@dataclass(frozen=True, slots=True)
class CutEntry:
    """One decision: this provider, owner or owner country stops serving the organisation."""

    kind: str  # one of KINDS
    id: str  # provider id, owner id, or upper-case ISO 3166-1 alpha-2 country
    reason: str
    source: str
    date: str = ""  # ISO date, or "" when unknown
    note: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    title: str
    path: str
    date: str = ""
    description: str = ""
    sources: tuple[str, ...] = ()
    entries: tuple[CutEntry, ...] = ()


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes tethers knows (plus XK), from the bundled list."""
    with resources.files("tethers.data").joinpath("countries.toml").open("rb") as fh:
        return frozenset(str(k) for k in tomllib.load(fh))


def id_problem(kind: str, value: str, kb: KnowledgeBase) -> tuple[str, str] | None:
    """``(message, hint)`` when ``value`` is not a known id of ``kind``, else None."""
    if kind == "country":
        if value.upper() in country_codes():
            return None
        return f"unknown country code {value!r}", "use ISO 3166-1 alpha-2 codes such as US, DE, CN"
    known = kb.files.providers if kind == "provider" else kb.files.owners
    if value in known:
        return None
    near = difflib.get_close_matches(value, list(known), n=4, cutoff=0.6)
    if kind == "provider":
        near += [p for p in kb.search(value) if p not in near]
        hint = "see 'tethers providers search TEXT'"
    else:
        needle = value.lower()
        near += [o for o, spec in kb.files.owners.items() if needle in spec.name.lower() and o not in near]
        hint = "owner ids are listed by 'tethers providers show ID' under ownership"
    if near:
        hint = "did you mean: " + ", ".join(near[:4])
    return f"unknown {kind} {value!r}", hint


def normalise_id(kind: str, value: str) -> str:
    return value.upper() if kind == "country" else value


def _date(value: object, where: str) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ConfigError(f"{where}: date must be a date such as 2021-01-08")


def _text(entry: dict[str, object], key: str, where: str, required: bool) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string")
    if required and not value.strip():
        raise ConfigError(f"{where}: {key} is required and must not be empty")
    return value.strip()


def _url(value: object, where: str) -> str:
    if not isinstance(value, str) or not _URL.match(value):
        raise ConfigError(f"{where}: a source must be an http(s) URL, got {value!r}")
    return value


def _key_in_table(text: str, start: int, key: str) -> int:
    """The line setting ``key`` inside the table that starts at line ``start`` (or ``start``)."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    lines = text.splitlines()
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1]
        if line.lstrip().startswith("["):
            break
        if pattern.match(line):
            return number
    return start


def _entry(entry: object, line: int, text: str, path: Path, kb: KnowledgeBase) -> CutEntry:
    where = f"{path}:{line}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: each cut must be a [[cut]] table")
    extra = sorted(set(entry) - CUT_KEYS)
    if extra:
        raise ConfigError(f"{path}:{_key_in_table(text, line, extra[0])}: unknown key {extra[0]!r} in [[cut]]",
                          hint="keys: " + ", ".join(sorted(CUT_KEYS)))
    kinds = [k for k in KINDS if k in entry]
    if len(kinds) != 1:
        raise ConfigError(f"{where}: a [[cut]] names exactly one of provider, owner or country"
                          + (f" (this one names {' and '.join(kinds)})" if kinds else ""))
    kind = kinds[0]
    at = f"{path}:{_key_in_table(text, line, kind)}"
    value = entry[kind]
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{at}: {kind} must be a non-empty string")
    problem = id_problem(kind, value, kb)
    if problem:
        raise ConfigError(f"{at}: {problem[0]}", hint=problem[1])
    reason = _text(entry, "reason", f"{path}:{_key_in_table(text, line, 'reason')}", required=True)
    source = _url(entry.get("source"), f"{path}:{_key_in_table(text, line, 'source')}")
    date = _date(entry["date"], f"{path}:{_key_in_table(text, line, 'date')}") if "date" in entry else ""
    note = _text(entry, "note", f"{path}:{_key_in_table(text, line, 'note')}", required=False)
    return CutEntry(kind, normalise_id(kind, value), reason, source, date, note, line)


def load_scenario(path: Path, kb: KnowledgeBase) -> Scenario:
    """A scenario file, checked in full; every problem is a ConfigError naming file:line."""
    data, text = read_toml(path)
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise ConfigError(f"{path}:{key_line(text, unknown[0])}: unknown key {unknown[0]!r}",
                          hint="keys: " + ", ".join(sorted(TOP_KEYS)))
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"{path}:{key_line(text, 'name')}: name must be kebab-case, e.g. parler-2021")
    title = _text(data, "title", f"{path}:{key_line(text, 'title')}", required=True)
    description = _text(data, "description", f"{path}:{key_line(text, 'description')}", required=False)
    date = _date(data["date"], f"{path}:{key_line(text, 'date')}") if "date" in data else ""
    sources = data.get("sources", [])
    if not isinstance(sources, list):
        raise ConfigError(f"{path}:{key_line(text, 'sources')}: sources must be a list of URLs")
    sources = [_url(s, f"{path}:{key_line(text, 'sources')}") for s in sources]
    cuts = data.get("cut", [])
    if not isinstance(cuts, list):
        raise ConfigError(f"{path}:{key_line(text, 'cut')}: write each cut as a [[cut]] table")
    if not cuts:
        raise ConfigError(f"{path}: the scenario cuts nothing: add [[cut]] tables")
    lines = table_lines(text, "cut")
    entries: list[CutEntry] = []
    seen: dict[tuple[str, str], int] = {}
    for index, raw in enumerate(cuts):
        entry = _entry(raw, lines[index] if index < len(lines) else 0, text, path, kb)
        key = (entry.kind, entry.id)
        if key in seen:
            raise ConfigError(f"{path}:{entry.line}: {entry.kind} {entry.id} is already cut at line {seen[key]}")
        seen[key] = entry.line
        entries.append(entry)
    return Scenario(name, title, str(path), date, description, tuple(sources), tuple(entries))


def builtin_dir() -> Path:
    return Path(str(resources.files("tethers.data").joinpath("scenarios")))


def builtin_names() -> list[str]:
    folder = builtin_dir()
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def find_scenario(name_or_path: str, kb: KnowledgeBase) -> Scenario:
    """A built-in scenario by name, or a scenario file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists() or "/" in name_or_path:
        return load_scenario(path, kb)
    if name_or_path in builtin_names():
        return load_scenario(builtin_dir() / f"{name_or_path}.toml", kb)
    names = builtin_names()
    near = difflib.get_close_matches(name_or_path, names, n=3, cutoff=0.5)
    hint = f"did you mean: {', '.join(near)}" if near else "built-in scenarios: " + (", ".join(names) or "none")
    raise InputError(f"no scenario named {name_or_path!r} (and no such file)", hint=hint)
