"""Scenario files: the built-ins load, and each kind of bad file gives one ConfigError naming its line."""

from __future__ import annotations

import textwrap

import pytest

from tethers.config.scenario import builtin_dir, builtin_names, find_scenario, id_problem, load_scenario
from tethers.errors import ConfigError, InputError
from tethers.kb import default_kb

KB = default_kb()

GOOD = """\
name = "vendor-exit"
title = "Our vendors leave"
date = 2024-03-01
description = "Two vendors stop serving us."
sources = ["https://example.org/report"]

[[cut]]
provider = "aws"
date = "2024-03-01"
reason = "Account suspended."
source = "https://example.org/aws"

[[cut]]
owner = "twilio"
reason = "Every Twilio service ends."
source = "https://example.org/twilio"
note = "SendGrid included."

[[cut]]
country = "ru"
reason = "Sanctions."
source = "https://example.org/sanctions"
"""


def write(tmp_path, text, name="scenario.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_good_file_loads_in_order_with_lines(tmp_path):
    scenario = load_scenario(write(tmp_path, GOOD), KB)
    assert (scenario.name, scenario.title, scenario.date) == ("vendor-exit", "Our vendors leave", "2024-03-01")
    assert [(e.kind, e.id, e.line) for e in scenario.entries] == [("provider", "aws", 7), ("owner", "twilio", 13), ("country", "RU", 19)]
    assert scenario.entries[0].date == "2024-03-01" and scenario.entries[2].date == ""
    assert scenario.entries[1].note == "SendGrid included."
    assert scenario.sources == ("https://example.org/report",)


def test_every_builtin_loads_and_is_named_after_its_file():
    assert "parler-2021" in builtin_names()
    for name in builtin_names():
        scenario = load_scenario(builtin_dir() / f"{name}.toml", KB)
        assert scenario.name == name
        assert scenario.sources and all(e.source.startswith("https://") and e.date for e in scenario.entries)


def test_parler_cuts_the_vendors_that_acted_not_their_owners():
    scenario = find_scenario("parler-2021", KB)
    cut = {(e.kind, e.id) for e in scenario.entries}
    assert {("provider", p) for p in ("aws", "apple-app-store", "google-play", "twilio", "okta", "zendesk")} <= cut
    assert all(kind == "provider" for kind, _ in cut)
    assert ("provider", "microsoft-365") not in cut and ("provider", "epik") not in cut


def test_find_by_path_and_unknown_name(tmp_path):
    path = write(tmp_path, GOOD)
    assert find_scenario(str(path), KB).name == "vendor-exit"
    with pytest.raises(InputError, match="no scenario named 'parler-2012'") as info:
        find_scenario("parler-2012", KB)
    assert "parler-2021" in (info.value.hint or "")


BAD = [
    ("unknown-top-key", GOOD.replace('title = "Our vendors leave"', 'titel = "x"\ntitle = "t"'), 2, "unknown key 'titel'"),
    ("bad-name", GOOD.replace('name = "vendor-exit"', 'name = "Vendor Exit"'), 1, "kebab-case"),
    ("no-title", GOOD.replace('title = "Our vendors leave"\n', ""), 0, "title is required"),
    ("bad-date", GOOD.replace("date = 2024-03-01\n", 'date = "March 2024"\n'), 3, "date must be a date"),
    ("source-not-url", GOOD.replace('sources = ["https://example.org/report"]', 'sources = ["a newspaper"]'), 5, "http(s) URL"),
    ("unknown-provider", GOOD.replace('provider = "aws"', 'provider = "amazon-web-services"'), 8, "unknown provider 'amazon-web-services'"),
    ("unknown-owner", GOOD.replace('owner = "twilio"', 'owner = "twillio"'), 14, "unknown owner 'twillio'"),
    ("unknown-country", GOOD.replace('country = "ru"', 'country = "XX"'), 20, "unknown country code 'XX'"),
    ("two-kinds", GOOD.replace('owner = "twilio"', 'owner = "twilio"\nprovider = "twilio"'), 13, "exactly one of provider, owner or country"),
    ("no-kind", GOOD.replace('owner = "twilio"\n', ""), 13, "exactly one of"),
    ("no-reason", GOOD.replace('reason = "Sanctions."\n', ""), 19, "reason is required"),
    ("empty-reason", GOOD.replace('reason = "Sanctions."', 'reason = "  "'), 21, "reason is required"),
    ("no-source", GOOD.replace('source = "https://example.org/aws"\n', ""), 7, "http(s) URL"),
    ("bad-entry-date", GOOD.replace('date = "2024-03-01"', 'date = "2024-13-01"'), 9, "date must be a date"),
    ("unknown-cut-key", GOOD.replace('note = "SendGrid included."', 'notes = "x"'), 17, "unknown key 'notes' in [[cut]]"),
    ("duplicate", GOOD + '\n[[cut]]\nprovider = "aws"\nreason = "again"\nsource = "https://example.org/x"\n', 24, "already cut at line 7"),
    ("nothing-cut", GOOD.split("[[cut]]")[0], 0, "cuts nothing"),
    ("cut-not-table", GOOD.split("[[cut]]")[0] + 'cut = "aws"\n', 7, "[[cut]] table"),
    ("invalid-toml", GOOD.replace('title = "Our vendors leave"', "title = "), 2, "invalid TOML"),
    ("not-a-string", GOOD.replace('provider = "aws"', "provider = 3"), 8, "non-empty string"),
]


@pytest.mark.parametrize(("text", "line", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_files_name_the_line(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_scenario(path, KB)
    where = f"{path}:{line}:" if line else f"{path}:"
    assert info.value.message.startswith(where), info.value.message
    assert message in info.value.message
    assert "\n" not in info.value.message


def test_unknown_ids_come_with_suggestions():
    message, hint = id_problem("provider", "twillio", KB)
    assert message == "unknown provider 'twillio'" and "twilio" in hint
    message, hint = id_problem("owner", "amazn", KB)
    assert "amazon" in hint
    assert id_problem("provider", "okta", KB) is None
    assert id_problem("owner", "alphabet", KB) is None
    assert id_problem("country", "de", KB) is None


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_scenario(tmp_path / "nope.toml", KB)
