"""Operation ids: every request that moves money carries one, and the server answers a repeat with the first answer."""

from __future__ import annotations

import re
import uuid

OPERATION_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]{7,63}$"
_OPERATION_ID = re.compile(OPERATION_ID)


def new_operation_id() -> str:
    return uuid.uuid4().hex


def is_operation_id(text: str) -> bool:
    return _OPERATION_ID.fullmatch(text) is not None
