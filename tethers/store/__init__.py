"""SQLite history of scans; only model types cross this boundary."""

from tethers.store.history import DomainSummary, HistoryStore, ScanSummary, default_path

__all__ = ["DomainSummary", "HistoryStore", "ScanSummary", "default_path"]
