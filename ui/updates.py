"""The updater's place in the program: a check after the login window is shown and then daily, in a thread of its
own (the download never holds the screen or the database worker), and one line in the status bar.

Only an installed bundle that carries the update repository's root checks (kiosk_app.update.bundled_root); a
program run from the source tree does not. What is found is staged and applied at the next start."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk_app.update import (
    CheckResult,
    Outcome,
    UpdatePlaces,
    UpdateState,
    bundled_root,
    check_and_stage,
    running_version,
)
from ui.strings import t

log = logging.getLogger("emitra.ui.updates")

FIRST_CHECK_MS = 20_000  # after the login window is up: the check adds nothing to the cold start
DAILY_MS = 24 * 3600 * 1000


class UpdateAgent(QObject):
    """Runs `check_and_stage` off the GUI thread; `notice` carries the status bar's words ("" for none)."""

    notice = Signal(str)
    progressed = Signal(int, int)
    finished = Signal(object)  # CheckResult

    def __init__(self, places: UpdatePlaces, repo_url: Callable[[], str], trusted_root: Path) -> None:
        super().__init__()
        self.places = places
        self.repo_url = repo_url
        self.trusted_root = trusted_root
        self.text = ""
        self._thread: threading.Thread | None = None
        self._downloading = False
        self.daily = QTimer(self)
        self.daily.setInterval(DAILY_MS)
        self.daily.timeout.connect(self.check_now)
        self.progressed.connect(self.on_progressed)
        self.finished.connect(self.on_finished)

    @classmethod
    def for_installation(cls, places: UpdatePlaces, repo_url: Callable[[], str]) -> UpdateAgent | None:
        root = bundled_root()
        return None if root is None else cls(places, repo_url, root)

    def start(self, first_check_ms: int = FIRST_CHECK_MS) -> None:
        state = UpdateState.load(self.places)
        if state.rolled_back is not None:
            self._say(t("update.rolled_back", version=state.rolled_back))
            replace(state, rolled_back=None).save(self.places)
        QTimer.singleShot(first_check_ms, self.check_now)
        self.daily.start()

    @property
    def checking(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def check_now(self) -> None:
        if self.checking:
            return
        self._thread = threading.Thread(target=self._run, name="kiosk-update", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        result = check_and_stage(
            self.places,
            repo_url=self.repo_url(),
            trusted_root=self.trusted_root,
            progress=lambda done, expected: self.progressed.emit(done, expected),
        )
        self.finished.emit(result)

    def on_progressed(self, done: int, expected: int) -> None:
        if expected:
            self._downloading = True
            self._say(t("update.downloading", percent=min(100, done * 100 // expected)))

    def on_finished(self, result: CheckResult) -> None:
        log.info("update check: %s %s %s", result.outcome, result.version or "", result.detail)
        if result.outcome is Outcome.STAGED:
            self._say(t("update.ready", version=result.version))
        elif result.outcome is Outcome.REFUSED:
            self._say(t("update.refused", version=running_version()))
        elif self._downloading:
            self._say("")  # a download that stopped (unreachable): the next check tries again
        self._downloading = False

    def _say(self, text: str) -> None:
        self.text = text
        self.notice.emit(text)

    def wait(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
