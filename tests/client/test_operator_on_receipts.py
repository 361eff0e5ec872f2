"""The operator signed in is on the receipts the client core makes: its SSO ID comes from the session the
account resumed (real server), onto an online receipt, a PROVISIONAL one and its duplicate; signing out forgets it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring

from kiosk_app.api import ApiClient
from kiosk_app.auth import KioskAccount
from kiosk_app.config import KioskConfig
from kiosk_app.core import KioskCore
from kiosk_app.services import OutcomeStatus
from kiosk_app.session import LocalSettings, TokenStore
from kiosk_app.worker import DbWorker
from printing.escpos_decode import decode, text_lines
from printing.receipt import Labels, Receipt
from printing.thermal import PAPER_58MM, receipt_bytes
from server.core.config import Settings
from server.migrate import migrate
from tests.support.auth import contacts, ready_token
from tests.support.faultproxy import FaultProxy
from tests.support.kiosk_client import paper_bills
from tests.support.server import ServerProcess

CODE = "RJ-OPR-0007"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("operator")
    url = f"sqlite:///{tmp / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    process = ServerProcess(url, log_path=tmp / "server.log", env={"EMITRA_ARGON2_PROFILE": "fast"}).start()
    yield process
    process.stop()


def test_receipts_name_the_operator_of_the_resumed_session(server: ServerProcess, tmp_path: Path) -> None:
    token = ready_token(server, CODE)
    server.adjust(CODE, "operator-funds", "credit", 10_000_000).raise_for_status()
    proxy = FaultProxy(server.port).start()
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")
    tokens = TokenStore(proxy.url, backend)
    tokens.save(token)
    account = KioskAccount(ApiClient(proxy.url, machine_id="pc-operator"), tokens, LocalSettings(tmp_path / "config"))
    assert account.operator.sso_id == ""
    signed = account.resume()
    assert signed is not None and account.operator.sso_id == contacts(CODE)[0] == signed.sso_id
    core = KioskCore(
        KioskConfig(server_url=proxy.url, database=tmp_path / "kiosk.sqlite3"),
        worker=DbWorker(),
        api=account.api,
        operator=account.operator,
    )
    try:
        core.catalog.refresh()
        assert core.connectivity.check() is True
        online, offline = paper_bills(2, series=31)
        paid = core.payments.pay(online.order())
        assert paid.status is OutcomeStatus.PAID and paid.receipt is not None
        assert paid.receipt.kiosk.operator == signed.sso_id and paid.receipt.kiosk.code == CODE
        proxy.set_offline(True)
        assert core.connectivity.check() is False
        provisional = core.payments.pay(offline.order())
        assert provisional.status is OutcomeStatus.PROVISIONAL and provisional.receipt is not None
        assert provisional.receipt.kiosk.operator == signed.sso_id
        spooled = core.worker.call(core.store.spool.by_operation, provisional.operation_id)
        assert spooled is not None
        duplicate = Receipt.from_json(spooled.receipt_json).as_duplicate(2)
        lines = text_lines(decode(receipt_bytes(duplicate, PAPER_58MM)))
        assert any(line.startswith(Labels.OPERATOR.en) and line.endswith(signed.sso_id) for line in lines)
        proxy.set_offline(False)
        account.logout()
        assert account.operator.sso_id == "" and core.payments.kiosk_identity().operator == ""
    finally:
        core.close()
        proxy.stop()
