"""Runtime language switch over the real windows; the op wrapper, message routing, single instance, settings file."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QMenu, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk_app.errors import InvalidCredentials, ServerUnreachable
from printing.errors import PaperOut
from tests.support.auth import contacts, ready_token
from tests.support.server import ServerProcess
from tests.ui.conftest import press, type_text
from ui import ops
from ui.app import ErrorReporter, acquire_instance_lock
from ui.dialogs import RecordedMessages
from ui.settings import Preferences, PreferencesFile
from ui.shell import Shell
from ui.strings import CATALOGUE, Language, check_catalogue, language_switch

TIMEOUT = 15_000


def _devanagari(text: str) -> bool:
    return any("\u0900" <= ch <= "\u097f" for ch in text)


# A language's own name is the one word each side writes in the other's script (the switch to "हिन्दी" in
# English, to "English" in Hindi): it is no stray text of the other language.
ENGLISH_ONLY = {
    en.replace("&", "") for en, hi in CATALOGUE.values() if en != hi and "{" not in en and not _devanagari(en)
}
HINDI_ONLY = {hi.replace("&", "") for en, hi in CATALOGUE.values() if en != hi and "{" not in hi and _devanagari(hi)}


def visible_texts(window: QWidget) -> set[str]:
    """Every text the operator can see in the window: labels, buttons, menus and their entries, the title."""
    texts = {window.windowTitle()}
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window):
            continue
        if isinstance(widget, QLabel | QAbstractButton):
            texts.add(widget.text())
    for menu in window.findChildren(QMenu):
        texts.add(menu.title())
    for action in window.findChildren(QAction):
        texts.add(action.text())
    return {text.replace("&", "") for text in texts if text}


def test_the_language_switches_at_runtime_in_every_open_window(
    qtbot: QtBot, auth_server: ServerProcess, shell_on: Callable[..., Shell]
) -> None:
    code = "RJ-JPR-0311"
    ready_token(auth_server, code, credit_limit_paise=2_50_000_00)
    shell = shell_on(auth_server)
    before = visible_texts(shell.sign_in)
    assert {"Log in with your SSO ID", "Forget Password? (F3)"} <= before
    type_text(qtbot, contacts(code)[0])
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "a quiet kiosk by the fort")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.main is not None and shell.main.isVisible(), timeout=TIMEOUT)
    main = shell.main
    assert main is not None
    qtbot.waitUntil(lambda: main.status.balance_label.text() == "Spendable: ₹2,50,000.00", timeout=TIMEOUT)
    english = visible_texts(main)
    assert {"Services", "Avail Service", "Reconcile Finance Transaction", "Day End", "Spendable balance"} <= english
    assert not english & HINDI_ONLY

    qtbot.keyClick(main, Qt.Key.Key_F12)
    assert language_switch().language is Language.HINDI
    hindi = visible_texts(main)
    assert not hindi & ENGLISH_ONLY, hindi & ENGLISH_ONLY
    assert {"सेवाएँ (Services)", "सेवा प्राप्त करें (Avail Service)", "उपलब्ध राशि"} <= hindi
    assert main.status.balance_label.text() == "उपलब्ध राशि: ₹2,50,000.00"
    assert main.windowTitle() == f"ई-मित्र कियोस्क — {code}"
    assert not visible_texts(shell.sign_in) & ENGLISH_ONLY  # the hidden login follows as well
    assert shell.core.preferences_file.load().language == "hi"

    # Settings → Language back to English, saved with Ctrl+S.
    dialog = shell.open_settings("language")
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    assert not visible_texts(dialog) & ENGLISH_ONLY
    dialog.english.setFocus()
    press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: shell.settings is None, timeout=TIMEOUT)
    assert language_switch().language is Language.ENGLISH
    assert not visible_texts(main) & HINDI_ONLY
    assert main.status.balance_label.text() == "Spendable: ₹2,50,000.00"


def test_the_catalogue_has_both_languages_and_matching_placeholders() -> None:
    assert check_catalogue() == []


# -- the op wrapper ----------------------------------------------------------------------------------------


def raise_(exc: Exception) -> None:
    raise exc


@pytest.fixture
def inline() -> Iterator[None]:
    previous = ops.use_runner(ops.InlineRunner())
    yield
    ops.use_runner(previous)


def test_ops_run_on_a_worker_and_call_back_on_the_gui_thread(qtbot: QtBot) -> None:
    seen: dict[str, object] = {}
    owner = QWidget()
    qtbot.addWidget(owner)

    def work(context: ops.OpContext) -> int:
        seen["worker"] = threading.current_thread() is threading.main_thread()
        context.progress(1, 2)
        return 42

    def done(value: int) -> None:
        seen["gui"] = threading.current_thread() is threading.main_thread()
        seen["value"] = value

    ops.Op.tracked(owner, work).progress(lambda d, t: seen.__setitem__("progress", (d, t))).success(done).run()
    qtbot.waitUntil(lambda: "value" in seen, timeout=TIMEOUT)
    assert seen == {"worker": False, "gui": True, "value": 42, "progress": (1, 2)}
    assert ops.pending() == 0


def test_ops_route_failures_refusals_to_the_screen_bugs_to_the_reporter(qtbot: QtBot, inline: None) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    failures: list[Exception] = []
    reported: list[BaseException] = []
    ops.set_error_handler(reported.append)
    try:
        button = QPushButton(owner)
        ops.Op(owner, lambda: raise_(InvalidCredentials("wrong"))).busy(button).failure(failures.append).run()
        assert [type(f) for f in failures] == [InvalidCredentials] and button.isEnabled()
        ops.Op(owner, lambda: 1 / 0).failure(failures.append).run()  # our bug: never the screen's to swallow
        assert len(failures) == 1 and isinstance(reported[0], ZeroDivisionError)
        ops.Op(owner, lambda: raise_(ServerUnreachable("down"))).run()  # nobody handles it
        assert isinstance(reported[1], ServerUnreachable)
    finally:
        ops.set_error_handler(None)


def test_a_cancelled_op_calls_nothing_back(qtbot: QtBot, inline: None) -> None:
    calls: list[str] = []

    def work(context: ops.OpContext) -> None:
        context.cancel()
        context.raise_if_cancelled()

    ops.Op.tracked(None, work).success(lambda _: calls.append("success")).failure(
        lambda _: calls.append("failure")
    ).run()
    assert calls == []


def test_the_reporter_tells_the_operator_or_shows_the_crash_dialog(
    qtbot: QtBot, recorded: RecordedMessages, tmp_path: Path
) -> None:
    reporter = ErrorReporter(tmp_path / "kiosk.log")
    reporter.report(ServerUnreachable("the server cannot be reached"))
    reporter.report(PaperOut())
    try:
        raise KeyError("a bug of ours")
    except KeyError as exc:
        reporter.report(exc)
    assert recorded.kinds() == ["problem", "problem", "crash"]
    assert ServerUnreachable.hindi not in recorded.shown[0][2]  # English is the current language
    assert str(tmp_path / "kiosk.log") in recorded.shown[2][2]
    assert "KeyError: 'a bug of ours'" in recorded.details[0]
    recorded.shown.clear()
    # An exception raised on another thread reaches the dialog on the GUI thread.
    thread = threading.Thread(
        target=lambda: reporter.thread_excepthook(
            threading.ExceptHookArgs((ValueError, ValueError("in a thread"), None, None))
        )
    )
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: recorded.kinds() == ["crash"], timeout=TIMEOUT)


# -- one instance per PC, the settings file ----------------------------------------------------------------


def test_only_one_kiosk_program_runs_per_pc(tmp_path: Path) -> None:
    first = acquire_instance_lock(tmp_path)
    assert first is not None
    assert acquire_instance_lock(tmp_path) is None
    first.unlock()
    again = acquire_instance_lock(tmp_path)
    assert again is not None
    again.unlock()


def test_preferences_round_trip_and_bad_values_fall_back_to_defaults(tmp_path: Path) -> None:
    store = PreferencesFile(tmp_path)
    assert store.load() == Preferences()
    prefs = Preferences(
        language="en",
        printer_kind="network",
        printer_host="10.0.0.7",
        printer_port=9101,
        paper="58mm",
        auto_print=False,
        idle_lock_minutes=5,
    )
    store.save(prefs)
    assert store.load() == prefs
    assert '"version": 1' in store.path.read_text(encoding="utf-8")
    store.path.write_text(
        '{"paper": "110mm", "printer_port": "9100", "idle_lock_minutes": 0, "language": "en", "unknown": 1}',
        encoding="utf-8",
    )
    loaded = store.load()  # a version-0 file: migrated, unknown keys dropped, bad values defaulted
    assert (loaded.paper, loaded.printer_port, loaded.idle_lock_minutes, loaded.language) == ("80mm", 9100, 10, "en")
    store.path.write_text("not json", encoding="utf-8")
    assert store.load() == Preferences()


def test_a_closed_receipt_window_is_freed_and_leaves_nothing_behind(qtbot: QtBot) -> None:
    # The language switch outlives every window: its connection must not keep a closed one (and its preview
    # image, megabytes each) alive, nor may a window leave its message banner behind as a stray top-level widget.
    import gc
    import weakref

    from printing.samples import sample_receipt
    from printing.thermal import PAPER_80MM
    from ui.forms import Banner
    from ui.receipt_window import ReceiptWindow

    def banners() -> int:
        return sum(isinstance(w, Banner) for w in QApplication.topLevelWidgets())

    def show_and_close() -> weakref.ref[ReceiptWindow]:
        window = ReceiptWindow(sample_receipt(), PAPER_80MM)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.load_preview()
        window.show()
        qtbot.waitUntil(lambda: window.pixmap is not None, timeout=TIMEOUT)
        window.close()
        assert window.pixmap is None and window.preview.pixmap().isNull()  # the image goes as the window closes
        return weakref.ref(window)

    stray = banners()
    gone = show_and_close()

    def freed() -> bool:
        gc.collect()
        return gone() is None

    qtbot.waitUntil(freed, timeout=TIMEOUT)
    assert banners() == stray
    language_switch().set_language(Language.HINDI)  # nothing of the closed window may run
    language_switch().set_language(Language.ENGLISH)
