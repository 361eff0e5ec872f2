"""Plain-Python notifications for the UI layer: connectivity, queue length, money and sync progress (no Qt)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from kiosk_app.money import Money

log = logging.getLogger("emitra.events")

T = TypeVar("T")


class Observers(Generic[T]):
    """Callbacks for one kind of event. They run on the thread that emits; a Qt layer re-posts to its GUI thread."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[T], None]] = []
        self._lock = threading.Lock()

    def connect(self, callback: Callable[[T], None]) -> Callable[[], None]:
        """Add a callback; returns a function that removes it."""
        with self._lock:
            self._callbacks.append(callback)

        def disconnect() -> None:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return disconnect

    def emit(self, value: T) -> None:
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            try:
                callback(value)
            except Exception:  # an observer's bug must not stop a payment or a sync
                log.exception("observer %r failed", callback)


@dataclass(frozen=True)
class SyncProgress:
    """Where a day-end sync stands: `sent` of `total` operations answered so far."""

    total: int
    sent: int
    done: int
    refused: int
    finished: bool = False

    @property
    def fraction(self) -> float:
        return 1.0 if self.total == 0 else min(1.0, self.sent / self.total)


@dataclass
class KioskEvents:
    """What the screens listen to."""

    online_changed: Observers[bool] = field(default_factory=Observers)
    queue_changed: Observers[int] = field(default_factory=Observers)
    sync_progress: Observers[SyncProgress] = field(default_factory=Observers)
    money_changed: Observers[Money] = field(default_factory=Observers)  # kiosk_app.money: every money figure
