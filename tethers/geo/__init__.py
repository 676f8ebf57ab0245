"""Offline IP attribution: address → AS number, AS name and country, from shipped datasets.

Layer: after ``kb``, before ``collect``. The datasets are generated files in
``tethers/data/generated`` (refreshed into the user data dir by
``tethers data update``), each with a provenance file.
"""

from tethers.geo.locate import Locator, default_locator
from tethers.geo.provenance import DataSource, data_sources
from tethers.geo.table import RangeTable

__all__ = ["DataSource", "Locator", "RangeTable", "data_sources", "default_locator"]
