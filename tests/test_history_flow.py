"""scan → history → diff, end to end through the CLI, over two versions of one zone."""

from __future__ import annotations

import json

from tethers.cli.main import main

V1 = """$ORIGIN acme-widgets.com.
$TTL 300
@ IN SOA ns1.acme-widgets.com. hostmaster.acme-widgets.com. 1 7200 900 1209600 300
@ IN NS ns1.acme-widgets.com.
@ IN NS ns2.acme-widgets.com.
@ IN MX 10 mail.acme-widgets.com.
ns1 IN A 192.0.2.1
ns2 IN A 192.0.2.2
mail IN A 192.0.2.25
"""
V2 = V1.replace("@ IN NS ns2.acme-widgets.com.", "@ IN NS ada.ns.cloudflare.com.").replace(
    "@ IN MX 10 mail.acme-widgets.com.", "@ IN MX 1 aspmx.l.google.com."
)


def test_own_name_servers_moving_to_a_provider_shows_in_diff(tmp_path, capsys):
    db = tmp_path / "h.sqlite3"
    zone = tmp_path / "acme-widgets.com.zone"
    for text in (V1, V2):
        zone.write_text(text)
        assert main(["scan", "--zone-file", str(zone), "--db", str(db), "--format", "jsonl"]) == 0
    capsys.readouterr()
    assert main(["diff", "acme-widgets.com", "--db", str(db), "--format", "json"]) == 0
    diff = json.loads(capsys.readouterr().out)
    text = json.dumps(diff)
    assert "ns2.acme-widgets.com" in text and "ada.ns.cloudflare.com" in text
    assert "mail.acme-widgets.com" in text and "aspmx.l.google.com" in text
    assert "google-workspace" in text  # a provider gained
