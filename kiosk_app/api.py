"""The HTTP client of the central server: one requests Session, timeouts, TLS verified, typed errors."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError
from urllib3.util.retry import Retry

from kiosk_app import __version__
from kiosk_app.errors import (
    ConfigurationError,
    DepartmentFailed,
    DepartmentNoAnswer,
    NotSignedIn,
    Refused,
    ServerFault,
    ServerUnreachable,
    SessionExpired,
    TlsFailure,
    refusal,
)

log = logging.getLogger("emitra.api")

API_PREFIX = "/api/v1"
# (connect, read) seconds: a kiosk line is slow, but an operator should not wait minutes for an answer.
DEFAULT_TIMEOUT = (5.0, 30.0)
# Only these are sent again after a lost answer; a POST may have been applied (money uses op ids instead).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _may_have_arrived(exc: requests.RequestException) -> bool:
    """False only when no connection was made (refused, no route, connect timeout): the request never left."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    cause = exc.args[0] if exc.args else None
    if isinstance(cause, MaxRetryError):
        cause = cause.reason
    return not isinstance(cause, NewConnectionError | ConnectTimeoutError)


def _retry(total: int) -> Retry:
    # Connection errors (nothing reached the server) are retried for every method; read errors and
    # 502/503/504 only for idempotent ones.
    return Retry(
        total=total,
        connect=total,
        read=total,
        status=total,
        backoff_factor=0.3,
        status_forcelist=(502, 503, 504),
        allowed_methods=IDEMPOTENT_METHODS,
        raise_on_status=False,
        respect_retry_after_header=True,
    )


