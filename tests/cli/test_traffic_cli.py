"""``tethers traffic`` as a user meets it: reports, exit codes, and one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tethers.cli.main import main
from tethers.traffic.examples import write_examples
from tethers.traffic.writer import PcapWriter, client_hello
from tests.traffic.helpers import T0, conversation, pcap_bytes, udp_frame, write_pcap

SCHEMA = json.loads((Path(__file__).parents[2] / "tethers" / "data" / "schemas" / "traffic.schema.json").read_text())
HOSTILE = "<script>x</script>[bold]\x1b[31m.evil.example"


def run(capsys, *argv):  # type: ignore[no-untyped-def]
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {p.stem: str(p) for p in write_examples(tmp_path_factory.mktemp("cases"))}


def test_denied_country_exits_1_with_the_flow(capsys, cases):
    code, out, err = run(capsys, "traffic", cases["zoom-2020"], "--deny-countries", "cn")
    assert code == 1
    assert "Policy violations (1)" in out and "kms-illustrative.zoom.us" in out and "52.81.1.10" in out
    assert "server in CN (China)" in out and "[deny-countries]" in out and err == ""


def test_clean_run_exits_0(capsys, cases):
    code, out, _ = run(capsys, "traffic", cases["zoom-2020"], "--allow-countries", "US,CA", "--deny-regions", "eu")
    assert code == 1  # the key server is in CN: outside US, CA
    code, out, _ = run(capsys, "traffic", cases["zoom-2020"])
    assert code == 0 and "Zoom Workplace" in out and "Owner countries: US" in out


def test_json_matches_the_schema(capsys, cases):
    code, out, _ = run(capsys, "traffic", cases["clubhouse-2021"], "--format", "json", "--deny-countries", "CN")
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    assert code == 1 and doc["policy"]["violated"] and doc["summary"]["by_owner_country"][0]["country"] == "CN"


def test_html_report_is_written_and_escaped(capsys, tmp_path: Path):
    def build(w: PcapWriter) -> None:
        conversation(w).handshake().send(client_hello(HOSTILE)).close()

    capture = write_pcap(tmp_path / "hostile.pcap", build)
    target = tmp_path / "report.html"
    code, _, err = run(capsys, "traffic", str(capture), "--format", "html", "-o", str(target), "--deny-countries", "CN")
    page = target.read_text()
    assert code == 0 and f"wrote html report to {target}" in err
    assert "<script>x" not in page and "&lt;script&gt;x&lt;/script&gt;" in page and "\x1b" not in page
    assert "Content-Security-Policy" in page and "tethers/traffic@1" in page and "<h3>Timeline</h3>" in page


def test_terminal_shows_hostile_names_inert(capsys, tmp_path: Path):
    capture = write_pcap(tmp_path / "h.pcap", lambda w: conversation(w).handshake().send(client_hello(HOSTILE)).close())
    code, out, _ = run(capsys, "traffic", str(capture))
    assert code == 0 and "[bold]" in out and "\x1b" not in out and "\\x1b" in out


def test_truncated_capture_warns_and_reports_what_it_has(capsys, tmp_path: Path):
    frame = udp_frame("192.168.1.5", "203.0.113.10", 40000, 443, bytes(100))
    path = tmp_path / "cut.pcap"
    path.write_bytes(pcap_bytes([(T0, frame), (T0 + 1, frame)])[:-30])
    code, out, err = run(capsys, "traffic", str(path))
    assert code == 0 and "203.0.113.10" in out
    assert err.startswith(f"tethers: {path}: the file ends inside packet 2") and len(err.splitlines()) == 1


@pytest.mark.parametrize(("setup", "args", "message"), [
    (None, ["missing.pcap"], "missing.pcap: no such file"),
    ("not json", ["bad.har"], "not a packet capture, HAR file or Zeek log"),
    ('{"log": {"entries": [{"request"', ["bad.har"], "not valid JSON"),
    ("linktype", ["odd.pcap"], "link type 147 is not supported"),
    (None, [], "no input file given"),
    (None, ["x.pcap", "--allow-countries", "XX"], "--allow-countries: 'XX' is not a country code"),
    (None, ["x.pcap", "--deny-countries", "EU"], "--deny-countries: 'EU' is not a country code"),
    (None, ["x.pcap", "--allow-regions", "atlantis"], "--allow-regions: unknown region 'atlantis'"),
    ("policy", ["x.pcap", "--policy", "policy.toml"], "policy.toml"),
], ids=["missing", "text", "har-cut", "link-type", "no-files", "bad-country", "region-as-country", "bad-region", "bad-policy"])
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path: Path, monkeypatch, setup, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.pcap").write_bytes(pcap_bytes([(T0, udp_frame("10.0.0.1", "203.0.113.1", 1, 2, b""))]))
    if setup == "linktype":
        (tmp_path / "odd.pcap").write_bytes(pcap_bytes([(T0, b"\x00" * 40)], linktype=147))
    elif setup == "policy":
        (tmp_path / "policy.toml").write_text("[[rule]]\nid = \"x\"\nallow_server_regions = [\"nowhere\"]\n")
    elif setup is not None:
        (tmp_path / "bad.har").write_text(setup)
    code, out, err = run(capsys, "traffic", *args)
    assert code == 2 and out == ""
    assert err.startswith("tethers: error: ") and message in err.splitlines()[0]


def test_write_examples(capsys, tmp_path: Path):
    code, _, err = run(capsys, "traffic", "--write-examples", str(tmp_path / "cases"))
    assert code == 0 and sorted(p.name for p in (tmp_path / "cases").iterdir()) == ["clubhouse-2021.pcap", "zoom-2020.pcap"]
    assert err.count("tethers: wrote") == 2
