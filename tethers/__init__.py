"""tethers: who can switch a service off, and who can compel its data.

The library API is what this module exports; everything else is internal::

    import tethers
    result = tethers.scan("example.com", resolver="127.0.0.1:53")
    for dep in result.dependencies:
        print(dep.function, dep.provider.name, dep.provider.country)
"""

__version__ = "0.1.0"

from tethers.engine import Scanner, scan, scan_zone_files  # noqa: E402
from tethers.errors import (  # noqa: E402
    ConfigError,
    InputError,
    OperationalError,
    TethersError,
    UsageError,
    UserError,
)
from tethers.model import (  # noqa: E402
    CollectError,
    Dependency,
    Evidence,
    Location,
    ProviderRef,
    ScanResult,
    Unattributed,
)
from tethers.types import Function, Mode  # noqa: E402

__all__ = [
    "CollectError",
    "ConfigError",
    "Dependency",
    "Evidence",
    "Function",
    "InputError",
    "Location",
    "Mode",
    "OperationalError",
    "ProviderRef",
    "ScanResult",
    "Scanner",
    "TethersError",
    "Unattributed",
    "UsageError",
    "UserError",
    "__version__",
    "scan",
    "scan_zone_files",
]
