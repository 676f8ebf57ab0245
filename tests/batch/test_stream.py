"""``tethers scan -i FILE --format jsonl`` by several processes: every domain once, history kept, errors clear."""

from __future__ import annotations

import json

from tethers.cli.main import main
from tethers.store import HistoryStore


def _list(path, n: int) -> list[str]:
    domains = [f"missing-{i}.example.com" for i in range(n)] + ["example.com", "example.net", "example.org"]
    path.write_text("\n".join(domains) + "\nnot a domain\nexample.com\n")
    return domains


def test_two_processes_stream_every_domain_once(builtin_server, tmp_path, capsys):
    host, port = builtin_server.address
    domains = _list(tmp_path / "list.txt", 60)
    db = tmp_path / "history.sqlite3"
    code = main(["scan", "-i", str(tmp_path / "list.txt"), "--resolver", f"{host}:{port}", "--format", "jsonl",
                 "--workers", "2", "--db", str(db)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    scans = [json.loads(line) for line in captured.out.splitlines()]
    assert sorted(s["domain"] for s in scans) == sorted(domains)
    assert "skipping" in captured.err and "not a domain" in captured.err
    assert "60 scans failed in all" in captured.err
    example = next(s for s in scans if s["domain"] == "example.com")
    assert example["dependencies"] and example["schema"] == "tethers/scan@1"
    history = HistoryStore(db)
    assert {d.domain for d in history.domains()} == set(domains)


def test_a_silent_resolver_is_reported_once(tmp_path, capsys):
    import socket

    quiet = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    quiet.bind(("127.0.0.1", 0))
    try:
        (tmp_path / "list.txt").write_text("example.com\nexample.net\n")
        code = main(["scan", "-i", str(tmp_path / "list.txt"), "--resolver", "%s:%d" % quiet.getsockname(),
                     "--format", "jsonl", "--workers", "2", "--no-store", "--timeout", "0.2", "--retries", "0"])
    finally:
        quiet.close()
    err = capsys.readouterr().err
    assert code == 1
    assert "did not answer (timeout)" in err and "Traceback" not in err
