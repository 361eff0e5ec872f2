"""An answer checked against its response model and written as JSON, on the thread that computed it."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import BaseModel


def checked(model: type[BaseModel], answer: Any) -> Response:
    """The answer as `model` validates it: a route declares `response_model=model` for the document, and
    returning the finished response spares the event loop a second validation and the JSON encoding."""
    public = model.model_validate(answer)
    return Response(public.__pydantic_serializer__.to_json(public), media_type="application/json")
