"""Settings: the receipt printer (find, choose, paper, auto-print, test print), the language, the server address."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.errors import ConfigurationError
from printing.connections import (
    DeviceFileAddress,
    FoundUsbPrinter,
    NetworkAddress,
    PrinterAddress,
    VirtualPrinterAddress,
)
from printing.profiles import profile, profile_for_usb, profiles
from ui.core import Core, check_server_url, find_usb_printers, print_check_page
from ui.forms import ERROR_STYLE, Field, Translated, explain, print_result_text, say, shortcut
from ui.ops import Op
from ui.settings import PRINTER_KINDS, Preferences, parse_usb, usb_text
from ui.strings import t

if TYPE_CHECKING:
    from printing.spool_runner import PrintResult

TABS = ("printer", "language", "server")
KIND_KEYS = {
    "none": "settings.kind_none",
    "usb": "settings.kind_usb",
    "file": "settings.kind_file",
    "network": "settings.kind_network",
    "virtual": "settings.kind_virtual",
}


def _column(f: Field) -> QVBoxLayout:
    column = QVBoxLayout()
    column.setSpacing(2)
    column.addWidget(f.editor)
    column.addWidget(f.error)
    return column


class SettingsDialog(QDialog):
    """Edits a copy of the preferences; Save stores them and emits `saved`."""

    saved = Signal(object)  # Preferences
    printer_checked = Signal(object, str)  # PrintResult of a test print, the printer tested

    def __init__(self, core: Core, parent: QWidget | None = None, tab: str = "printer") -> None:
        super().__init__(parent)
        self.core = core
        self.setObjectName("settings_dialog")
        self.tr_ = Translated(self)
        self.tr_.text(self.setWindowTitle, "settings.title")
        prefs = core.preferences
        self.found: list[FoundUsbPrinter] = []
        self.last_result: PrintResult | None = None

        # -- printer --------------------------------------------------------------------------------
        printer = QWidget()
        printer_layout = QVBoxLayout(printer)
        form = QFormLayout()
        printer_layout.addLayout(form)
        printer_layout.addStretch()
        self.kind = self.tr_.field("printer_kind", "settings.connection", QComboBox())
        for kind in PRINTER_KINDS:
            self.kind_combo.addItem("", kind)
        self.tr_.dynamic(self._name_kinds)
        form.addRow(self.kind.label, _column(self.kind))
        self.kind_pages = QStackedWidget()
        self.kind_pages.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.kind_pages.addWidget(QWidget())  # none
        usb_page = QWidget()
        usb_form = QFormLayout(usb_page)
        usb_form.setContentsMargins(0, 0, 0, 0)
        self.usb = self.tr_.field("usb_printer", "settings.usb_printer", QComboBox())
        self.find_button = QPushButton()
        self.find_button.setObjectName("find_printers")
        self.tr_.text(self.find_button.setText, "settings.find")
        self.find_button.clicked.connect(self.on_find_clicked)
        self.found_note = QLabel()
        self.found_note.setObjectName("found_note")
        self.found_note.setWordWrap(True)
        usb_row = QHBoxLayout()
        usb_row.addLayout(_column(self.usb), 1)
        usb_row.addWidget(self.find_button, alignment=Qt.AlignmentFlag.AlignTop)
        usb_form.addRow(self.usb.label, usb_row)
        usb_form.addRow("", self.found_note)
        self.kind_pages.addWidget(usb_page)
        file_page = QWidget()
        file_form = QFormLayout(file_page)
        file_form.setContentsMargins(0, 0, 0, 0)
        self.device = self.tr_.field("printer_device", "settings.device", QLineEdit(prefs.printer_device))
        file_form.addRow(self.device.label, _column(self.device))
        self.kind_pages.addWidget(file_page)
        net_page = QWidget()
        net_form = QFormLayout(net_page)
        net_form.setContentsMargins(0, 0, 0, 0)
        self.host = self.tr_.field("printer_host", "settings.host", QLineEdit(prefs.printer_host))
        port = QSpinBox()
        port.setRange(1, 65535)
        port.setValue(prefs.printer_port)
        self.port = self.tr_.field("printer_port", "settings.port", port)
        net_form.addRow(self.host.label, _column(self.host))
        net_form.addRow(self.port.label, _column(self.port))
        self.kind_pages.addWidget(net_page)
        virtual_page = QWidget()
        virtual_form = QVBoxLayout(virtual_page)
        virtual_form.setContentsMargins(0, 0, 0, 0)
        self.virtual_folder = prefs.printer_virtual_folder or str(core.virtual_printer_folder)
        self.virtual_note = QLabel()
        self.virtual_note.setObjectName("virtual_note")
        self.virtual_note.setWordWrap(True)
        self.virtual_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tr_.text(self.virtual_note.setText, "settings.virtual_note", folder=self.virtual_folder)
        virtual_form.addWidget(self.virtual_note)
        self.kind_pages.addWidget(virtual_page)
        form.addRow("", self.kind_pages)
        # The printer's model (python-escpos' capability database) or a generic roll: it gives the dots, the
        # columns, the code pages and whether the printer draws QR codes itself. A USB printer whose id names a
        # model is set to it when found; the test page's ruler shows which width is right.
        self.paper_combo = QComboBox()
        self.paper_combo.setObjectName("paper_model")
        for name in profiles():
            self.paper_combo.addItem("", name)
        self.tr_.dynamic(self._name_papers)
        self.paper_combo.setCurrentIndex(max(0, self.paper_combo.findData(prefs.paper)))
        paper_label = QLabel()
        self.tr_.text(paper_label.setText, "settings.paper")
        paper_label.setBuddy(self.paper_combo)
        form.addRow(paper_label, self.paper_combo)
        self.auto_print = QCheckBox()
        self.auto_print.setObjectName("auto_print")
        self.auto_print.setChecked(prefs.auto_print)
        self.tr_.text(self.auto_print.setText, "settings.auto_print")
        form.addRow("", self.auto_print)
        self.test = QPushButton()
        self.test.setObjectName("test_print")
        self.tr_.text(self.test.setText, "settings.test_print")
        self.test.clicked.connect(self.on_test_clicked)
        self.test_result = QLabel()
        self.test_result.setObjectName("test_result")
        self.test_result.setWordWrap(True)
        form.addRow(self.test, self.test_result)
        self.found_count: int | None = None
        self.tr_.dynamic(self.show_printer_notes)

        # -- language -------------------------------------------------------------------------------
        language = QWidget()
        lang_layout = QVBoxLayout(language)
        lang_caption = QLabel()
        self.tr_.text(lang_caption.setText, "settings.language")
        self.english = QRadioButton()
        self.english.setObjectName("language_en")
        self.tr_.text(self.english.setText, "settings.english")
        self.hindi = QRadioButton()
        self.hindi.setObjectName("language_hi")
        self.tr_.text(self.hindi.setText, "settings.hindi")
        (self.hindi if prefs.language == "hi" else self.english).setChecked(True)
        for w in (lang_caption, self.english, self.hindi):
            lang_layout.addWidget(w)
        lang_layout.addStretch()

        # -- server ---------------------------------------------------------------------------------
        server = QWidget()
        server_form = QFormLayout(server)
        self.server_url = self.tr_.field("server_url", "settings.server_url", QLineEdit(prefs.server_url))
        server_form.addRow(self.server_url.label, _column(self.server_url))
        note = QLabel()
        note.setWordWrap(True)
        self.tr_.text(note.setText, "settings.server_note")
        server_form.addRow("", note)
        idle = QSpinBox()
        idle.setRange(1, 120)
        idle.setValue(prefs.idle_lock_minutes)
        self.idle = self.tr_.field("idle_lock_minutes", "settings.idle_lock", idle)
        server_form.addRow(self.idle.label, _column(self.idle))

        self.tabs = QTabWidget()
        self.tabs.setObjectName("settings_tabs")
        for widget, key in (
            (printer, "settings.tab_printer"),
            (language, "settings.tab_language"),
            (server, "settings.tab_server"),
        ):
            self.tr_.text(self._tab_namer(self.tabs.addTab(widget, "")), key)
        self.tabs.setCurrentIndex(TABS.index(tab) if tab in TABS else 0)

        self.save = QPushButton()
        self.save.setObjectName("save_settings")
        self.save.setDefault(True)
        self.tr_.text(self.save.setText, "settings.save")
        self.save.clicked.connect(self.on_save_clicked)
        self.cancel = QPushButton()
        self.cancel.setObjectName("cancel_settings")
        self.tr_.text(self.cancel.setText, "settings.cancel")
        self.cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.save)
        buttons.addWidget(self.cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tr_.banner)
        layout.addWidget(self.tabs)
        layout.addLayout(buttons)
        shortcut(self, "Ctrl+S", self.on_save_clicked)
        shortcut(self, "F5", self.on_find_clicked)
        shortcut(self, "F6", self.on_test_clicked)

        self.kind_combo.currentIndexChanged.connect(self.on_kind_changed)
        self.kind_combo.setCurrentIndex(PRINTER_KINDS.index(prefs.printer_kind))
        self.on_kind_changed(self.kind_combo.currentIndex())
        configured = parse_usb(prefs.printer_usb)
        if configured is not None:
            self.usb_combo.addItem(prefs.printer_usb, prefs.printer_usb)
        self.usb_combo.activated.connect(self.on_usb_printer_chosen)
        self.resize(640, 460)

    def _tab_namer(self, index: int) -> Callable[[str], None]:
        return lambda text: self.tabs.setTabText(index, text)

    @property
    def kind_combo(self) -> QComboBox:
        assert isinstance(self.kind.editor, QComboBox)
        return self.kind.editor

    @property
    def usb_combo(self) -> QComboBox:
        assert isinstance(self.usb.editor, QComboBox)
        return self.usb.editor

    def _name_kinds(self) -> None:
        for i, kind in enumerate(PRINTER_KINDS):
            self.kind_combo.setItemText(i, t(KIND_KEYS[kind]))

    # -- printer ----------------------------------------------------------------------------------------
    def on_kind_changed(self, index: int) -> None:
        self.kind_pages.setCurrentIndex(index)
        self.kind_pages.setVisible(index != 0)

    def _name_papers(self) -> None:
        for index, paper in enumerate(profiles().values()):
            item = t("settings.paper_item", label=paper.label or paper.name, dots=paper.dots, columns=paper.columns)
            self.paper_combo.setItemText(index, item)

    @property
    def paper(self) -> str:
        return str(self.paper_combo.currentData() or "80mm")

    def on_usb_printer_chosen(self, _index: int) -> None:
        """A USB printer whose id names a model: the model is chosen for it."""
        address = parse_usb(str(self.usb_combo.currentData() or ""))
        known = profile_for_usb(address.vendor_id, address.product_id) if address is not None else None
        if known is not None:
            self.paper_combo.setCurrentIndex(max(0, self.paper_combo.findData(known.name)))

    def chosen_address(self) -> PrinterAddress | None:
        """The printer as the form now describes it; puts an error next to the field when incomplete."""
        kind = PRINTER_KINDS[self.kind_combo.currentIndex()]
        if kind == "usb":
            address = parse_usb(str(self.usb_combo.currentData() or ""))
            if address is None:
                self.usb.set_error(say("settings.choose_printer"))
            return address
        if kind == "file":
            path = self.device.text().strip()
            if not path:
                self.device.set_error(say("common.required"))
                return None
            return DeviceFileAddress(path)
        if kind == "network":
            host = self.host.text().strip()
            if not host:
                self.host.set_error(say("settings.host_required"))
                return None
            spin = self.port.editor
            assert isinstance(spin, QSpinBox)
            return NetworkAddress(host, spin.value())
        if kind == "virtual":
            return VirtualPrinterAddress(self.virtual_folder)
        self.kind.set_error(say("settings.choose_printer"))
        return None

    def on_find_clicked(self) -> None:
        if not self.find_button.isEnabled():
            return
        self.usb.set_error(None)
        backend = self.core.usb_backend
        (
            Op(self, lambda: find_usb_printers(backend))
            .busy(self.find_button)
            .success(self.on_printers_found)
            .failure(lambda exc: self.usb.set_error(explain(exc)))
            .run()
        )

    def on_printers_found(self, found: list[FoundUsbPrinter]) -> None:
        self.found = found
        current = self.usb_combo.currentData()
        self.usb_combo.clear()
        for printer in found:
            self.usb_combo.addItem(printer.describe(), usb_text(printer.address))
        index = self.usb_combo.findData(current)
        self.usb_combo.setCurrentIndex(max(0, index))
        if index < 0 and found:
            self.on_usb_printer_chosen(0)
        self.found_count = len(found)
        self.show_printer_notes()
        self.usb_combo.setFocus()

    def show_printer_notes(self) -> None:
        from printing.spool_runner import PrintOutcome

        count = self.found_count
        self.found_note.setText(
            "" if count is None else t("settings.found", count=count) if count else t("settings.none_found")
        )
        result = self.last_result
        self.test_result.setText("" if result is None else print_result_text(result))
        failed = result is not None and result.outcome is PrintOutcome.FAILED
        self.test_result.setStyleSheet(ERROR_STYLE if failed else "color: #1e4620;")

    def on_test_clicked(self) -> None:
        if not self.test.isEnabled():
            return
        self.tr_.clear_errors()
        self.last_result = None
        self.show_printer_notes()
        address = self.chosen_address()
        if address is None:
            return
        paper, backend = profile(self.paper), self.core.usb_backend
        (
            Op(self, lambda: print_check_page(address, paper, backend))
            .busy(self.test)
            .success(lambda result: self.on_test_printed(result, address.describe()))
            .run()
        )

    def on_test_printed(self, result: PrintResult, description: str) -> None:
        self.last_result = result
        self.show_printer_notes()
        self.printer_checked.emit(result, description)

    # -- save -------------------------------------------------------------------------------------------
    def collected(self) -> Preferences | None:
        """The preferences the form describes, or None with errors shown next to the fields."""
        self.tr_.clear_errors()
        try:
            url = check_server_url(self.server_url.text().strip())
        except ConfigurationError:
            # kiosk_app's refusal is right but says little in Hindi: tell which rule the address breaks.
            try:
                parts = urlsplit(self.server_url.text().strip())
                plain_http = parts.scheme.lower() == "http" and bool(parts.hostname)
            except ValueError:  # e.g. an unclosed [IPv6] bracket
                plain_http = False
            self.server_url.set_error(say("settings.server_not_encrypted" if plain_http else "settings.server_invalid"))
            self.tabs.setCurrentIndex(TABS.index("server"))
            self.server_url.editor.setFocus()
            return None
        kind = PRINTER_KINDS[self.kind_combo.currentIndex()]
        prefs = self.core.preferences
        usb = str(self.usb_combo.currentData() or prefs.printer_usb)
        spin_port, spin_idle = self.port.editor, self.idle.editor
        assert isinstance(spin_port, QSpinBox) and isinstance(spin_idle, QSpinBox)
        new = replace(
            prefs,
            server_url=url,
            language="hi" if self.hindi.isChecked() else "en",
            idle_lock_minutes=spin_idle.value(),
            printer_kind=kind,
            printer_usb=usb,
            printer_device=self.device.text().strip() or prefs.printer_device,
            printer_host=self.host.text().strip(),
            printer_port=spin_port.value(),
            printer_virtual_folder=self.virtual_folder if kind == "virtual" else prefs.printer_virtual_folder,
            paper=self.paper,
            auto_print=self.auto_print.isChecked(),
        )
        if kind != "none" and new.printer_address is None:
            self.tabs.setCurrentIndex(TABS.index("printer"))
            self.chosen_address()
            return None
        return new

    def on_save_clicked(self) -> None:
        new = self.collected()
        if new is None:
            return
        self.core.save_preferences(new)
        self.saved.emit(new)
        self.accept()
