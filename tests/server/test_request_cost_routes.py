"""The routers are included hot ones first; that is safe only while no two of them answer the same path."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.routing import Match

from server.api.main import create_app
from server.core.config import Settings
from server.migrate import migrate


def test_every_route_is_answered_by_one_router_only_so_their_order_changes_no_answer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    app = create_app(Settings(database_url=url, mode="demo", departments_url="http://127.0.0.1:9"))
    try:
        top = app.router.routes
        templates: list[tuple[str, str]] = []
        for route in top:
            # An included router lists its routes with their full paths; a plain route is itself.
            contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
            for context in contexts:
                for method in sorted(getattr(context, "methods", None) or {"GET"}):
                    templates.append((method, context.path_format))
        paths = {p for _, p in templates}
        assert {"/api/v1/payments/batch", "/api/v1/wallet/refill/orders", "/api/v1/callbacks/gateway"} <= paths
        assert len(templates) > 50
        for method, template in templates:
            path = re.sub(r"\{[^}]+\}", "1", template)
            scope = {
                "type": "http",
                "method": method,
                "path": path,
                "root_path": "",
                "headers": [],
                "query_string": b"",
            }
            answers = [route.matches(dict(scope))[0] for route in top]
            assert answers.count(Match.FULL) == 1, (method, template)
            assert answers.count(Match.NONE) == len(top) - 1, (method, template, answers)
    finally:
        app.state.engine.dispose()
