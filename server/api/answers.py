"""An answer checked against its response model and written as JSON, on the thread that computed it."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import BaseModel


def checked(model: type[BaseModel], answer: Any) -> Response:
    """The answer as `model` validates it. The route declares `response_model=` for the document; returning
    the finished response spares the event loop a second validation and the JSON encoding. A field with a
    default that the answer leaves out stays out."""
    public = model.model_validate(answer)
    body = public.__pydantic_serializer__.to_json(public, by_alias=True, exclude_unset=True)
    return Response(body, media_type="application/json")
