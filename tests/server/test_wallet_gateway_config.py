"""The aggregator's payment page: configured per server; a production server without one takes no gateway orders."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk_app.wallet import RefillOrder
from server.core.config import Settings
from server.core.db import make_engine
from server.core.errors import ApiError
from server.migrate import migrate
from server.wallet.gateway import Refills
from tests.support.server import ServerProcess, production_secrets
from tests.support.wallet import WalletKiosk


def test_an_order_carries_the_configured_aggregator_page(
    tmp_path: Path, start_server: Callable[..., ServerProcess]
) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    server = start_server(
        url,
        EMITRA_ARGON2_PROFILE="fast",
        EMITRA_GATEWAY_PAGE_URL="https://pay.aggregator.example/checkout?order={order_id}",
    )
    kiosk = WalletKiosk(server, "RJ-GWY")
    r = kiosk.call(
        "POST",
        "/wallet/refill/orders",
        json={"operation_id": uuid.uuid4().hex, "amount_paise": 50_000, "channel": "net_banking"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["payment_url"] == f"https://pay.aggregator.example/checkout?order={body['order_id']}"
    order = RefillOrder.from_body(body, server.url)
    assert order.payment_url == body["payment_url"]  # absolute: not under the kiosk's server address
    demo = RefillOrder.from_body({**body, "payment_url": f"/sim/gateway/orders/{body['order_id']}"}, server.url)
    assert demo.payment_url == f"{server.url}/sim/gateway/orders/{body['order_id']}"


def test_a_production_server_without_an_aggregator_refuses_gateway_orders_before_anything_is_written(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    settings = Settings(database_url=url, mode="production", **production_secrets())
    migrate(settings)
    engine = make_engine(url)
    refills = Refills(engine, settings, lambda: datetime.now(UTC), credit=None)  # type: ignore[arg-type]
    try:
        with pytest.raises(ApiError) as refused:
            refills.create_order(1, "RJ-NONE-0001", uuid.uuid4().hex, 50_000, "net_banking")
        assert (refused.value.status, refused.value.code) == (503, "gateway_not_configured")
        assert "NEFT/RTGS" in refused.value.message
    finally:
        engine.dispose()
