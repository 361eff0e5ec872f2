"""Real parts for tests and benchmarks: a throwaway PostgreSQL cluster and server processes."""
