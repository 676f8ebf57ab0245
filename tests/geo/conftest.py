from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tethers.geo.locate import default_locator


@pytest.fixture(autouse=True)
def user_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the user data dir at an empty folder: tests never see or touch the real one."""
    path = tmp_path / "user-data"
    monkeypatch.setenv("TETHERS_DATA_DIR", str(path))
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")  # loopback servers, even behind a proxy
    default_locator.cache_clear()
    yield path
    default_locator.cache_clear()
