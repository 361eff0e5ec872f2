"""Central server: owns the kiosks' money in a double-entry ledger."""

__version__ = "0.1.0"
