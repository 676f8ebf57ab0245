"""zone_sources: the forms a caller may name zone files in, and the mistakes it rejects."""

from __future__ import annotations

from pathlib import Path

import dns.name
import pytest

from tethers.demo.zones import zone_sources
from tethers.errors import InputError


@pytest.fixture
def zone_file(tmp_path: Path) -> Path:
    path = tmp_path / "example.com.zone"
    path.write_text("@ 300 IN SOA ns1 hm 1 2 3 4 5\n", encoding="utf-8")
    return path


def test_origin_from_file_name(zone_file: Path) -> None:
    (source,) = zone_sources([zone_file])
    assert source.origin == dns.name.from_text("example.com.")
    assert source.domain == "example.com"
    assert source.path == zone_file


@pytest.mark.parametrize("form", ["mapping", "pair", "single-path", "string"])
def test_accepted_forms(zone_file: Path, form: str) -> None:
    zones = {
        "mapping": {"example.com": zone_file},
        "pair": [("example.com.", zone_file)],
        "single-path": zone_file,
        "string": [str(zone_file)],
    }[form]
    assert [s.domain for s in zone_sources(zones)] == ["example.com"]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("zones", "message"),
    [
        pytest.param([], "no zone files", id="empty"),
        pytest.param(lambda f: [f, ("example.com", f)], "given twice", id="duplicate"),
        pytest.param(lambda f: {".": f}, "root zone", id="root"),
        pytest.param(lambda f: {"a..b": f}, "bad zone origin", id="bad-origin"),
        pytest.param(lambda f: [f.parent / "missing.zone"], "not found", id="missing"),
    ],
)
def test_rejected(zone_file: Path, zones: object, message: str) -> None:
    value = zones(zone_file) if callable(zones) else zones
    with pytest.raises(InputError, match=message):
        zone_sources(value)  # type: ignore[arg-type]
