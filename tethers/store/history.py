"""Scan history in one SQLite file: append-only, one transaction per save call.

Each row holds the whole scan as ``tethers/scan@1`` JSON (through
``tethers.model.codec``) plus the few columns that listing and ordering need.
The JSON is written with ``ensure_ascii`` so the column is plain ASCII: NUL
characters, lone surrogates and markup in TXT strings round-trip exactly and
never reach SQLite's text handling.

Robustness choices:

* WAL journal and a busy timeout, so a reader never blocks a writer and two
  writers queue instead of failing at once.
* Every write is ``BEGIN IMMEDIATE`` ... ``COMMIT`` around the INSERTs of one
  ``save`` or ``save_many`` call: a crash loses at most the scans of that call,
  never part of them and never anything committed before. A batch shares one
  commit (one fsync), which is what makes keeping a large scan run cheap.
* Triggers refuse UPDATE and DELETE on scans: history is never rewritten.
* A file that is not SQLite, or a SQLite file that is not ours (some other
  program's database given to ``--db``), is refused before anything is written
  to it.
* ``schema_version`` plus ``_MIGRATIONS`` is the hook for later schemas; a file
  written by a newer tethers is refused rather than guessed at.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import platformdirs

from tethers.errors import InputError, OperationalError
from tethers.model.codec import scan_from_dict, scan_to_dict
from tethers.model.result import ScanResult
from tethers.types import Mode
from tethers.util.names import normalise

ENV_VAR = "TETHERS_DB"
DEFAULT_TIMEOUT = 10.0  # seconds a writer waits for another writer's lock

# PRAGMA application_id marks the file as ours: "TTHR".
_APPLICATION_ID = int.from_bytes(b"TTHR", "big")
_SQLITE_HEADER = b"SQLite format 3\x00"


def default_path() -> Path:
    """``$TETHERS_DB`` if set, else ``history.sqlite3`` in the user data directory."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("tethers")) / "history.sqlite3"


@dataclass(frozen=True, slots=True)
class ScanSummary:
    """One row of the history listing, without loading the scan itself."""

    id: int
    domain: str
    started: str
    mode: Mode
    dependencies: int
    unattributed: int
    errors: int


@dataclass(frozen=True, slots=True)
class DomainSummary:
    domain: str
    scans: int
    latest: str  # ``started`` of the newest scan


def _migrate_to_1(conn: sqlite3.Connection) -> None:
    conn.execute(
        """
        CREATE TABLE scans (
            id INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: ids are never reused
            domain TEXT NOT NULL,                  -- normalised, for lookups
            started TEXT NOT NULL,                 -- as the scan recorded it
            started_utc TEXT NOT NULL,             -- sortable UTC form of started
            mode TEXT NOT NULL,
            dependencies INTEGER NOT NULL,
            unattributed INTEGER NOT NULL,
            errors INTEGER NOT NULL,
            body TEXT NOT NULL                     -- tethers/scan@1 JSON
        )
        """
    )
    conn.execute("CREATE INDEX scans_by_domain ON scans (domain, started_utc, id)")
    conn.execute("CREATE INDEX scans_by_time ON scans (started_utc, id)")
    for action in ("UPDATE", "DELETE"):
        conn.execute(
            f"CREATE TRIGGER scans_no_{action.lower()} BEFORE {action} ON scans "
            "BEGIN SELECT RAISE(ABORT, 'tethers history is append-only'); END"
        )


# _MIGRATIONS[n] takes a database from schema n to n + 1. Append, never edit.
_MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_migrate_to_1]
SCHEMA_VERSION = len(_MIGRATIONS)


def _row(scan: ScanResult) -> tuple[str, str, str, str, int, int, int, str]:
    """The column values of one scan, body included."""
    body = json.dumps(scan_to_dict(scan), ensure_ascii=True, separators=(",", ":"))
    return (
        normalise(scan.domain),
        scan.started,
        _utc_key(scan.started),
        scan.mode.value,
        len(scan.dependencies),
        len(scan.unattributed),
        len(scan.errors),
        body,
    )


