"""Batches at scale: resumable results folders, Parquet, portfolio reports, several processes or a Dask cluster."""

from tethers.batch.folder import ResultsFolder
from tethers.batch.runner import BatchOptions, Tally, run_batch

__all__ = ["BatchOptions", "ResultsFolder", "Tally", "run_batch"]
