"""The kiosk's commission on a bill it collected: a flat amount per bill plus basis points of the bill, in integer
paise, rounded down (a paisa is never paid that was not earned). Rates are catalog data, per service."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

BASIS_POINTS = 10_000  # 1 basis point = 1/100 of a percent
MAX_FLAT_PAISE = 100_000  # ₹1,000 a bill: a rate above it is a typing mistake in the catalog


@dataclass(frozen=True)
class CommissionRate:
    flat_paise: int = 0  # per bill collected
    basis_points: int = 0  # of the bill's amount

    def __post_init__(self) -> None:
        for name, value, high in (
            ("commission_paise", self.flat_paise, MAX_FLAT_PAISE),
            ("commission_bp", self.basis_points, BASIS_POINTS),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
                raise ValueError(f"{name} must be a whole number from 0 to {high}, not {value!r}")

    @classmethod
    def of(cls, service: Mapping[str, Any]) -> CommissionRate:
        """A service's rate as the catalog gives it (`commission_paise`, `commission_bp`; missing: none)."""
        flat, basis_points = service.get("commission_paise"), service.get("commission_bp")
        return cls(0 if flat is None else flat, 0 if basis_points is None else basis_points)


def commission_paise(rate: CommissionRate, amount_paise: int) -> int:
    """What one bill of `amount_paise` earns the kiosk."""
    if isinstance(amount_paise, bool) or not isinstance(amount_paise, int) or amount_paise < 0:
        raise ValueError(f"a bill's amount is whole paise, not {amount_paise!r}")
    return rate.flat_paise + amount_paise * rate.basis_points // BASIS_POINTS
