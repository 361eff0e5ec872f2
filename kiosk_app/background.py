"""One background thread of a kind at a time (the outbox flush, the receipt messages' flush): never the GUI's
thread, never the database worker."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Background:
    """Runs `target` on its own daemon thread unless a run of it is still going."""

    def __init__(self, target: Callable[[], None], name: str) -> None:
        self.target = target
        self.name = name
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self.target, name=self.name, daemon=True)
        self._thread.start()

    def finished(self, timeout: float) -> bool:
        """Wait for a running run to end; True when none is running (tests, and a clean shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return thread is None or not thread.is_alive()