class ApiClient:
    """Talks to the server for the use-cases; never called from the GUI thread."""

    def __init__(
        self,
        base_url: str,
        *,
        machine_id: str,
        ca_bundle: str | Path | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retries: int = 3,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(f"the server address {base_url!r} is not an http(s) URL")
        if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
            raise ConfigurationError(
                f"the server address {base_url!r} is not encrypted: use https:// (plain http only for this PC)"
            )
        if ca_bundle is not None and not Path(ca_bundle).is_file():
            raise ConfigurationError(f"the CA bundle {ca_bundle} does not exist")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.token: str | None = None
        # Called when the server says the session is gone, so the stored token can be forgotten.
        self.on_session_lost: Callable[[], None] | None = None
        self.http = requests.Session()
        self.http.verify = str(ca_bundle) if ca_bundle is not None else True
        self.http.headers.update(
            {"User-Agent": f"emitra-kiosk/{__version__}", "X-Machine-Id": machine_id, "Accept": "application/json"}
        )
        adapter = HTTPAdapter(max_retries=_retry(retries))
        self.http.mount("https://", adapter)
        self.http.mount("http://", adapter)
        # Requests bound by a deadline go out once: a retry would wait past it.
        self.once = requests.Session()
        self.once.verify = self.http.verify
        self.once.headers.update(self.http.headers)

    def close(self) -> None:
        self.http.close()
        self.once.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        auth: bool = True,
        deadline: float | None = None,
    ) -> Any:
        """Send one request; the decoded JSON body on 2xx, a typed KioskError otherwise.

        With a `deadline` (time.monotonic()), the request is sent once (no retries) and waits no later than it:
        an operator waiting at the counter is never held past the wait the kiosk promised.
        """
        headers = {}
        if auth:
            if self.token is None:
                raise NotSignedIn("sign in first")
            headers["Authorization"] = f"Bearer {self.token}"
        url = self.base_url + API_PREFIX + path
        session, timeout = self.http, self.timeout
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ServerUnreachable("the wait for the server is over", details={"sent": False})
            session, timeout = self.once, (min(self.timeout[0], left), min(self.timeout[1], left))
        try:
            response = session.request(method, url, json=json, params=params, headers=headers, timeout=timeout)
        except requests.exceptions.SSLError as exc:
            raise TlsFailure(f"the server's certificate could not be verified: {exc}") from exc
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            # A body cut short (ChunkedEncodingError) is an answer lost on the way, like a reset.
            raise ServerUnreachable(
                f"the server at {self.base_url} cannot be reached: {type(exc).__name__}",
                details={"sent": _may_have_arrived(exc)},
            ) from exc
        return self._decode(response)

    def _decode(self, response: requests.Response) -> Any:
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        if response.status_code >= 500:
            error = body.get("error") if isinstance(body, dict) else None
            if (
                response.status_code in (502, 504)
                and isinstance(error, dict)
                and str(error.get("code", "")) in (DepartmentNoAnswer.code, DepartmentFailed.code)
            ):
                # A department behind our server did not answer: our server is fine and said so.
                details = {k: v for k, v in error.items() if k not in ("code", "message")}
                raise refusal(response.status_code, str(error["code"]), str(error.get("message", "")), details)
            raise ServerFault(
                f"the server failed ({response.status_code}); try again in a while", status=response.status_code
            )
        if response.status_code >= 400:
            error = body.get("error") if isinstance(body, dict) else None
            if not isinstance(error, dict):
                raise Refused(f"the server refused the request ({response.status_code})", status=response.status_code)
            details = {k: v for k, v in error.items() if k not in ("code", "message")}
            exc = refusal(
                response.status_code, str(error.get("code", "refused")), str(error.get("message", "")), details
            )
            if isinstance(exc, NotSignedIn | SessionExpired) and self.on_session_lost is not None:
                self.on_session_lost()
            raise exc
        return body

    def health(self, *, timeout: float = 3.0) -> Any:
        """GET /health once, without retries and with a short timeout (connectivity checks)."""
        url = self.base_url + API_PREFIX + "/health"
        try:
            response = requests.get(
                url,
                timeout=timeout,
                verify=self.http.verify,
                headers={"User-Agent": str(self.http.headers["User-Agent"])},
            )
        except requests.exceptions.SSLError as exc:
            raise TlsFailure(f"the server's certificate could not be verified: {exc}") from exc
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            raise ServerUnreachable(f"the server at {self.base_url} cannot be reached: {type(exc).__name__}") from exc
        return self._decode(response)

    def get_if_changed(self, path: str, etag: str | None) -> tuple[Any, str | None]:
        """GET with If-None-Match: (None, etag) when the server says 304 Not Modified, else (body, new etag)."""
        if self.token is None:
            raise NotSignedIn("sign in first")
        headers = {"Authorization": f"Bearer {self.token}"}
        if etag:
            headers["If-None-Match"] = etag
        try:
            response = self.http.request(
                "GET", self.base_url + API_PREFIX + path, headers=headers, timeout=self.timeout
            )
        except requests.exceptions.SSLError as exc:
            raise TlsFailure(f"the server's certificate could not be verified: {exc}") from exc
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            raise ServerUnreachable(f"the server at {self.base_url} cannot be reached: {type(exc).__name__}") from exc
        if response.status_code == 304:
            return None, response.headers.get("ETag", etag)
        return self._decode(response), response.headers.get("ETag")

    def get(
        self, path: str, *, params: dict[str, Any] | None = None, auth: bool = True, deadline: float | None = None
    ) -> Any:
        return self.request("GET", path, params=params, auth=auth, deadline=deadline)

    def get_bytes(self, path: str, *, params: dict[str, Any] | None = None) -> bytes:
        """GET a download (e.g. a CSV statement): the raw body on 2xx, a typed KioskError otherwise."""
        if self.token is None:
            raise NotSignedIn("sign in first")
        try:
            response = self.http.request(
                "GET",
                self.base_url + API_PREFIX + path,
                params=params,
                headers={"Authorization": f"Bearer {self.token}", "Accept": "*/*"},
                timeout=self.timeout,
            )
        except requests.exceptions.SSLError as exc:
            raise TlsFailure(f"the server's certificate could not be verified: {exc}") from exc
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            raise ServerUnreachable(f"the server at {self.base_url} cannot be reached: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            self._decode(response)  # raises the typed error
        return response.content

    def post(self, path: str, json: Any = None, *, auth: bool = True, deadline: float | None = None) -> Any:
        return self.request("POST", path, json=json, auth=auth, deadline=deadline)

    def put(self, path: str, json: Any = None, *, auth: bool = True) -> Any:
        return self.request("PUT", path, json=json, auth=auth)
