"""``--engine dask``: a LocalCluster on loopback gives the same records as a local run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tethers.batch import BatchOptions, ResultsFolder
from tethers.batch.distributed import run_dask
from tethers.batch.parquet import read_lines
from tethers.cli.main import main
from tethers.errors import OperationalError

distributed = pytest.importorskip("distributed")

DOMAINS = ["example.com", "example.net", "example.org", "missing.example.com", "www.example.com"]


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, host="127.0.0.1",
                                  protocol="tcp", dashboard_address=None) as local:
        yield local.scheduler_address


def _records(folder: Path) -> dict[str, dict]:
    """Scans by domain, without what differs between any two runs (times)."""
    out = {}
    for part in ResultsFolder(folder).data_files():
        lines = read_lines(part) if part.suffix == ".parquet" else part.read_text().splitlines()
        for line in lines:
            scan = json.loads(line)
            for key in ("started", "finished", "meta"):
                scan.pop(key)
            assert scan["domain"] not in out, "a domain written twice"
            out[scan["domain"]] = scan
    return out


def test_a_cluster_run_gives_the_records_of_a_local_run(builtin_server, cluster, tmp_path, capsys):
    host, port = builtin_server.address
    (tmp_path / "list.txt").write_text("\n".join(DOMAINS) + "\n")
    common = ["scan", "-i", str(tmp_path / "list.txt"), "--resolver", f"{host}:{port}", "--format", "parquet"]
    assert main([*common, "-o", f"{tmp_path / 'local'}/", "--workers", "1"]) == 0
    assert main([*common, "-o", f"{tmp_path / 'dask'}/", "--engine", "dask", "--scheduler", cluster,
                 "--partition-size", "2"]) == 0
    local, remote = _records(tmp_path / "local"), _records(tmp_path / "dask")
    assert sorted(remote) == sorted(DOMAINS)
    assert remote == local
    assert len(ResultsFolder(tmp_path / "dask").data_files()) == 3  # partitions of 2, 2 and 1
    capsys.readouterr()
    # Everything is done: a resume on the cluster scans nothing and writes nothing twice.
    assert main([*common, "-o", f"{tmp_path / 'dask'}/", "--engine", "dask", "--scheduler", cluster, "--resume"]) == 0
    assert "0 domains scanned" in capsys.readouterr().err
    assert _records(tmp_path / "dask") == remote


def test_partitions_that_keep_failing_are_reported_and_left_for_resume(cluster, tmp_path):
    (tmp_path / "list.txt").write_text("example.com\nexample.net\n")
    # No CLI check in the way: every worker fails to build its resolver, every retry too.
    options = BatchOptions(input=tmp_path / "list.txt", out_dir=tmp_path / "out", servers=("not-an-ip",))
    with pytest.raises(OperationalError, match=r"partition\(s\) failed after 2 retries"):
        run_dask(options, cluster, partition_size=1)
    assert ResultsFolder(tmp_path / "out").data_files() == []


def test_an_unreachable_scheduler_is_an_operational_error(tmp_path, capsys, monkeypatch):
    import socket

    from tethers.batch import distributed as engine

    monkeypatch.setattr(engine, "CONNECT_TIMEOUT", "1s")

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    (tmp_path / "list.txt").write_text("example.com\n")
    code = main(["scan", "-i", str(tmp_path / "list.txt"), "-o", f"{tmp_path / 'out'}/", "--resolver", "127.0.0.1",
                 "--engine", "dask", "--scheduler", f"tcp://127.0.0.1:{port}"])
    assert code == 1
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
