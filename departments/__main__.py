"""`emitra-departments` (or `python -m departments`): serve the simulated departments over HTTP."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Any

import uvicorn

from departments.app import create_app
from departments.config import Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="emitra-departments",
        description="The simulated departments of the catalog, over the department protocol "
        "(every option also as EMITRA_DEPARTMENTS_<NAME>).",
    )
    parser.add_argument("--host", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (8790)")
    parser.add_argument("--database-url", help="SQLAlchemy URL of the departments' records")
    parser.add_argument("--keys-file", type=Path, help="JSON file of department keys (default: the demo keys)")
    parser.add_argument("--catalog-file", type=Path, help="the catalog (server/data/catalog.json)")
    parser.add_argument("--admin-token", help="token of the /admin routes")
    parser.add_argument("--hold-s", type=float, help="how long a timeout or lost_answer fault holds a request")
    parser.add_argument("--log-level", help="debug | info | warning | error")
    options = {k: v for k, v in vars(parser.parse_args(argv)).items() if v is not None}
    if os.environ.get("EMITRA_MODE") == "production":
        raise SystemExit("emitra-departments simulates departments for demos and tests; it never runs in production")
    settings = Settings(**options)
    level = settings.log_level.upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    config: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level.lower(),
        "access_log": False,
        "timeout_keep_alive": 75,  # the server's pooled connections stay open between day-end batches
        "timeout_graceful_shutdown": 2,  # held requests (faults) do not keep a stopping process alive
    }
    uvicorn.run(app, **config)


if __name__ == "__main__":
    main()
