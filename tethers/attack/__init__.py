"""Where traffic came from, and how far that can be trusted: source attribution from logs and flows.

Layer: after ``geo`` (it uses the knowledge base's network rules and the offline IP
tables), before ``collect``. ``analyse(paths, options)`` reads access logs, JSON lines,
VPC flow logs and CSV flow exports, aggregates them per minute and source, attributes
the sources in bulk and returns the ``tethers/attack@1`` report as a plain dict.
"""

from tethers.attack.aggregate import Filters
from tethers.attack.report import SCHEMA, Options, analyse

__all__ = ["SCHEMA", "Filters", "Options", "analyse"]
