"""TARGET resolution shared by whatif, check and friends."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from tethers.cli.main import main
from tethers.cli.target import load_target
from tethers.errors import InputError

ZONE = Path(__file__).parent.parent / "fixtures" / "zones" / "example.com.zone"


def args(target, db, **kw):
    return argparse.Namespace(target=str(target), inventory=kw.get("inventory"), live=False, resolver=None, db=str(db))


def providers(dmap):
    return {(t.function.value, t.provider.id) for t in dmap.tethers}


def test_zone_file_saved_json_and_history_give_the_same_map(tmp_path, capsys):
    db = tmp_path / "h.sqlite3"
    saved = tmp_path / "scan.json"
    assert main(["scan", "--zone-file", str(ZONE), "--db", str(db), "--format", "json", "-o", str(saved)]) == 0
    capsys.readouterr()
    from_zone = load_target(args(ZONE, db))
    from_json = load_target(args(saved, db))
    from_history = load_target(args("example.com", db))
    assert providers(from_zone) == providers(from_json) == providers(from_history)
    assert ("email-inbound", "google-workspace") in providers(from_zone)


def test_domain_without_history_explains_what_to_do(tmp_path):
    with pytest.raises(InputError, match="no stored scan of example.org") as info:
        load_target(args("example.org", tmp_path / "empty.sqlite3"))
    assert "--live" in (info.value.hint or "")


def test_garbage_json_is_an_input_error(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text('{"scans": [{"domain": 1}]}')
    with pytest.raises(InputError, match="not tethers scan results"):
        load_target(args(bad, tmp_path / "h.sqlite3"))


def test_an_inventory_of_declarations_only_needs_no_zone_files(tmp_path):
    inv = tmp_path / "tethers.toml"
    inv.write_text('organisation = "x"\n[[dependency]]\nfunction = "support"\nprovider = "zendesk"\n')
    dmap = load_target(args(inv, tmp_path / "h.sqlite3"))
    assert providers(dmap) == {("support", "zendesk")}
