"""The one wrapper for background work: `Op(parent, fn).success(...).failure(...).run()` (like Anki's CollectionOp).

- `fn` runs on a worker thread with core objects only (it closes over kiosk_app / printing objects, never widgets).
- `success` and `failure` run on the GUI thread, and not at all if `parent` was destroyed meanwhile.
- `failure` receives only the environment's faults and refusals (kiosk_app.errors.KioskError,
  printing.errors.PrinterProblem). Any other exception is our bug and goes to the application's error handler
  (crash dialog + log) even when a failure callback exists;
  an expected failure with no callback goes there too (as an operator message), so a screen cannot swallow a bug.
- `Op.tracked(parent, fn)` gives `fn` an `OpContext` for progress reports and cancellation.
- Network and printer work may run in parallel: the runner is a QThreadPool. SQLite work is serialised by
  kiosk_app's own database worker, not here.
- Tests may swap the runner for `InlineRunner` (runs each op at once, Picard's FakeThreadPool) with `use_runner`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QWidget

from kiosk_app.errors import KioskError
from printing.errors import PrinterProblem

log = logging.getLogger("emitra.ui")

T = TypeVar("T")

EXPECTED_FAILURES: tuple[type[BaseException], ...] = (KioskError, PrinterProblem)


class OpCancelled(Exception):
    """Raised inside an op by `OpContext.raise_if_cancelled()`; no callback runs for a cancelled op."""


class OpContext:
    """Given to tracked ops: report progress, notice a cancel request. Safe to use from the worker thread."""

    def __init__(self, relay: _Relay) -> None:
        self._relay = relay
        self._cancel = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def raise_if_cancelled(self) -> None:
        if self._cancel.is_set():
            raise OpCancelled()

    def progress(self, done: int, total: int) -> None:
        self._relay.progressed.emit(done, total)


class _Relay(QObject):
    """Lives on the GUI thread; signals emitted from the worker are delivered to it by queued connections."""

    finished = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int)


class Runner(Protocol):
    def start(self, job: Callable[[], None]) -> None: ...

    def active(self) -> int: ...


class _Job(QRunnable):
    def __init__(self, job: Callable[[], None]) -> None:
        super().__init__()
        self._job = job
        self.setAutoDelete(True)

    def run(self) -> None:
        self._job()


class ThreadPoolRunner:
    """Runs ops on Qt's global thread pool (never on the GUI thread)."""

    def __init__(self, pool: QThreadPool | None = None) -> None:
        self.pool = pool or QThreadPool.globalInstance()
        self._active = 0
        self._lock = threading.Lock()

    def start(self, job: Callable[[], None]) -> None:
        with self._lock:
            self._active += 1

        def counted() -> None:
            try:
                job()
            finally:
                with self._lock:
                    self._active -= 1

        self.pool.start(_Job(counted))

    def active(self) -> int:
        with self._lock:
            return self._active


class InlineRunner:
    """Runs each op at once on the calling thread (tests; the callbacks then run before `run()` returns)."""

    def start(self, job: Callable[[], None]) -> None:
        job()

    def active(self) -> int:
        return 0


_runner: Runner | None = None
_running: set[Op[Any]] = set()  # keeps relays alive until their callbacks have run
ErrorHandler = Callable[[BaseException], None]
_error_handler: ErrorHandler | None = None


def runner() -> Runner:
    global _runner
    if _runner is None:
        _runner = ThreadPoolRunner()
    return _runner


def use_runner(new: Runner) -> Runner:
    """Swap the runner (tests); returns the previous one."""
    global _runner
    previous = runner()
    _runner = new
    return previous


def set_error_handler(handler: ErrorHandler | None) -> None:
    """Where failures go that no screen handles: the application's reporter (operator message or crash dialog)."""
    global _error_handler
    _error_handler = handler


def pending() -> int:
    """Ops started and not yet finished (callbacks included); tests wait for 0."""
    return len(_running)


def _report(exc: BaseException) -> None:
    if _error_handler is not None:
        _error_handler(exc)
    else:
        log.error("unhandled error in a background operation", exc_info=exc)
        raise exc


class Op(Generic[T]):
    """One background operation with callbacks on the GUI thread."""

    def __init__(self, parent: QWidget | None, fn: Callable[[], T]) -> None:
        self._setup(parent, lambda _context: fn())

    def _setup(self, parent: QWidget | None, fn: Callable[[OpContext], T]) -> None:
        self._parent = parent
        self._fn = fn
        self._on_success: Callable[[T], None] | None = None
        self._on_failure: Callable[[Exception], None] | None = None
        self._on_progress: Callable[[int, int], None] | None = None
        self._busy: list[QWidget] = []
        self._parent_gone = False
        self.context: OpContext | None = None

    @classmethod
    def tracked(cls, parent: QWidget | None, fn: Callable[[OpContext], T]) -> Op[T]:
        """An op whose function gets an OpContext (progress, cancel)."""
        op: Op[T] = cls.__new__(cls)
        op._setup(parent, fn)
        return op

    def success(self, callback: Callable[[T], None]) -> Op[T]:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[Exception], None]) -> Op[T]:
        self._on_failure = callback
        return self

    def progress(self, callback: Callable[[int, int], None]) -> Op[T]:
        self._on_progress = callback
        return self

    def busy(self, *widgets: QWidget) -> Op[T]:
        """Disable these widgets (typically the action button) while the op runs."""
        self._busy.extend(widgets)
        return self

    def run(self) -> Op[T]:
        relay = _Relay()
        self.context = OpContext(relay)
        relay.finished.connect(self._on_relay_finished)
        relay.failed.connect(self._on_relay_failed)
        relay.progressed.connect(self._on_relay_progressed)
        self._relay = relay
        if self._parent is not None:
            self._parent.destroyed.connect(self._on_parent_destroyed)
        for widget in self._busy:
            widget.setEnabled(False)
        _running.add(self)
        context = self.context
        fn = self._fn

        def job() -> None:
            try:
                result = fn(context)
            except BaseException as exc:  # delivered to the GUI thread, classified there
                relay.failed.emit(exc)
            else:
                relay.finished.emit(result)

        runner().start(job)
        return self

    def cancel(self) -> None:
        if self.context is not None:
            self.context.cancel()

    # -- on the GUI thread -------------------------------------------------------------------------------
    def _on_parent_destroyed(self) -> None:
        self._parent_gone = True

    def _done(self) -> None:
        _running.discard(self)
        if self._parent_gone:
            return
        for widget in self._busy:
            with contextlib.suppress(RuntimeError):  # the widget's C++ object went with a closed window
                widget.setEnabled(True)

    def _on_relay_finished(self, result: Any) -> None:
        self._done()
        if self._parent_gone or self._on_success is None:
            return
        self._on_success(result)

    def _on_relay_failed(self, exc: BaseException) -> None:
        self._done()
        if isinstance(exc, OpCancelled):
            return
        expected = isinstance(exc, EXPECTED_FAILURES) and isinstance(exc, Exception)
        if expected and self._parent_gone:
            return
        if expected and self._on_failure is not None:
            self._on_failure(exc)  # type: ignore[arg-type]
            return
        _report(exc)

    def _on_relay_progressed(self, done: int, total: int) -> None:
        if not self._parent_gone and self._on_progress is not None:
            self._on_progress(done, total)
