"""``tethers attack`` as a user runs it: exit codes, stdout and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tethers.cli.main import main
from tests.attack.conftest import clf, write


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["attack", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_terminal_report(tmp_path: Path, capsys) -> None:
    log = write(tmp_path / "a.log", clf("192.0.2.1") + clf("5.9.1.1") + "garbage\n")
    code, out, err = run(capsys, str(log))
    assert code == 0 and err == ""
    assert "http: all traffic" in out and "1 malformed" in out and "malformed: garbage" in out


def test_json_to_file(tmp_path: Path, capsys) -> None:
    log = write(tmp_path / "a.log", clf("5.9.1.1"))
    target = tmp_path / "r.json"
    code, out, err = run(capsys, str(log), "--format", "json", "-o", str(target))
    assert code == 0 and out == "" and "wrote json report" in err
    assert json.loads(target.read_text(encoding="utf-8"))["schema"] == "tethers/attack@1"


def test_case_study_then_html(tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, "--make-case-study", str(tmp_path / "cs"), "--scale", "0.005", "--seed", "7")
    assert code == 0 and "access.log" in out and "synthetic incident" in err
    assert json.loads((tmp_path / "cs" / "truth.json").read_text(encoding="utf-8"))["seed"] == 7
    code, out, _ = run(capsys, str(tmp_path / "cs" / "access.log"), str(tmp_path / "cs" / "flows.csv"),
                       "--format", "html", "--target", "198.51.100.10")
    assert code == 0 and out.startswith("<!DOCTYPE html>") and "tcp-syn" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "no file given"),
        (("{tmp}/missing.log",), "no such file"),
        (("{tmp}",), "is a directory"),
        (("{tmp}/empty.log",), "nothing could be read"),
        (("{tmp}/binary.dat",), "binary data"),
        (("{tmp}/a.log", "--since", "yesterday"), "not a time"),
        (("{tmp}/a.log", "--since", "2025-03-11T00:00Z", "--until", "2025-03-10T00:00Z"), "--since must be before"),
        (("{tmp}/a.log", "--baseline", "2025-03-09T00:00Z"), "--baseline takes FROM,TO"),
        (("{tmp}/a.log", "--log-format", "$status"), "needs the client address"),
        (("{tmp}/a.log", "--since", "2030-01-01T00:00Z"), "left after the filters"),
        (("--make-case-study", "{tmp}/cs", "--scale", "0"), "--scale"),
    ],
    ids=["no-file", "missing", "directory", "empty", "binary", "bad-time", "since-after-until", "bad-baseline",
         "bad-log-format", "all-filtered", "bad-scale"],
)
def test_bad_input_is_one_line_exit_2(tmp_path: Path, capsys, args: tuple[str, ...], message: str) -> None:
    write(tmp_path / "a.log", clf("192.0.2.1"))
    write(tmp_path / "empty.log", "")
    write(tmp_path / "binary.dat", bytes(range(256)) * 16)
    code, out, err = run(capsys, *(a.format(tmp=tmp_path) for a in args))
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err
    assert err.startswith("tethers: error: ") and len(err.strip().splitlines()) <= 2  # message and maybe a hint


def test_a_skipped_file_beside_a_good_one_is_a_warning(tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, str(write(tmp_path / "e.log", "")), str(write(tmp_path / "a.log", clf("5.9.1.1"))))
    assert code == 0 and "skipped: empty" in err and "http" in out


def test_client_ip_forwarded(tmp_path: Path, capsys) -> None:
    log = write(tmp_path / "a.log", clf("104.16.0.1").rstrip("\n") + ' "5.9.1.1"\n')
    code, out, _ = run(capsys, str(log), "--client-ip", "forwarded", "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["filters"]["client_ip"] == "forwarded"
    assert report["episodes"][0]["top_talkers"][0]["address"] == "5.9.1.1"
