"""A folder served over HTTP on 127.0.0.1 by its own process (Python's http.server), as any static file host
would serve an update repository: the tests' and the update benchmark's one way of starting one."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.pgcluster import free_port


@contextmanager
def static_host(folder: Path, probe: str = "metadata/root.json", timeout: float = 20) -> Iterator[str]:
    """The folder's address, once `probe` (a path inside it) is answered; the process stopped afterwards."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(f"{url}/{probe}", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"the static file server for {folder} did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(10)
