"""The single database worker: every SQLite call of the kiosk runs on it, one at a time, in order."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, Protocol, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class Worker(Protocol):
    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]: ...

    def call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T: ...

    def close(self) -> None: ...


class DbWorker:
    """A one-thread executor: the UI and the use-cases submit work; SQLite is only touched from its thread."""

    def __init__(self, name: str = "kiosk-db") -> None:
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name, initializer=self._mark)

    def _mark(self) -> None:
        self._local.is_worker = True

    @property
    def on_worker(self) -> bool:
        return bool(getattr(self._local, "is_worker", False))

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        return self._pool.submit(fn, *args, **kwargs)

    def call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run on the worker and wait for the answer (inline when already on it, so nested calls cannot deadlock)."""
        if self.on_worker:
            return fn(*args, **kwargs)
        return self._pool.submit(fn, *args, **kwargs).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class InlineWorker:
    """Runs each task at once on the caller's thread (tests, and the one-thread headless commands)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(self.call(fn, *args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future

    def call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        with self._lock:
            return fn(*args, **kwargs)

    def close(self) -> None:
        pass
