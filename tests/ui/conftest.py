"""UI tests: the real windows (offscreen) against a real server process; SQLite only, to stay quick."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QDateEdit, QWidget
from pytestqt.qtbot import QtBot

from server.core.config import Settings
from server.migrate import migrate
from tests.support.faultproxy import FaultProxy
from tests.support.kiosk_client import PaperBill
from tests.support.server import ServerProcess
from ui import ops
from ui.app import make_application
from ui.avail_service import AvailServicePage
from ui.core import Core
from ui.dialogs import RecordedMessages, use_messages
from ui.settings import Preferences, PreferencesFile
from ui.shell import Shell
from ui.strings import Language, language_switch

# Qt's offscreen platform warns about window hints it cannot apply; every other Qt warning fails a test.
BENIGN_QT_WARNINGS = [r"This plugin does not support propagateSizeHints\(\)"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/ui/" in str(item.path):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(*BENIGN_QT_WARNINGS))


@pytest.fixture(scope="session", autouse=True)
def kiosk_qt(qapp: QApplication) -> QApplication:
    """pytest-qt's QApplication, set up as ui.app does it (shipped fonts, printing's Qt check)."""
    return make_application()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The UI tests use a fresh SQLite server database (the client tests cover PostgreSQL)."""
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    return url


@pytest.fixture(autouse=True)
def english_first() -> Iterator[None]:
    language_switch().set_language(Language.ENGLISH)
    yield
    language_switch().set_language(Language.ENGLISH)


@pytest.fixture
def recorded() -> Iterator[RecordedMessages]:
    record = RecordedMessages()
    previous = use_messages(record)
    yield record
    use_messages(previous)


@pytest.fixture
def proxy(auth_server: ServerProcess) -> Iterator[FaultProxy]:
    """The kiosk PC's network to the server: a proxy the test cuts (set_offline) and restores."""
    p = FaultProxy(auth_server.port).start()
    yield p
    p.stop()


@pytest.fixture
def make_core(tmp_path: Path, kiosk_keyring: PlaintextKeyring) -> Iterator[Callable[..., Core]]:
    made: list[Core] = []

    def make(server_url: str, *, usb_backend: object = None, language: str = "en") -> Core:
        config = tmp_path / "pc"
        PreferencesFile(config).save(Preferences(server_url=server_url, language=language))
        core = Core.open(config_dir=config, keyring_backend=kiosk_keyring, usb_backend=usb_backend)
        made.append(core)
        return core

    yield make
    for core in made:
        core.close()


@pytest.fixture
def make_shell(qtbot: QtBot, recorded: RecordedMessages) -> Iterator[Callable[..., Shell]]:
    shells: list[Shell] = []

    def make(core: Core, *, idle_interval_ms: int | None = None) -> Shell:
        shell = Shell(core, idle_interval_ms=idle_interval_ms)
        shell.start(resume=False)
        qtbot.waitUntil(lambda: QApplication.activeWindow() is shell.sign_in)
        shells.append(shell)
        return shell

    yield make
    qtbot.waitUntil(lambda: ops.pending() == 0, timeout=15_000)  # no callback may outlive the test
    for shell in shells:
        shell.close()
    assert [kind for kind in recorded.kinds() if kind == "crash"] == []


@pytest.fixture
def shell_on(make_core: Callable[..., Core], make_shell: Callable[..., Shell]) -> Callable[..., Shell]:
    """A shell showing the login of a kiosk PC that talks to `server`."""

    def start(server: ServerProcess, **core_options: object) -> Shell:
        return make_shell(make_core(server.url, **core_options))

    return start


# -- the keyboard, as an operator uses it: keys go to whichever widget has the focus ----------------------


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "no widget has the keyboard focus"
    return widget


def type_text(qtbot: QtBot, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def press(qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(focused(), key, modifier)


def type_paper_bill(qtbot: QtBot, page: AvailServicePage, bill: PaperBill) -> None:
    """Offline, after the Bill No.: the paper bill's amount by the due date, its due date, the late amount; then
    Add Bill For Payment. Keyboard only, as at the counter."""
    assert bill.due_date is not None and page.paper_due.editor.hasFocus()
    type_text(qtbot, f"{bill.due_paise / 100:.2f}")
    press(qtbot, Qt.Key.Key_Return)
    editor = page.paper_due_date.editor
    assert isinstance(editor, QDateEdit) and editor.hasFocus()
    editor.setDate(QDate(bill.due_date.year, bill.due_date.month, bill.due_date.day))
    press(qtbot, Qt.Key.Key_Return)
    if bill.after_due_paise is not None:
        type_text(qtbot, f"{bill.after_due_paise / 100:.2f}")
    press(qtbot, Qt.Key.Key_Return)  # Add Bill For Payment


@pytest.fixture
def screens(tmp_path: Path) -> Iterator[tuple[Core, Shell]]:
    """A core and shell for ui.screenshots' screens (no server, no keyring), ops run inline, English after."""
    from ui.screenshots import _NoKeyring

    previous = ops.use_runner(ops.InlineRunner())
    core = Core.open(config_dir=tmp_path, keyring_backend=_NoKeyring())  # type: ignore[no-untyped-call]
    shell = Shell(core)
    yield core, shell
    shell.close()
    core.close()
    ops.use_runner(previous)
    language_switch().set_language(Language.ENGLISH)
