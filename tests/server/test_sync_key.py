"""The day-end sync key: what it may do (push the outbox, read those operations), what it may not, when it ends."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from tests.support.auth import ShiftedClock, contacts, ready_token
from tests.support.kiosk_client import paper_bills
from tests.support.server import ServerProcess

API = "/api/v1"
PASSWORD = "a quiet kiosk by the fort"


def call(
    server: ServerProcess, method: str, path: str, token: str | None, machine: str = "PC-1", **kwargs: Any
) -> requests.Response:
    headers = {"X-Machine-Id": machine}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(method, server.url + API + path, headers=headers, timeout=30, **kwargs)


def sync_key(server: ServerProcess, token: str, machine: str = "PC-1") -> str:
    r = call(server, "POST", "/auth/sync-key", token, machine)
    assert r.status_code == 200, r.text
    return str(r.json()["sync_key"])


def batch_item(series: int) -> dict[str, Any]:
    (bill,) = paper_bills(1, series=series)
    return {
        "operation_id": uuid.uuid4().hex,
        "offline": True,
        "method": {"type": "wallet"},
        "contact": {"mobile": "9876543210"},
        "bills": [
            {"service_code": bill.service_code, "fields": {"k_no": bill.k_no}, "amount_paise": bill.amount_paise}
        ],
    }


def test_a_sync_key_pushes_the_outbox_and_reads_its_operations_and_nothing_else(auth_server: ServerProcess) -> None:
    token = ready_token(auth_server, "RJ-SYN-0001")
    assert auth_server.adjust("RJ-SYN-0001", uuid.uuid4().hex, "credit", 10_000_000).status_code == 200
    key = sync_key(auth_server, token)
    item = batch_item(series=301)
    pushed = call(auth_server, "POST", "/payments/batch", key, json={"items": [item]})
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["results"][0]["result"] == "done"
    status = call(auth_server, "GET", f"/payments/{item['operation_id']}", key)
    assert status.status_code == 200 and status.json()["total_paise"] == item["bills"][0]["amount_paise"]
    refused = [
        ("GET", "/auth/session", None),
        ("POST", "/auth/logout", None),
        ("POST", "/auth/sync-key", None),
        ("POST", "/auth/password", {"current_password": PASSWORD, "new_password": "another long phrase here"}),
        ("POST", "/payments", batch_item(series=302)),
        ("GET", "/wallet/balance", None),
        ("GET", "/wallet/statement", None),
        ("GET", "/profile", None),
        ("GET", "/catalog", None),
    ]
    for method, path, body in refused:
        r = call(auth_server, method, path, key, json=body)
        assert r.status_code == 403 and r.json()["error"]["code"] == "sync_key_scope", (path, r.status_code, r.text)
    # Nothing it was refused changed anything: one payment, and the operator's session still works.
    assert call(auth_server, "GET", "/auth/session", token).status_code == 200
    events = auth_server.admin("GET", "/auth-events", params={"kiosk_code": "RJ-SYN-0001"}).json()["events"]
    assert [e["machine_id"] for e in events if e["event"] == "sync_key" and e["outcome"] == "issued"] == ["PC-1"]


def test_only_a_ready_operator_session_gets_a_sync_key(auth_server: ServerProcess) -> None:
    auth_server.create_kiosk("RJ-SYN-0002")
    sso_id = contacts("RJ-SYN-0002")[0]
    from tests.support.auth import issue_password

    issued = issue_password(auth_server, "RJ-SYN-0002")
    first = requests.post(
        auth_server.url + API + "/auth/login", json={"sso_id": sso_id, "password": issued}, timeout=30
    ).json()["token"]
    r = call(auth_server, "POST", "/auth/sync-key", first)
    assert r.status_code == 403 and r.json()["error"]["code"] == "password_change_required", r.text
    r = call(auth_server, "POST", "/auth/sync-key", None)
    assert r.status_code == 401, r.text


def test_a_sync_key_outlives_an_idle_session_but_not_its_hours_a_new_key_or_a_password_change(
    auth_server: ServerProcess, auth_clock: ShiftedClock
) -> None:
    ready_token(auth_server, "RJ-SYN-0003")
    token = ready_token_again(auth_server, "RJ-SYN-0003", machine="PC-1")
    key = sync_key(auth_server, token)
    other_pc = sync_key(auth_server, ready_token_again(auth_server, "RJ-SYN-0003", machine="PC-2"), machine="PC-2")
    auth_clock.advance(hours=3)  # the operator went home: the session idled out
    r = call(auth_server, "GET", "/auth/session", token)
    assert r.status_code == 401 and r.json()["error"]["code"] == "session_expired", r.text
    assert call(auth_server, "POST", "/payments/batch", key, json={"items": []}).status_code in (200, 422)
    assert call(auth_server, "GET", "/payments/not-a-known-id", key).status_code == 404

    # A newer key for the same PC ends the older one; another PC's key is untouched.
    fresh = ready_token_again(auth_server, "RJ-SYN-0003", machine="PC-1")
    newer = sync_key(auth_server, fresh)
    r = call(auth_server, "GET", "/payments/not-a-known-id", key)
    assert r.status_code == 401 and r.json()["error"]["code"] == "session_expired", r.text
    assert call(auth_server, "GET", "/payments/not-a-known-id", other_pc).status_code == 404
    assert call(auth_server, "GET", "/payments/not-a-known-id", newer).status_code == 404

    auth_clock.advance(hours=37)  # past sync_key_hours (36)
    r = call(auth_server, "GET", "/payments/not-a-known-id", newer)
    assert r.status_code == 401 and r.json()["error"]["code"] == "session_expired", r.text

    fresh = ready_token_again(auth_server, "RJ-SYN-0003")
    newest = sync_key(auth_server, fresh)
    changed = call(
        auth_server,
        "POST",
        "/auth/password",
        fresh,
        json={"current_password": PASSWORD, "new_password": "the desert wind at dusk"},
    )
    assert changed.status_code == 200, changed.text
    for ended in (newest, other_pc):
        r = call(auth_server, "GET", "/payments/not-a-known-id", ended)
        assert r.status_code == 401 and r.json()["error"]["code"] == "session_expired", r.text


def ready_token_again(server: ServerProcess, code: str, machine: str | None = None) -> str:
    r = requests.post(
        server.url + API + "/auth/login",
        json={"sso_id": contacts(code)[0], "password": PASSWORD},
        headers={"X-Machine-Id": machine} if machine else {},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def test_one_sync_key_per_pc_listed_revocable_and_ended_by_logout_if_asked(auth_server: ServerProcess) -> None:
    ready_token(auth_server, "RJ-SYN-0004")
    pc1 = ready_token_again(auth_server, "RJ-SYN-0004", machine="PC-1")
    # The header of the request does not choose the PC: the session's sign-in does.  Twenty asks, one key.
    keys = [sync_key(auth_server, pc1, machine=f"FORGED-{n}") for n in range(20)]
    live = [k for k in keys if call(auth_server, "GET", "/payments/not-a-known-id", k).status_code == 404]
    assert live == keys[-1:]
    listed = call(auth_server, "GET", "/auth/sync-keys", pc1).json()["sync_keys"]
    assert [k["machine_id"] for k in listed] == ["PC-1"]
    for n in (2, 3):
        sync_key(auth_server, ready_token_again(auth_server, "RJ-SYN-0004", machine=f"PC-{n}"))
    fourth = call(auth_server, "POST", "/auth/sync-key", ready_token_again(auth_server, "RJ-SYN-0004", machine="PC-4"))
    assert fourth.status_code == 409 and fourth.json()["error"]["code"] == "sync_key_limit", fourth.text
    listed = call(auth_server, "GET", "/auth/sync-keys", pc1).json()["sync_keys"]
    assert sorted(k["machine_id"] for k in listed) == ["PC-1", "PC-2", "PC-3"]
    # Revocable: the holder ends PC-2's key.
    pc2_key = next(k["id"] for k in listed if k["machine_id"] == "PC-2")
    assert call(auth_server, "DELETE", f"/auth/sync-keys/{pc2_key}", pc1).status_code == 200
    assert call(auth_server, "DELETE", f"/auth/sync-keys/{pc2_key}", pc1).status_code == 404
    # A plain logout keeps the keys (the night's sync still runs); asked, it ends them all.
    assert call(auth_server, "POST", "/auth/logout", pc1).status_code == 200
    pc3 = ready_token_again(auth_server, "RJ-SYN-0004", machine="PC-3")
    assert len(call(auth_server, "GET", "/auth/sync-keys", pc3).json()["sync_keys"]) == 2
    assert call(auth_server, "POST", "/auth/logout", pc3, json={"end_sync_keys": True}).status_code == 200
    assert call(auth_server, "GET", "/payments/not-a-known-id", keys[-1]).status_code == 401
    pc1 = ready_token_again(auth_server, "RJ-SYN-0004", machine="PC-1")
    assert call(auth_server, "GET", "/auth/sync-keys", pc1).json()["sync_keys"] == []
