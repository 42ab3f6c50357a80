"""golive's version, in a module of its own: what imports it need not import the package."""

__version__ = "0.1.0"
