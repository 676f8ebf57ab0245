"""The SQLite history: round trips, ordering, concurrency, crashes and files that are not ours."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tethers.errors import InputError, OperationalError
from tethers.model import CollectError, Dependency, Evidence, Location, ProviderRef, ScanResult, Unattributed
from tethers.model.codec import scan_to_dict
from tethers.model.evidence import DNS_A, DNS_MX, DNS_NS, DNS_SPF, DNS_TXT
from tethers.store import DomainSummary, HistoryStore, ScanSummary, default_path
from tethers.types import Function, Mode

ROOT = Path(__file__).resolve().parents[2]


def rich_scan(domain: str = "example.com", started: str = "2024-03-01T10:00:00+00:00", txt: str = "v=spf1 -all") -> ScanResult:
    """A scan using every part of the model: via chains, locations, rules, ownership, errors, meta."""
    mx = Evidence(DNS_MX, domain, "10 contoso-com.mail.protection.outlook.com.", "contoso-com.mail.protection.outlook.com")
    mx_ip = Evidence(DNS_A, "contoso-com.mail.protection.outlook.com", "52.101.0.1", "52.101.0.1", via=mx)
    spf_root = Evidence(DNS_TXT, domain, txt, txt)
    spf = Evidence(DNS_SPF, domain, "include:spf.protection.outlook.com", "spf.protection.outlook.com", via=spf_root)
    ns = Evidence(DNS_NS, domain, "ns1.epik.com.", "ns1.epik.com")
    microsoft = ProviderRef(
        id="microsoft-365",
        name="Microsoft 365",
        owner="Microsoft Corporation",
        country="US",
        owner_id="microsoft",
        operator="Microsoft Corporation",
        ownership=("microsoft",),
    )
    epik = ProviderRef("epik", "Epik", "Registered Agent Holdings", "US", "epik", "Epik Holdings", ("epik", "rah"))
    return ScanResult(
        domain=domain,
        mode=Mode.LIVE,
        started=started,
        finished=started.replace("10:00:00", "10:00:02"),
        resolver="127.0.0.1:53",
        dependencies=(
            Dependency(
                Function.EMAIL_INBOUND,
                microsoft,
                (mx_ip,),
                (Location("52.101.0.1", "US", 8075, "MICROSOFT-CORP-MSN-AS-BLOCK"),),
                ("microsoft-365:0 mx-suffix mail.protection.outlook.com",),
            ),
            Dependency(Function.EMAIL_SENDING, microsoft, (spf,), (), ("microsoft-365:1 spf-include spf.protection.outlook.com",)),
            Dependency(Function.DNS, epik, (ns,)),
        ),
        unattributed=(
            Unattributed(
                Function.EMAIL_SENDING,
                "mailer.example.net",
                Evidence(DNS_SPF, domain, "include:mailer.example.net", "mailer.example.net", via=spf_root),
                (Location("192.0.2.7", None, None, None),),
            ),
            Unattributed(None, "unknown.example", Evidence(DNS_TXT, domain, "token=abc", "token=abc")),
        ),
        errors=(CollectError(f"_dmarc.{domain}", "TXT", "timeout", "after 3 tries"),),
        evidence_count=7,
        queries=12,
        meta={"tethers": "0.1.0", "kb": "2024-03-01"},
    )


def assert_same(got: ScanResult, want: ScanResult) -> None:
    # Evidence.via and ScanResult.meta are compare=False, so compare the full
    # serialised form as well as the dataclasses.
    assert got == want
    assert scan_to_dict(got) == scan_to_dict(want)
    assert got.meta == want.meta


def test_round_trip_of_a_rich_scan(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite3")
    scan = rich_scan()
    scan_id = store.save(scan)
    got = store.get(scan_id)
    assert_same(got, scan)
    assert got.dependencies[0].evidence[0].via is not None
    assert [e.value for e in got.dependencies[0].evidence[0].chain()] == ["52.101.0.1", scan.dependencies[0].evidence[0].via.value]


def test_a_fresh_store_reads_back_what_another_store_wrote(tmp_path):
    path = tmp_path / "h.sqlite3"
    scan_id = HistoryStore(path).save(rich_scan())
    assert_same(HistoryStore(path).get(scan_id), rich_scan())


def test_summaries_count_what_the_scan_holds(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite3")
    scan_id = store.save(rich_scan())
    assert store.list_scans() == [
        ScanSummary(scan_id, "example.com", "2024-03-01T10:00:00+00:00", Mode.LIVE, 3, 2, 1)
    ]


def test_listing_is_newest_first_by_utc_time_then_id(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite3")
    march = store.save(rich_scan(started="2024-03-01T10:00:00+00:00"))
    january = store.save(rich_scan(started="2024-01-01T10:00:00+00:00"))
    # 11:00 at +02:00 is 09:00 UTC: earlier than march although it sorts later as text.
    east = store.save(rich_scan(started="2024-03-01T11:00:00+02:00"))
    twin = store.save(rich_scan(started="2024-03-01T10:00:00+00:00"))
    other = store.save(rich_scan(domain="example.org", started="2025-01-01T00:00:00+00:00"))
    assert [s.id for s in store.list_scans("example.com")] == [twin, march, east, january]
    assert [s.id for s in store.list_scans()] == [other, twin, march, east, january]
    assert [s.id for s in store.list_scans("example.com", limit=2)] == [twin, march]
    assert [s.id for s in store.list_scans("EXAMPLE.com.")] == [twin, march, east, january]
    assert [s.started for s in store.latest("example.com", 3)] == [
        "2024-03-01T10:00:00+00:00",
        "2024-03-01T10:00:00+00:00",
        "2024-03-01T11:00:00+02:00",
    ]
    assert store.latest("example.com", 0) == []
    assert store.latest("nothing.example") == []


def test_ids_increase_and_are_never_reused(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite3")
    ids = [store.save(rich_scan()) for _ in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3


def test_domains_with_counts_and_latest(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite3")
    store.save(rich_scan("example.org", "2024-01-01T00:00:00+00:00"))
    store.save(rich_scan("example.com", "2024-02-01T00:00:00+00:00"))
    store.save(rich_scan("example.org", "2024-05-01T00:00:00+00:00"))
    store.save(rich_scan("example.org", "2024-03-01T00:00:00+00:00"))
    assert store.domains() == [
        DomainSummary("example.com", 1, "2024-02-01T00:00:00+00:00"),
        DomainSummary("example.org", 3, "2024-05-01T00:00:00+00:00"),
    ]


def test_unknown_id_is_an_input_error(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite3")
    store.save(rich_scan())
    with pytest.raises(InputError, match=r"no scan with id 99 in .*h\.sqlite3"):
        store.get(99)


def test_a_reader_does_not_create_a_missing_file(tmp_path):
    path = tmp_path / "sub" / "h.sqlite3"
    store = HistoryStore(path, create=False)
    assert store.list_scans() == []
    assert store.domains() == []
    assert store.latest("example.com") == []
    with pytest.raises(InputError):
        store.get(1)
    assert not path.exists() and not path.parent.exists()
    # Once someone else creates it, the same reader sees it.
    HistoryStore(path).save(rich_scan())
    assert len(store.list_scans()) == 1


def test_the_file_is_in_wal_mode_and_history_is_append_only(tmp_path):
    path = tmp_path / "h.sqlite3"
    HistoryStore(path).save(rich_scan())
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM scans")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE scans SET domain = 'x.example'")
    finally:
        conn.close()
    assert len(HistoryStore(path).list_scans()) == 1


def test_a_scan_that_cannot_be_encoded_writes_nothing(tmp_path):
    path = tmp_path / "h.sqlite3"
    store = HistoryStore(path)
    store.save(rich_scan())
    bad = ScanResult("example.com", Mode.LIVE, "2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", "x", meta={"k": object()})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        store.save(bad)
    assert len(store.list_scans()) == 1


def kill_and_check(proc: subprocess.Popen, path: Path) -> None:
    """Kill a writer process outright, then check the database file is intact."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.stdout is not None
    proc.stdout.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def row_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT COUNT(*) FROM scans").fetchone()[0]
    finally:
        conn.close()


