"""Signatures at the wire: requests the department refuses, answers the adapter refuses; nothing booked either way."""

from __future__ import annotations

import http.server
import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from server.billers import BillerTimeout
from server.billers.http import DepartmentConfig, HttpDepartment
from server.billers.protocol import (
    PAY_PATH,
    REQUEST_ID_HEADER,
    DepartmentKey,
    demo_key,
    sign_answer,
    sign_request,
    verify_answer,
)
from tests.departments.helpers import JVVNL, consumer, reference
from tests.support.departments import DepartmentsProcess

DISCOM = demo_key("discom")


def pay_body(ref: str) -> bytes:
    item = {
        "reference": ref,
        "service_code": "ELEC-JVVNL",
        "consumer_no": consumer(),
        "bill_no": "JVV1",
        "amount_paise": 10_000,
    }
    return json.dumps({"items": [item]}).encode()


def post(departments: DepartmentsProcess, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(
        departments.url + "/discom" + PAY_PATH,
        data=body,
        timeout=10,
        headers={**headers, "Content-Type": "application/json"},
    )


def refused(departments: DepartmentsProcess, response: requests.Response, ref: str, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert departments.payments("discom", ref) == []  # nothing booked
    departments.wait_for(lambda: f"refused: {code}" in departments.log())  # and logged


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("unsigned", 401, "unsigned"),
        ("wrong_secret", 401, "bad_signature"),
        ("another_departments_key", 401, "unknown_key"),
        ("changed_body", 401, "bad_signature"),
        ("stale_timestamp", 401, "stale_timestamp"),
    ],
)
def test_a_request_not_signed_as_it_should_be_is_refused(
    departments: DepartmentsProcess, case: str, status: int, code: str
) -> None:
    ref = reference()
    body = pay_body(ref)
    path = "/discom" + PAY_PATH
    key = {
        "wrong_secret": DepartmentKey(DISCOM.key_id, b"w" * 32),
        "another_departments_key": demo_key("phed"),
    }.get(case, DISCOM)
    headers = sign_request(key, "POST", path, body, now=time.time() - (400 if case == "stale_timestamp" else 0))
    if case == "unsigned":
        headers = {}
    if case == "changed_body":
        body = body.replace(b"10000", b"100")
    refused(departments, post(departments, body, headers), ref, status, code)


def test_a_replayed_request_is_refused_and_books_nothing_more(departments: DepartmentsProcess) -> None:
    ref = reference()
    body = pay_body(ref)
    headers = sign_request(DISCOM, "POST", "/discom" + PAY_PATH, body)
    first = post(departments, body, headers)
    assert first.status_code == 200 and first.json()["items"][0]["result"] == "success"
    again = post(departments, body, headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "replayed_request"
    assert len(departments.payments("discom", ref)) == 1
    # the refusal itself is signed, for the request it refuses
    verify_answer(DISCOM, 409, again.headers, again.content, headers[REQUEST_ID_HEADER])


def test_a_malformed_body_is_refused_whole(departments: DepartmentsProcess) -> None:
    body = json.dumps(
        {
            "items": [
                {"reference": "has space", "service_code": "X", "consumer_no": "1", "bill_no": None, "amount_paise": -5}
            ]
        }
    ).encode()
    response = post(departments, body, sign_request(DISCOM, "POST", "/discom" + PAY_PATH, body))
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"


# -- answers the adapter must refuse ----------------------------------------------------------------------
class FakeDepartment:
    """An HTTP server on 127.0.0.1 that answers every request with what `answer(request_headers)` returns."""

    def __init__(self) -> None:
        self.answer: Any = None
        self.trickle = False
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, headers, body = fake.answer(self.headers)
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                if not fake.trickle:
                    self.wfile.write(body)
                    return
                try:
                    for byte in body:  # a byte at a time, each well within the read timeout
                        time.sleep(0.05)
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                except OSError:
                    pass  # the adapter hung up, as it should

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def fake() -> Iterator[FakeDepartment]:
    found = FakeDepartment()
    found.thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


def test_answers_not_signed_for_this_request_are_no_answer(
    departments: DepartmentsProcess, fake: FakeDepartment, caplog: pytest.LogCaptureFixture
) -> None:
    # A real success, captured on the wire: the answer an attacker (or a confused proxy) could replay.
    ref = reference()
    body = pay_body(ref)
    captured = post(departments, body, sign_request(DISCOM, "POST", "/discom" + PAY_PATH, body))
    assert captured.json()["items"][0]["result"] == "success"
    old_headers = {k: v for k, v in captured.headers.items() if k.lower().startswith("x-emitra")}
    success = captured.content
    adapter = HttpDepartment(DepartmentConfig.demo("discom", fake.url, read_timeout_s=2))
    item = json.loads(body)["items"][0]

    def resign(request_headers: Any, key: DepartmentKey = DISCOM, body: bytes = success) -> dict[str, str]:
        return sign_answer(key, 200, request_headers[REQUEST_ID_HEADER], body)

    cases = {
        "replayed answer": lambda h: (200, old_headers, success),
        "unsigned": lambda h: (200, {}, success),
        "wrong key": lambda h: (200, resign(h, DepartmentKey(DISCOM.key_id, b"w" * 32)), success),
        "changed body": lambda h: (200, resign(h), success),
        "stale": lambda h: (
            200,
            sign_answer(DISCOM, 200, h[REQUEST_ID_HEADER], success, now=time.time() - 400),
            success,
        ),
    }
    expected = {
        "replayed answer": "wrong_request_id",
        "unsigned": "unsigned",
        "wrong key": "bad_signature",
        "changed body": "bad_signature",
        "stale": "stale_timestamp",
    }
    for case, answer in cases.items():
        if case == "changed body":  # signed for another body than the one sent
            fake.answer = lambda h: (200, resign(h, body=success.replace(b"success", b"declined")), success)
        else:
            fake.answer = answer
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="emitra.departments"), pytest.raises(BillerTimeout):
            adapter.pay(JVVNL, ref, item["consumer_no"], "JVV1", 10_000)
        assert expected[case] in caplog.text, (case, caplog.text)
        assert adapter.pay_many([(JVVNL, ref, item["consumer_no"], "JVV1", 10_000)]) == {}, case
    # the same answer signed for this request is taken
    fake.answer = lambda h: (200, resign(h), success)
    assert adapter.pay(JVVNL, ref, item["consumer_no"], "JVV1", 10_000).status == "success"
    adapter.close()


def test_an_answer_trickling_in_is_cut_at_the_deadline(departments: DepartmentsProcess, fake: FakeDepartment) -> None:
    ref = reference()
    body = pay_body(ref)
    captured = post(departments, body, sign_request(DISCOM, "POST", "/discom" + PAY_PATH, body))
    fake.answer = lambda h: (200, sign_answer(DISCOM, 200, h[REQUEST_ID_HEADER], captured.content), captured.content)
    fake.trickle = True
    adapter = HttpDepartment(DepartmentConfig.demo("discom", fake.url, connect_timeout_s=0.2, read_timeout_s=0.3))
    started = time.monotonic()
    with pytest.raises(BillerTimeout):
        adapter.pay(JVVNL, ref, json.loads(body)["items"][0]["consumer_no"], "JVV1", 10_000)
    assert time.monotonic() - started < 0.5 + 0.3  # connect + read, and at most one receive more
    adapter.close()
