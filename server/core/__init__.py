"""Configuration, database and error plumbing shared by the whole server."""