def test_save_many_round_trips_with_ids_in_order(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite3")
    before = store.save(rich_scan("first.example"))
    scans = [rich_scan(f"d{i}.example", f"2024-03-01T10:00:{i:02d}+00:00", txt=f"v=spf1 ip4:192.0.2.{i} -all") for i in range(7)]
    ids = store.save_many(scans)
    # One transaction: the ids follow each other, after everything saved before.
    assert ids == list(range(before + 1, before + 8))
    for scan_id, scan in zip(ids, scans, strict=True):
        assert_same(store.get(scan_id), scan)
    assert len(store.list_scans(limit=None)) == 8
    assert store.save(rich_scan("after.example")) == ids[-1] + 1


def test_save_many_of_nothing_writes_nothing(tmp_path):
    path = tmp_path / "h.sqlite3"
    store = HistoryStore(path)
    assert store.save_many([]) == []
    assert store.save_many(iter(())) == []
    assert row_count(path) == 0


def test_save_many_takes_any_iterable(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite3")
    ids = store.save_many(rich_scan(f"g{i}.example") for i in range(3))
    assert [store.get(i).domain for i in ids] == ["g0.example", "g1.example", "g2.example"]


def test_one_unencodable_scan_in_a_batch_writes_nothing(tmp_path):
    path = tmp_path / "h.sqlite3"
    store = HistoryStore(path)
    store.save_many([rich_scan("kept.example")])
    bad = ScanResult("example.com", Mode.LIVE, "2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", "x", meta={"k": object()})  # type: ignore[dict-item]
    before = row_count(path)
    # The bad scan is last: the good ones ahead of it must not be written either.
    with pytest.raises(TypeError):
        store.save_many([rich_scan("a.example"), rich_scan("b.example"), bad])
    assert row_count(path) == before == 1
    assert [d.domain for d in store.domains()] == ["kept.example"]


def test_a_batch_refused_by_the_database_writes_nothing(tmp_path):
    path = tmp_path / "h.sqlite3"
    store = HistoryStore(path)
    store.save(rich_scan("kept.example"))
    # The database itself refuses the third scan (a trigger), after two it accepted.
    conn = sqlite3.connect(path)
    conn.execute("CREATE TRIGGER refuse_c BEFORE INSERT ON scans WHEN NEW.domain = 'c.example'"
                 " BEGIN SELECT RAISE(ABORT, 'refused for the test'); END")
    conn.commit()
    conn.close()
    with pytest.raises(OperationalError, match="refused for the test"):
        store.save_many([rich_scan("a.example"), rich_scan("b.example"), rich_scan("c.example")])
    assert row_count(path) == 1
    # The store is still usable afterwards.
    assert len(store.save_many([rich_scan("a.example"), rich_scan("b.example")])) == 2


# -- hostile content ------------------------------------------------------------

HOSTILE = [
    pytest.param("<script>alert(1)</script>", id="script-tag"),
    pytest.param("a\x00b\x00", id="nul"),
    pytest.param("[bold red]x[/]\x1b[31m\x07", id="markup-and-ansi"),
    pytest.param("\u202eevil\u200b", id="bidi-override"),
    pytest.param("\ud800 lone surrogate", id="lone-surrogate"),
    pytest.param("'); DROP TABLE scans; --", id="sql"),
    pytest.param("é\U0001f600\n\r\t\\\"", id="unicode-and-escapes"),
    pytest.param("x" * 3_000_000, id="huge"),
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_strings_round_trip_exactly(tmp_path, text):
    store = HistoryStore(tmp_path / "h.sqlite3")
    scan = rich_scan(txt=text)
    scan = ScanResult(**{**scan_to_kwargs(scan), "meta": {text: text}, "resolver": text})
    got = store.get(store.save(scan))
    assert_same(got, scan)
    assert got.dependencies[1].evidence[0].via.value == text
    assert got.meta == {text: text}
    assert len(store.list_scans()) == 1


def scan_to_kwargs(scan: ScanResult) -> dict:
    return {name: getattr(scan, name) for name in ScanResult.__dataclass_fields__}


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    return HistoryStore(tmp_path_factory.mktemp("hypothesis") / "h.sqlite3")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(), domain_label=st.from_regex(r"\A[a-z0-9]{1,20}\Z"))
def test_any_text_round_trips(shared_store, text, domain_label):
    scan = rich_scan(domain=f"{domain_label}.example", txt=text)
    assert_same(shared_store.get(shared_store.save(scan)), scan)


# -- concurrency and crashes ----------------------------------------------------


def test_two_threads_write_concurrently(tmp_path):
    path = tmp_path / "h.sqlite3"
    HistoryStore(path)  # create the schema up front; creation races are tested with processes
    ids: list[int] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def writer(domain: str) -> None:
        store = HistoryStore(path)
        try:
            for i in range(25):
                scan_id = store.save(rich_scan(domain, f"2024-01-01T10:00:{i:02d}+00:00"))
                with lock:
                    ids.append(scan_id)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(d,)) for d in ("a.example", "b.example")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(set(ids)) == 50
    store = HistoryStore(path)
    assert {d.domain: d.scans for d in store.domains()} == {"a.example": 25, "b.example": 25}
    for scan_id in ids:
        store.get(scan_id)


WRITER = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
sys.path.insert(0, {tests!r})
from test_history import rich_scan
from tethers.store import HistoryStore
store = HistoryStore(Path(sys.argv[1]))
for i in range(int(sys.argv[3])):
    print(store.save(rich_scan(sys.argv[2], f"2024-01-01T10:{{i // 60:02d}}:{{i % 60:02d}}+00:00")), flush=True)
"""


def writer_command(path: Path, domain: str, count: int) -> list[str]:
    code = WRITER.format(root=str(ROOT), tests=str(Path(__file__).parent))
    return [sys.executable, "-c", code, str(path), domain, str(count)]


def test_two_processes_create_and_write_the_same_file(tmp_path):
    path = tmp_path / "new" / "h.sqlite3"  # neither process finds a schema: both race to create it
    procs = [
        subprocess.Popen(writer_command(path, d, 20), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for d in ("a.example", "b.example")
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    ids = [int(line) for out, _ in outputs for line in out.split()]
    assert len(set(ids)) == 40
    store = HistoryStore(path)
    assert {d.domain: d.scans for d in store.domains()} == {"a.example": 20, "b.example": 20}


def test_a_writer_killed_mid_run_loses_nothing_it_reported(tmp_path):
    path = tmp_path / "h.sqlite3"
    HistoryStore(path).save(rich_scan("before.example"))
    proc = subprocess.Popen(writer_command(path, "victim.example", 100_000), stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    saved = [int(proc.stdout.readline()) for _ in range(30)]
    kill_and_check(proc, path)
    store = HistoryStore(path)
    assert store.list_scans("before.example")[0].domain == "before.example"
    for scan_id in saved:
        assert store.get(scan_id).domain == "victim.example"
    # Later saves still work and never reuse an id.
    assert store.save(rich_scan()) > max(saved)


BATCH_WRITER = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
sys.path.insert(0, {tests!r})
from test_history import rich_scan
from tethers.store import HistoryStore
store = HistoryStore(Path(sys.argv[1]))
domain, batches, size = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for b in range(batches):
    scans = [rich_scan(domain, f"2024-01-01T{{b % 24:02d}}:{{i // 60:02d}}:{{i % 60:02d}}+00:00") for i in range(size)]
    print(*store.save_many(scans), flush=True)
"""


def batch_writer_command(path: Path, domain: str, batches: int, size: int) -> list[str]:
    code = BATCH_WRITER.format(root=str(ROOT), tests=str(Path(__file__).parent))
    return [sys.executable, "-c", code, str(path), domain, str(batches), str(size)]


def test_two_processes_save_batches_to_the_same_file(tmp_path):
    path = tmp_path / "new" / "h.sqlite3"  # both race to create the schema, then to write
    procs = [
        subprocess.Popen(batch_writer_command(path, d, 5, 40), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for d in ("a.example", "b.example")
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    batches = [[int(x) for x in line.split()] for out, _ in outputs for line in out.splitlines()]
    assert len(batches) == 10 and all(len(b) == 40 for b in batches)
    # Each batch is one transaction: its ids are consecutive, never interleaved with the other writer's.
    for ids in batches:
        assert ids == list(range(ids[0], ids[0] + 40))
    assert len({i for ids in batches for i in ids}) == 400
    store = HistoryStore(path)
    assert {d.domain: d.scans for d in store.domains()} == {"a.example": 200, "b.example": 200}
    (a_out, _), (b_out, _) = outputs
    assert store.get(int(a_out.split()[0])).domain == "a.example"
    assert store.get(int(b_out.split()[-1])).domain == "b.example"


def test_a_writer_killed_mid_batch_leaves_whole_batches_only(tmp_path):
    path = tmp_path / "h.sqlite3"
    HistoryStore(path).save(rich_scan("before.example"))
    size = 150
    proc = subprocess.Popen(batch_writer_command(path, "victim.example", 1000, size), stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    saved = [int(x) for _ in range(2) for x in proc.stdout.readline().split()]
    kill_and_check(proc, path)  # most likely inside the third batch
    store = HistoryStore(path)
    victims = store.list_scans("victim.example", limit=None)
    assert len(victims) % size == 0 and len(victims) >= 2 * size
    assert {s.id for s in victims} >= set(saved)
    assert store.list_scans("before.example")[0].domain == "before.example"


def test_a_lock_held_beyond_the_timeout_is_an_operational_error(tmp_path):
    path = tmp_path / "h.sqlite3"
    HistoryStore(path).save(rich_scan())
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(OperationalError) as info:
            HistoryStore(path, timeout=0.2).save(rich_scan())
        assert str(path) in info.value.message and "locked" in info.value.message
        assert "\n" not in info.value.message
        assert info.value.hint
    finally:
        holder.close()


# -- files that are not ours ----------------------------------------------------


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.iterdir()}


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"this is a text file, not a database\n" * 100, id="text"),
        pytest.param(b"SQLite format 3\x00" + bytes(range(256)) * 16, id="sqlite-header-then-garbage"),
        pytest.param(b"SQLite format 3\x00\x10\x00\x01\x01\x00\x40\x20\x20" + b"\xff" * 8192, id="damaged-header"),
    ],
)
def test_a_corrupt_file_is_refused_and_left_untouched(tmp_path, content):
    path = tmp_path / "h.sqlite3"
    path.write_bytes(content)
    before = snapshot(tmp_path)
    for create in (True, False):
        with pytest.raises(OperationalError) as info:
            store = HistoryStore(path, create=create)
            store.save(rich_scan())
        assert str(path) in info.value.message
        assert "\n" not in info.value.message
    assert snapshot(tmp_path) == before


