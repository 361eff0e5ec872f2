"""The departments process fixtures (tests/support/departments.py) for this folder."""

from tests.support.departments import departments, fresh_departments  # noqa: F401 - fixtures
