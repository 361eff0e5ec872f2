"""One background thread of a kind at a time (the outbox flush, the receipt messages' flush): never the GUI's
thread, never the database worker."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Background:
    """Runs `target` on its own daemon thread; asked again while a run is going, it runs once more after it (what
    the later ask was for — the connection back, a sync ended — is never missed)."""

    def __init__(self, target: Callable[[], None], name: str) -> None:
        self.target = target
        self.name = name
        self._thread: threading.Thread | None = None
        self._running = False
        self._again = False
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._running:
                self._again = True
                return
            self._running, self._again = True, False
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                self.target()
            except BaseException:
                with self._lock:
                    self._running = self._again = False
                raise
            with self._lock:
                if not self._again:
                    self._running = False
                    return
                self._again = False

    def finished(self, timeout: float) -> bool:
        """Wait for a running run to end; True when none is running (tests, and a clean shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return thread is None or not thread.is_alive()