def test_another_programs_sqlite_file_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "places.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE bookmarks (url TEXT)")
    conn.execute("INSERT INTO bookmarks VALUES ('https://example.com/')")
    conn.commit()
    conn.close()
    before = snapshot(tmp_path)
    with pytest.raises(OperationalError, match="another program"):
        HistoryStore(path)
    assert snapshot(tmp_path) == before


def test_a_schema_from_a_newer_tethers_is_refused(tmp_path):
    path = tmp_path / "h.sqlite3"
    HistoryStore(path).save(rich_scan())
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(OperationalError, match="schema 99, newer"):
        HistoryStore(path)


def test_an_unreadable_row_is_an_operational_error(tmp_path):
    path = tmp_path / "h.sqlite3"
    store = HistoryStore(path)
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO scans (domain, started, started_utc, mode, dependencies, unattributed, errors, body)"
        " VALUES ('example.com', 'x', 'x', 'live', 0, 0, 0, '{\"domain\": 1')"
    )
    conn.commit()
    conn.close()
    scan_id = store.list_scans()[0].id
    with pytest.raises(OperationalError, match=f"scan {scan_id} is unreadable"):
        store.get(scan_id)


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(OperationalError, match="is a directory"):
        HistoryStore(tmp_path)


def test_a_path_under_a_file_is_refused(tmp_path):
    (tmp_path / "plain").write_text("x")
    with pytest.raises(OperationalError) as info:
        HistoryStore(tmp_path / "plain" / "h.sqlite3")
    assert str(tmp_path / "plain" / "h.sqlite3") in info.value.message


# -- where the file lives -------------------------------------------------------


def test_default_path_is_in_the_user_data_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("TETHERS_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    if sys.platform.startswith("linux"):
        assert default_path() == tmp_path / "data" / "tethers" / "history.sqlite3"
    assert default_path().name == "history.sqlite3"


def test_environment_overrides_the_default_path(monkeypatch, tmp_path):
    monkeypatch.setenv("TETHERS_DB", str(tmp_path / "mine.db"))
    assert default_path() == tmp_path / "mine.db"
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("TETHERS_DB", "~/other.db")
    assert default_path() == tmp_path / "other.db"
