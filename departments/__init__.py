"""The simulated departments (DISCOM, PHED, telecom, Bhamashah, micro-ATM) as a program of their own.

They speak the department protocol (server/billers/protocol.py, docs/DEPARTMENTS.md) over HTTP, keep their
records in their own database, and share nothing with the server but that protocol and the catalog file.
Demo, training, tests and benchmarks only: a production server never talks to them.
"""
