"""The wallet's background thread: credits due legacy transfers and expires abandoned gateway orders.

Its state is the database (due times, statuses), never memory, so it survives restarts and may run in
every server instance at once: each piece of work is claimed by a conditional UPDATE and posted with a
deterministic operation id.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("emitra.wallet")


class WalletScheduler:
    def __init__(self, ticks: list[Callable[[], int]], poll_seconds: float) -> None:
        self.ticks = ticks
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="wallet-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def tick(self) -> int:
        """One pass over every kind of due work; a failure is logged and retried at the next pass."""
        done = 0
        for work in self.ticks:
            try:
                done += work()
            except Exception:  # the database may be away for a moment; the work stays due
                log.exception("wallet scheduler: %s failed; retrying at the next pass", getattr(work, "__name__", work))
        return done

    def _run(self) -> None:
        # The first pass waits one interval (at most a second) so that it never competes with start-up.
        first = min(self.poll_seconds, 1.0)
        while not self._stop.wait(first):
            self.tick()
            first = self.poll_seconds
