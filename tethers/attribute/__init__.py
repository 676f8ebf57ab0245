"""From evidence to dependencies, using the knowledge base and offline IP data."""

from tethers.attribute.attribute import Attribution, Attributor

__all__ = ["Attribution", "Attributor"]
