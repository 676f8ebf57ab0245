"""Resumable batches: results folders, chunks and their done-index, kill and Ctrl-C, then --resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tethers.batch.folder import ResultsFolder, is_done, part_name
from tethers.batch.parquet import read_lines
from tethers.batch.source import Source
from tethers.cli.main import main
from tethers.errors import InputError

REPO = Path(__file__).resolve().parents[2]


def _list(path: Path, n: int) -> list[str]:
    """Many names that do not exist (each a quick, complete scan), then the real fixture domains."""
    domains = [f"missing-{i}.example.com" for i in range(n)] + ["example.com", "example.net", "example.org"]
    path.write_text("# a comment\n" + "\n".join(domains) + "\nnot a domain\nexample.com\n")
    return domains


def _scans(out: Path) -> list[dict]:
    """Every scan in a results folder, from JSONL or Parquet parts."""
    rows = []
    for part in ResultsFolder(out).data_files():
        lines = read_lines(part) if part.suffix == ".parquet" else part.read_text().splitlines()
        rows.extend(json.loads(line) for line in lines)
    return rows


def _cli(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "tethers.cli.main", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for_parts(out: Path, proc: subprocess.Popen[str], count: int) -> None:
    # A condition, not a timer: the batch has committed `count` chunks (or ended, which the test then sees).
    while len(ResultsFolder(out).data_files()) < count and proc.poll() is None:
        time.sleep(0.05)


def test_a_batch_writes_every_valid_domain_once(builtin_server, tmp_path, capsys):
    host, port = builtin_server.address
    domains = _list(tmp_path / "list.txt", 40)
    out = tmp_path / "out"
    code = main(["scan", "-i", str(tmp_path / "list.txt"), "-o", f"{out}/", "--resolver", f"{host}:{port}",
                 "--chunk-size", "7", "--timeout", "1"])
    err = capsys.readouterr().err
    assert code == 0, err
    scans = _scans(out)
    assert sorted(s["domain"] for s in scans) == sorted(domains)
    assert "skipping" in err and "not a domain" in err
    assert len(ResultsFolder(out).data_files()) == 7  # 43 scans in chunks of 7
    by_domain = {s["domain"]: s for s in scans}
    assert any(d["provider"]["id"] for d in by_domain["example.com"]["dependencies"])
    assert by_domain["missing-1.example.com"]["errors"][0]["reason"] == "nxdomain"
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["format"], manifest["runs"]) == ("jsonl", 1)


def test_resume_after_a_kill_neither_loses_nor_duplicates(builtin_server, tmp_path):
    host, port = builtin_server.address
    domains = _list(tmp_path / "list.txt", 600)
    out = tmp_path / "out"
    args = ["scan", "-i", str(tmp_path / "list.txt"), "-o", f"{out}/", "--resolver", f"{host}:{port}",
            "--chunk-size", "20", "--concurrency", "4", "--workers", "2", "--timeout", "1"]
    proc = _cli(*args)
    _wait_for_parts(out, proc, 3)
    proc.send_signal(signal.SIGKILL)  # the parent; its workers notice and stop
    proc.communicate()
    before = _scans(out)
    assert 0 < len(before) < len(domains), "the batch finished before it could be killed"
    # Orphaned workers notice their parent is gone, commit and stop; the resume waits for the folder's lock.
    resumed = _cli(*args, "--resume")
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    scans = _scans(out)
    names = [s["domain"] for s in scans]
    assert len(names) == len(set(names)), "duplicated results"
    assert sorted(names) == sorted(domains), "lost results"
    assert json.loads((out / "manifest.json").read_text())["runs"] == 2


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_commits_what_finished_then_resume_completes(builtin_server, tmp_path, workers):
    host, port = builtin_server.address
    domains = _list(tmp_path / "list.txt", 600)
    out = tmp_path / "out"
    args = ["scan", "-i", str(tmp_path / "list.txt"), "-o", f"{out}/", "--format", "parquet",
            "--resolver", f"{host}:{port}", "--chunk-size", "25", "--concurrency", "4", "--workers", workers]
    proc = _cli(*args)
    _wait_for_parts(out, proc, 2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "--resume" in err
    partial = _scans(out)
    assert 0 < len(partial) < len(domains)
    resumed = _cli(*args, "--resume")
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    names = [s["domain"] for s in _scans(out)]
    assert sorted(names) == sorted(domains) and len(names) == len(set(names))


def test_resume_refuses_another_list_format_or_query_plan(builtin_server, tmp_path, capsys):
    host, port = builtin_server.address
    _list(tmp_path / "list.txt", 2)
    out = tmp_path / "out"
    base = ["scan", "-i", str(tmp_path / "list.txt"), "-o", f"{out}/", "--resolver", f"{host}:{port}"]
    assert main(base) == 0
    assert main(base) == 2  # no --resume: the folder already holds a batch
    assert "already holds a batch" in capsys.readouterr().err
    assert main([*base, "--resume", "--format", "parquet"]) == 2
    assert "writes jsonl, not parquet" in capsys.readouterr().err
    assert main([*base, "--resume", "--depth", "quick"]) == 2
    assert "scanned with --depth full" in capsys.readouterr().err
    assert main([*base, "--resume", "--ask-all"]) == 2
    assert "resume with --depth full, or start" in capsys.readouterr().err
    (tmp_path / "list.txt").write_text("example.com\n")
    assert main([*base, "--resume"]) == 2
    assert "differs from the one this batch started with" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "--format", "parquet", "-i", "LIST"], "add -o DIR/"),
        (["scan", "--format", "parquet", "-i", "-", "-o", "OUT/"], "cannot be resumed"),
        (["scan", "example.com", "--format", "parquet", "-i", "LIST", "-o", "OUT/"], "drop DOMAIN"),
        (["scan", "-i", "LIST", "-o", "OUT/", "--resume"], "not a tethers results folder"),
        (["scan", "example.com", "--engine", "dask"], "results-folder batch"),
        (["scan", "-i", "LIST", "-o", "OUT/", "--engine", "dask"], "needs --scheduler"),
        (["scan", "-i", "LIST", "-o", "OUT/", "--qps", "-1"], "--qps"),
    ],
)
def test_bad_batch_arguments_are_one_line_errors(tmp_path, capsys, args, message):
    _list(tmp_path / "list.txt", 1)
    args = [a.replace("LIST", str(tmp_path / "list.txt")).replace("OUT", str(tmp_path / "out")) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


# -- the folder itself ----------------------------------------------------------------------------


def test_an_index_without_its_data_is_an_orphan_and_temporary_files_go(tmp_path):
    folder = ResultsFolder(tmp_path / "r")
    folder.create(input_path="x", digest="d", fmt="jsonl", options={})
    folder.commit(part_name(1, 0, 0), "jsonl", b'{"domain":"a.example"}\n', [3])
    (folder.parts / f"{part_name(1, 0, 1)}.idx").write_text("4\n5\n")  # crashed before its data landed
    (folder.parts / ".part-r001-w00-000002.jsonl.tmp").write_text("half")
    assert sorted(folder.done_positions()) == [3]
    folder.resume(input_path="x", digest="d", fmt="jsonl")
    assert sorted(p.name for p in folder.parts.iterdir()) == ["part-r001-w00-000000.idx", "part-r001-w00-000000.jsonl"]
    bitmap = folder.done_bitmap()
    assert is_done(bitmap, 3) and not is_done(bitmap, 4) and not is_done(bitmap, 10**6)


def test_workers_share_the_list_without_overlap_and_skip_what_is_done(tmp_path):
    path = tmp_path / "list.txt"
    path.write_text("".join(f"d{i}.example\n" for i in range(200)) + "d5.example\nD7.EXAMPLE.\n")
    shares = [list(Source(path, worker=k, workers=3)) for k in range(3)]
    names = [d for share in shares for _, d in share]
    assert sorted(names) == sorted(f"d{i}.example" for i in range(200))
    done = bytearray(64)
    done[0] = 0b0000_0110  # lines 1 and 2
    assert [p for p, _ in Source(path, done=done)][:2] == [3, 4]


def test_a_manifest_that_is_not_ours_is_refused(tmp_path):
    (tmp_path / "manifest.json").write_text('{"schema": "something/else"}')
    with pytest.raises(InputError, match="not a tethers/batch@1 manifest"):
        ResultsFolder(tmp_path).manifest()
