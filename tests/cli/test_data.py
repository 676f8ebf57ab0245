"""`tethers data`: stdout, stderr and exit code for each action and each bad input."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.geo.loopback import Reply, closed_port, serve, small_upstream
from tethers.cli.data import _Progress
from tethers.cli.main import main
from tethers.geo.files import sha256_file
from tethers.geo.locate import default_locator


@pytest.fixture(autouse=True)
def user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "user-data"
    monkeypatch.setenv("TETHERS_DATA_DIR", str(path))
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    default_locator.cache_clear()
    yield path
    default_locator.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["data", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_bare_data_shows_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)
    assert (code, err) == (0, "")
    for text in ("asn", "geo-whois-asn-country", "public-suffix-list", "knowledge-base", "CC-BY-4.0", "MPL-2.0",
                 "2026-06-17", "packaged", "DB-IP", "routeviews.org", "nro.net"):
        assert text in out, text
    age = (datetime.now(UTC).date() - date(2026, 6, 17)).days
    assert f"{age} days" in out


@pytest.mark.parametrize("argv", [["show", "--format", "json"], ["--format", "json"], ["--format", "json", "show"]])
def test_json_output(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["schema"] == "tethers/data@1"
    by_name = {d["name"]: d for d in doc["datasets"]}
    assert list(by_name) == ["asn", "geo-whois-asn-country", "public-suffix-list", "knowledge-base"]
    assert by_name["asn"]["snapshot"] == "2026-06-17"
    assert by_name["asn"]["origin"] == "packaged"
    assert by_name["asn"]["age_days"] == (datetime.now(UTC).date() - date(2026, 6, 17)).days
    assert by_name["knowledge-base"]["counts"]["providers"] > 0


def test_update_then_show_uses_the_new_copy(capsys: pytest.CaptureFixture[str], user_dir: Path) -> None:
    with serve(small_upstream("2.3.2099010100")) as base:
        code, out, err = run(capsys, "update", "--source-url", base, "--min-rows", "1")
    assert (code, err) == (0, "")  # stderr is not a TTY here: no progress lines
    assert "asn: 3 IPv4 and 1 IPv6 ranges, snapshot 2099-01-01" in out
    assert f"installed into {user_dir / 'generated'}" in out
    code, out, _ = run(capsys, "--format", "json")
    by_name = {d["name"]: d for d in json.loads(out)["datasets"]}
    assert by_name["asn"]["origin"] == "user"
    assert by_name["asn"]["location"] == str(user_dir / "generated" / "asn.npz")
    assert by_name["asn"]["age_days"] == 0  # a snapshot "from the future" is not a negative age


def test_update_into_a_chosen_dir_from_a_local_copy(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "upstream"
    for path, body in small_upstream().items():
        (source / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (source / path.lstrip("/")).write_bytes(body)  # type: ignore[arg-type]
    code, out, err = run(capsys, "update", "--from-dir", str(source), "--dir", str(tmp_path / "out"), "--min-rows", "1")
    assert (code, err) == (0, "")
    assert (tmp_path / "out" / "geo-whois-asn-country.npz").is_file()


def test_update_offline_is_one_line_exit_1_and_keeps_the_data(capsys: pytest.CaptureFixture[str], user_dir: Path) -> None:
    with serve(small_upstream()) as base:
        assert run(capsys, "update", "--source-url", base, "--min-rows", "1")[0] == 0
    target = user_dir / "generated"
    before = {p.name: sha256_file(p) for p in target.iterdir()}
    port = closed_port()
    code, out, err = run(capsys, "update", "--source-url", f"http://127.0.0.1:{port}", "--timeout", "5")
    assert code == 1
    assert out == ""
    assert err.startswith(f"tethers: error: cannot reach 127.0.0.1:{port}: ")
    assert len(err.splitlines()) == 1
    assert {p.name: sha256_file(p) for p in target.iterdir()} == before


def test_update_with_a_broken_source_is_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    files = small_upstream()
    files["/asn/asn-ipv4.csv"] = Reply(b"not found", 404)
    with serve(files) as base:
        code, out, err = run(capsys, "update", "--source-url", base, "--min-rows", "1")
    assert (code, out) == (1, "")
    assert err.startswith("tethers: error: cannot fetch http://127.0.0.1:") and "asn-ipv4.csv: HTTP 404" in err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["update", "--source-url", "ftp://mirror.example"], "unsupported source URL 'ftp://mirror.example'"),
        (["update", "--from-dir", "/no/such/dir"], "source directory /no/such/dir does not exist"),
        (["update", "--source-url", "http://a.example", "--from-dir", "/tmp"], "not allowed with argument"),
        (["update", "--min-rows", "many"], "invalid int value"),
        (["show", "--format", "yaml"], "invalid choice"),
        (["refresh"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2_with_one_message(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    first = err.splitlines()[0]
    assert first.startswith("tethers: error: ") and message in first


def test_help_shows_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["data", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "tethers data update --source-url" in out


def test_progress_reports_only_large_downloads_on_one_line_each() -> None:
    out = io.StringIO()
    progress = _Progress(out)
    progress("package.json", 500, 500)  # small: silent
    assert out.getvalue() == ""
    progress("asn-ipv4.csv", 1 << 16, 24_000_000)
    progress("asn-ipv4.csv", 1 << 17, 24_000_000)  # within 0.2 s of the last line: skipped
    progress("asn-ipv4.csv", 24_000_000, 24_000_000)  # finished: always shown, then a newline
    text = out.getvalue()
    assert text.count("\rdownloading asn-ipv4.csv") == 2
    assert text.endswith("24.0 of 24.0 MB\x1b[K\n")
