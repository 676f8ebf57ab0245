"""Zones for the demo servers' own tests: the fixture zones, ``lab.test`` and parler.com.

``lab.test`` (tests/demo/helpers.py) exercises what the fixture zones do not: a wildcard, an
empty non-terminal, a delegation with glue, CNAMEs that leave the zone or end in NXDOMAIN or
NODATA, and RRsets too big for 512 bytes (``medium``) or for any UDP reply (``big``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.demo.helpers import LAB_ZONE, PARLER_ZONE
from tethers.demo.knot import KnotServer
from tethers.demo.server import BuiltinServer
from tethers.demo.zones import ZoneFiles


@pytest.fixture(scope="session")
def lab_zone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("zones") / "lab.test.zone"
    path.write_text(LAB_ZONE, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def all_zones(fixture_zones: list[Path], lab_zone: Path) -> list[Path]:
    return [*fixture_zones, lab_zone, PARLER_ZONE]


@pytest.fixture(scope="session")
def builtin_all(builtin_dns: Callable[[ZoneFiles], BuiltinServer], all_zones: list[Path]) -> BuiltinServer:
    return builtin_dns(all_zones)


@pytest.fixture(scope="session")
def knot_all(knot: Callable[[ZoneFiles], KnotServer], all_zones: list[Path]) -> KnotServer:
    return knot(all_zones)
