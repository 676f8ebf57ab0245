"""Pure functions over the model: comparisons and analyses of scan results."""

from tethers.analyse.diff import (
    OwnerChange,
    ProviderChange,
    ScanDiff,
    SetChange,
    UnattributedRef,
    diff_scans,
    diff_to_dict,
)

__all__ = [
    "OwnerChange",
    "ProviderChange",
    "ScanDiff",
    "SetChange",
    "UnattributedRef",
    "diff_scans",
    "diff_to_dict",
]
