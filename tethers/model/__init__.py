"""Frozen data types with no I/O: what collectors observe and what attribution concludes."""

from tethers.model.evidence import CollectError, Evidence
from tethers.model.result import Dependency, Location, ProviderRef, ScanResult, Unattributed

__all__ = [
    "CollectError",
    "Dependency",
    "Evidence",
    "Location",
    "ProviderRef",
    "ScanResult",
    "Unattributed",
]

from tethers.model.inventory import (  # noqa: E402
    DeclaredDependency,
    DependencyMap,
    Inventory,
    Origin,
    Tether,
)

__all__ += ["DeclaredDependency", "DependencyMap", "Inventory", "Origin", "Tether"]
