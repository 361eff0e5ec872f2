"""Kiosk client core: configuration, API client, session, use-cases. Imports no widgets."""

__version__ = "0.1.0"
