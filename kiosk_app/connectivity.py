"""Is the central server reachable? Health checks on /api/v1/health with back-off while it is not."""

from __future__ import annotations

import logging
import threading

from kiosk_app.api import ApiClient
from kiosk_app.errors import KioskError
from kiosk_app.events import KioskEvents

log = logging.getLogger("emitra.sync")


class Connectivity:
    """Tracks online/offline; the use-cases also report what their own calls found.

    `online` is None until the first check. While offline the checks back off (min_backoff doubling up to
    max_backoff); while online they run every `interval` seconds.
    """

    def __init__(
        self,
        api: ApiClient,
        events: KioskEvents,
        *,
        interval: float = 30.0,
        min_backoff: float = 1.0,
        max_backoff: float = 60.0,
        probe_timeout: float = 3.0,
    ) -> None:
        self.api = api
        self.events = events
        self.interval = interval
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.probe_timeout = probe_timeout
        self._online: bool | None = None
        self._backoff = min_backoff
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def online(self) -> bool | None:
        return self._online

    def check(self) -> bool:
        """Ask the server's health endpoint now."""
        try:
            self.api.health(timeout=self.probe_timeout)
        except KioskError as exc:
            log.info("server not reachable: %s", exc)
            self.report(False)
            return False
        self.report(True)
        return True

    def report(self, reachable: bool) -> None:
        """Record what a call found; observers hear only changes."""
        with self._lock:
            changed = self._online is not reachable
            self._online = reachable
            if reachable or changed:
                self._backoff = self.min_backoff  # each outage starts from the shortest wait
        if changed:
            log.info("server %s", "reachable" if reachable else "unreachable")
            self.events.online_changed.emit(reachable)

    def next_delay(self) -> float:
        """Seconds to the next check; doubles while offline."""
        with self._lock:
            if self._online:
                return self.interval
            delay = self._backoff
            self._backoff = min(self.max_backoff, self._backoff * 2)
            return delay

    # -- the background checker ----------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="kiosk-connectivity", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.check()
            self._stop.wait(self.next_delay())
