"""One error shape for every refusal: {"error": {"code", "message", ...}} with a 4xx status."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("emitra.server")


class ApiError(Exception):
    """A refusal the caller can act on; `code` is stable and machine-readable."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None, **details: Any):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.details}}


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class Unprocessable(ApiError):
    status = 422
    code = "unprocessable"


class Unavailable(ApiError):
    status = 503
    code = "busy_try_again"


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "body_too_large",
    415: "unsupported_media_type",
}


def error_response(status: int, code: str, message: str, **details: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **details}}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "malformed_json", "The request body is not valid JSON.")
        fields = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "problem": e.get("type", "invalid"),
                "message": e.get("msg", ""),
            }
            for e in errors
        ]
        first = fields[0] if fields else {"field": "", "message": "invalid request"}
        return error_response(
            422,
            "invalid_request",
            f"{first['field'] or 'request'}: {first['message']}",
            fields=fields,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        if database_unreachable(exc):
            log.warning("database unreachable on %s %s: %s", request.method, request.url.path, exc)
            return database_unavailable_response()
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(
            500,
            "internal_error",
            "Internal server error. A request with an operation id can be sent again with the same id (it is "
            "applied at most once), or its status asked.",
        )


def database_unavailable_response() -> JSONResponse:
    """503 database_unavailable: the operation may or may not have been applied (the same request again tells)."""
    return error_response(
        503,
        "database_unavailable",
        "The database could not be reached; whether the operation was applied is not known. Send the "
        "same request again with the same operation id (it is applied once), or ask its status.",
    )


def database_unreachable(exc: BaseException) -> bool:
    """A lost or refused database connection (a restart, a failover), as opposed to a bug."""
    import sqlite3

    import psycopg
    from sqlalchemy.exc import DBAPIError

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, psycopg.OperationalError | psycopg.InterfaceError):
            return True
        if isinstance(current, sqlite3.OperationalError) and "unable to open" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False
