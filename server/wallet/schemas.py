"""HTTP shapes of the wallet routes; amounts are strict integer paise."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from server.core.fields import Text
from server.schemas import KioskCode, OperationId, Paise


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RefillOrderIn(Strict):
    operation_id: OperationId
    amount_paise: Paise
    channel: Literal["net_banking", "aggregator"]


class LegacyTransferIn(Strict):
    operation_id: OperationId
    cug_code: Annotated[str, Text(64, min_length=1)]


class PayoutIn(Strict):
    operation_id: OperationId
    amount_paise: Paise
    method: Literal["wallet", "net_banking"]


class SimCompleteIn(Strict):
    outcome: Literal["success", "failed"]
    amount_paise: Annotated[int, Field(strict=True, gt=0, le=10_000_000_000)] | None = None
    deliver: bool = True


class SuspenseAssignIn(Strict):
    kiosk_code: KioskCode


class LegacyLimitIn(Strict):
    limit_paise: Annotated[int, Field(strict=True, ge=0, le=10_000_000_000)]
    cug_code: Annotated[str, Text(32, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{3,31}$")]
    admin_name: Annotated[str, Text(100, min_length=1)] = "Old portal administrator"
