"""Inventory files: valid ones load; each mistake is one ConfigError naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tethers.analyse.merge import merge
from tethers.config.inventory import load_inventory
from tethers.engine import scan_zone_files
from tethers.errors import ConfigError
from tethers.kb import default_kb
from tethers.model import Origin
from tethers.types import Function

ZONES = Path(__file__).parent.parent / "fixtures" / "zones"

GOOD = f"""
organisation = "Example Ltd"
zone_files = ["{ZONES / 'example.com.zone'}"]
critical = ["email-inbound"]

[[dependency]]
function = "app-distribution"
provider = "apple-app-store"
critical = true
note = "the iOS app"

[[dependency]]
function = "support"
provider = "zendesk"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tethers.toml"
    path.write_text(text)
    return path


def test_inventory_merges_with_discovered_dependencies(tmp_path):
    inventory = load_inventory(write(tmp_path, GOOD), default_kb())
    assert inventory.organisation == "Example Ltd"
    assert inventory.critical == {Function.EMAIL_INBOUND}
    scans = scan_zone_files(inventory.zone_files)
    dmap = merge(scans, inventory, default_kb())
    origins = {(t.function.value, t.provider.id): t.origin for t in dmap.tethers}
    assert origins[("app-distribution", "apple-app-store")] is Origin.DECLARED
    assert origins[("support", "zendesk")] is Origin.BOTH  # declared, and help.example.com shows it
    assert origins[("email-inbound", "google-workspace")] is Origin.DISCOVERED
    assert dmap.critical == {Function.EMAIL_INBOUND, Function.APP_DISTRIBUTION}
    declared = next(t for t in dmap.tethers if t.provider.id == "apple-app-store")
    assert declared.note == "the iOS app" and declared.critical and declared.evidence == ()


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('organisation = "x"\n\n[[dependency]]\nfunction = "support"\nprovider = "zendeskk"\n', 3, "unknown provider 'zendeskk'"),
        ('organisation = "x"\n[[dependency]]\nfunction = "spying"\nprovider = "zendesk"\n', 2, "unknown function 'spying'"),
        ('organisation = "x"\n[[dependency]]\nfunction = "dns"\nprovider = "zendesk"\n', 2, "does not offer 'dns'"),
        ('organisation = "x"\n[[dependency]]\nprovider = "zendesk"\n', 2, "needs 'function'"),
        ('organisation = "x"\n[[dependency]]\nfunction = "support"\nprovider = "zendesk"\ncritcal = true\n', 2, "unknown key 'critcal'"),
        ('organisation = "x"\n[[dependency]]\nfunction = "support"\nprovider = "zendesk"\n'
         '[[dependency]]\nfunction = "support"\nprovider = "zendesk"\n', 5, "already declared at line 2"),
        ('organisation = "x"\ndomains = ["not a domain"]\n', 2, "invalid domain name"),
        ('organisation = "x"\nzone_files = ["missing.zone"]\n', 2, "not found"),
        ('organisation = "x"\ncritical = ["hosting", "nope"]\n', 2, "unknown function 'nope'"),
        ('organisation = "x"\nfoo = 1\n', 2, "unknown key 'foo'"),
        ('organisation = "x"\n[[dependency]]\nfunction = "support"\nprovider = "zendesk"\ncritical = "yes"\n', 2, "true or false"),
        ('organisation = "x\n', 1, "invalid TOML"),
    ],
    ids=["unknown-provider", "unknown-function", "function-not-offered", "missing-function", "typo-key",
         "duplicate", "bad-domain", "missing-zone", "bad-critical", "unknown-top-key", "critical-not-bool", "toml-syntax"],
)
def test_mistakes_name_their_line(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_inventory(path, default_kb())
    assert f"{path}:{line}:" in str(info.value)
    assert message in str(info.value)


def test_empty_inventory_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="declares nothing"):
        load_inventory(write(tmp_path, 'organisation = "x"\n'), default_kb())
