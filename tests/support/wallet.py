"""Wallet test helpers: a signed-in kiosk over HTTP, signed gateway / bank notifications, and the ledger check."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import requests

from server.core.config import DEFAULT_GATEWAY_SECRET
from server.wallet.gateway import sim_page_key
from tests.support.auth import contacts, issue_password
from tests.support.server import ServerProcess, terminal_of

PASSWORD = "a quiet kiosk by the fort"
BANK_SECRET = "bank-secret-for-the-wallet-tests"
_numbers = itertools.count(1)
# Tests move the server's clock by hours and days; sessions must outlive that.
LONG_SESSIONS = {"EMITRA_SESSION_IDLE_MINUTES": "1000000", "EMITRA_SESSION_ABSOLUTE_HOURS": "100000"}


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WalletKiosk:
    """A kiosk signed in over raw HTTP (password changed, profile confirmed), as the client would be."""

    def __init__(
        self, server: ServerProcess, prefix: str = "RJ-WAL", *, credit_limit: int = 0, old_emitra_id: str | None = None
    ) -> None:
        self.server = server
        self.code = f"{prefix}-{next(_numbers):04d}"
        sso_id, mobile, email = contacts(self.code)
        r = server.admin(
            "POST",
            "/kiosks",
            json={
                "code": self.code,
                "name": f"Kiosk {self.code}",
                "holder_name": "Test Holder",
                "district": "Jaipur",
                "sso_id": sso_id,
                "mobile": mobile,
                "email": email,
                "credit_limit_paise": credit_limit,
                "old_emitra_id": old_emitra_id,
                "micro_atm_terminal_id": terminal_of(self.code),
            },
        )
        assert r.status_code == 201, r.text
        self.kiosk_id = int(r.json()["id"])
        issued = issue_password(server, self.code)
        api = server.url + "/api/v1"
        token = requests.post(api + "/auth/login", json={"sso_id": sso_id, "password": issued}, timeout=30).json()[
            "token"
        ]
        r = requests.post(
            api + "/auth/password",
            json={"current_password": issued, "new_password": PASSWORD},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        token = requests.post(api + "/auth/login", json={"sso_id": sso_id, "password": PASSWORD}, timeout=30).json()[
            "token"
        ]
        r = requests.put(
            api + "/profile",
            json={"address": f"Shop 1, {self.code} Road", "pincode": "302017", "confirm": True},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.request(method, f"{self.server.url}/api/v1{path}", timeout=60, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        r = self.call(method, path, **kwargs)
        assert r.status_code == 200, (path, r.status_code, r.text)
        return r.json()

    def fund(self, amount: int) -> None:
        assert self.server.adjust(self.code, uuid.uuid4().hex, "credit", amount).status_code == 200

    @property
    def balance(self) -> dict[str, Any]:
        return dict(self.ok("GET", "/wallet/balance"))

    @property
    def wallet(self) -> int:
        return int(self.balance["wallet_balance_paise"])


def sim_page(server: ServerProcess, order_id: str) -> str:
    """The simulated gateway's page of an order, with its key (as the order's payment_url gives it)."""
    return f"{server.url}/sim/gateway/orders/{order_id}/{sim_page_key(DEFAULT_GATEWAY_SECRET, order_id)}"


def error(r: requests.Response) -> tuple[int, str]:
    return r.status_code, r.json()["error"]["code"]


def post_signed(
    server: ServerProcess,
    path: str,
    payload: dict[str, Any] | bytes,
    secret: str,
    header: str,
    signature: str | None = None,
) -> requests.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    headers[header] = signature if signature is not None else sign(secret, body)
    return requests.post(server.url + "/api/v1/callbacks" + path, data=body, headers=headers, timeout=30)


def gateway_notify(
    server: ServerProcess,
    payload: dict[str, Any] | bytes,
    signature: str | None = None,
    secret: str = DEFAULT_GATEWAY_SECRET,
) -> requests.Response:
    return post_signed(server, "/gateway", payload, secret, "X-Gateway-Signature", signature)


def bank_notify(
    server: ServerProcess, payload: dict[str, Any] | bytes, signature: str | None = None, secret: str = BANK_SECRET
) -> requests.Response:
    return post_signed(server, "/bank", payload, secret, "X-Bank-Signature", signature)


def wait_for(condition: Callable[[], bool], timeout: float = 15, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def nothing_due(server: ServerProcess) -> bool:
    """One scheduler pass now, in the test's own time: true when it found no due work (nothing early, nothing twice)."""
    r = server.admin("POST", "/wallet/scheduler/run")
    assert r.status_code == 200, r.text
    return bool(r.json()["done"] == 0)


def op() -> str:
    return uuid.uuid4().hex


def around_today() -> dict[str, str]:
    """A statement range from yesterday to tomorrow (IST): entries carry the real date while a test's
    shifted clock may already be past midnight in India."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Asia/Kolkata")).date()
    return {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