def _utc_key(started: str) -> str:
    """A lexically sortable UTC timestamp; the raw text if it is not ISO 8601."""
    try:
        when = datetime.fromisoformat(started)
    except ValueError:
        return started
    if when.tzinfo is None:  # the model says started is UTC
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class HistoryStore:
    """Scans saved over time, keyed by an integer id.

    Each call opens its own short-lived connection, so one store may be shared
    between threads and several processes may write the same file at once.
    With ``create=False`` a missing file reads as an empty history and is not
    created (for commands that only look).
    """

    def __init__(self, path: Path | str, *, create: bool = True, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.path = Path(path)
        self._timeout = timeout
        self._ready = False
        if create or self.path.exists():
            self._prepare()

    # -- public API ---------------------------------------------------------

    def save(self, scan: ScanResult) -> int:
        """Append a scan and return its id."""
        return self.save_many((scan,))[0]

    def save_many(self, scans: Iterable[ScanResult]) -> list[int]:
        """Append scans in one transaction and return their ids, in the order given.

        All or nothing: if any scan cannot be encoded, or the write fails,
        none of them is stored.
        """
        # Serialise before taking the write lock: a scan that cannot be
        # encoded fails here and leaves the file untouched, and the lock is
        # held only for the INSERTs.
        rows = [_row(scan) for scan in scans]
        if not rows:
            return []
        self._prepare()
        ids: list[int] = []
        with self._connect() as conn, _transaction(conn):
            for row in rows:
                cur = conn.execute(
                    "INSERT INTO scans (domain, started, started_utc, mode, dependencies,"
                    " unattributed, errors, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
                assert cur.lastrowid is not None  # an INSERT into a rowid table always sets it
                ids.append(cur.lastrowid)
        return ids

    def list_scans(self, domain: str | None = None, limit: int | None = 50) -> list[ScanSummary]:
        """Summaries, newest first; all domains unless ``domain`` is given."""
        if not self._available():
            return []
        sql = "SELECT id, domain, started, mode, dependencies, unattributed, errors FROM scans"
        params: list[object] = []
        if domain is not None:
            sql += " WHERE domain = ?"
            params.append(normalise(domain))
        sql += " ORDER BY started_utc DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(max(limit, 0))
        with self._connect() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [self._summary(row) for row in rows]

    def get(self, scan_id: int) -> ScanResult:
        """The scan with this id; InputError if there is none."""
        if self._available():
            with self._connect() as conn:
                row = conn.execute("SELECT body FROM scans WHERE id = ?", (scan_id,)).fetchone()
            if row is not None:
                return self._decode(scan_id, row[0])
        raise InputError(f"no scan with id {scan_id} in {self.path}", hint="'tethers history' lists scan ids")

    def latest(self, domain: str, n: int = 2) -> list[ScanResult]:
        """The ``n`` newest scans of ``domain``, newest first."""
        if not self._available() or n <= 0:
            return []
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT id, body FROM scans WHERE domain = ? ORDER BY started_utc DESC, id DESC LIMIT ?",
                (normalise(domain), n),
            ).fetchall()
        return [self._decode(scan_id, body) for scan_id, body in rows]

    def domains(self) -> list[DomainSummary]:
        """Every domain with a scan, with its scan count; alphabetical."""
        if not self._available():
            return []
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT domain, COUNT(*), (SELECT s.started FROM scans s WHERE s.domain = scans.domain"
                " ORDER BY s.started_utc DESC, s.id DESC LIMIT 1) FROM scans GROUP BY domain ORDER BY domain"
            ).fetchall()
        return [DomainSummary(domain, count, latest) for domain, count, latest in rows]

    # -- opening and schema -------------------------------------------------

    def _available(self) -> bool:
        if not self._ready and self.path.exists():
            self._prepare()
        return self._ready

    def _prepare(self) -> None:
        """Create or check the file and bring its schema up to date, once."""
        if self._ready:
            return
        self._check_file()
        with self._connect() as conn:
            self._check_ours(conn)
            with _transaction(conn):
                # Read again under the write lock: another process may have
                # created the schema since we looked.
                version = self._version(conn)
                if version > SCHEMA_VERSION:
                    raise OperationalError(
                        f"history database {self.path} has schema {version}, newer than this tethers"
                        f" understands ({SCHEMA_VERSION})",
                        hint="upgrade tethers, or pass --db to use another file",
                    )
                if version < SCHEMA_VERSION:
                    if version == 0:
                        conn.execute(f"PRAGMA application_id={_APPLICATION_ID}")
                        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                        conn.execute("INSERT INTO schema_version VALUES (0)")
                    for step in _MIGRATIONS[version:]:
                        step(conn)
                    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
            self._enable_wal(conn)
        self._ready = True

    def _enable_wal(self, conn: sqlite3.Connection) -> None:
        """Switch the file to WAL once; the mode is stored in the file."""
        if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            return
        # Changing the journal mode needs every other connection gone and does
        # not wait on the busy handler, so retry until the timeout ourselves.
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.02)

    def _check_file(self) -> None:
        """Refuse paths that are not a file we may create or a SQLite file."""
        path = self.path
        if path.is_dir():
            raise OperationalError(f"history database {path} is a directory", hint="pass --db with a file name")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                with path.open("rb") as fh:
                    header = fh.read(len(_SQLITE_HEADER))
            else:
                header = b""
        except OSError as exc:
            raise OperationalError(f"history database {path}: {exc.strerror or exc}") from exc
        # An empty file is a valid empty SQLite database.
        if header and header != _SQLITE_HEADER:
            raise OperationalError(
                f"history database {path} is not a SQLite database; left it untouched",
                hint="pass --db with another file name, or move this file away",
            )

    def _check_ours(self, conn: sqlite3.Connection) -> None:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id == _APPLICATION_ID:
            return
        tables = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
        if app_id != 0 or tables:
            raise OperationalError(
                f"history database {self.path} is a SQLite database of another program; left it untouched",
                hint="pass --db with another file name",
            )

    @staticmethod
    def _version(conn: sqlite3.Connection) -> int:
        has_table = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        ).fetchone()
        if not has_table:
            return 0
        row = conn.execute("SELECT version FROM schema_version").fetchone()
        return int(row[0]) if row else 0

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection that is always closed; sqlite3 errors become one line naming the file."""
        conn: sqlite3.Connection | None = None
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves.
            conn = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout={int(self._timeout * 1000)}")
            yield conn
        except sqlite3.Error as exc:
            hint = None
            if "locked" in str(exc) or "busy" in str(exc):
                hint = "another tethers process is using the history; try again"
            raise OperationalError(f"history database {self.path}: {exc}", hint=hint) from exc
        finally:
            if conn is not None:
                conn.close()

    # -- rows ---------------------------------------------------------------

    def _summary(self, row: tuple[int, str, str, str, int, int, int]) -> ScanSummary:
        scan_id, domain, started, mode, deps, unattributed, errors = row
        try:
            mode_value = Mode(mode)
        except ValueError as exc:
            raise OperationalError(f"history database {self.path}: scan {scan_id} has unknown mode {mode!r}") from exc
        return ScanSummary(scan_id, domain, started, mode_value, deps, unattributed, errors)

    def _decode(self, scan_id: int, body: str) -> ScanResult:
        try:
            return scan_from_dict(json.loads(body))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise OperationalError(
                f"history database {self.path}: scan {scan_id} is unreadable ({type(exc).__name__}: {exc})"
            ) from exc


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    # IMMEDIATE takes the write lock up front, so a busy database makes us
    # wait (busy_timeout) at BEGIN rather than fail halfway through.
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.execute("COMMIT")
