"""tethers: who can switch a service off, and who can compel its data."""

__version__ = "0.1.0"
