"""Help → Training switches (demo mode only): simulated departments' faults and the kiosk's network, for practice.

The departments' faults are switched on the demo server (kiosk_app.training, straight to the server); the network
is the demo relay between this kiosk and its server (kiosk_app.demo_network). Every call runs in a background op.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.demo_network import NetworkState
from kiosk_app.training import (
    APPLIES_TO,
    FAULTS,
    PAY_ONLY_FAULTS,
    UNTIL_SWITCHED_OFF,
    DepartmentFault,
    FaultSwitch,
    TrainingDesk,
)
from ui.core import DEMO_ADMIN_TOKEN, Core
from ui.forms import Field, Message, Translated, explain, say, shortcut
from ui.ops import Op
from ui.strings import Language, current_language, t

MAX_DELAY_MS = 60_000


def _with_desk(server_url: str, call: Callable[[TrainingDesk], list[DepartmentFault]]) -> list[DepartmentFault]:
    """On a worker: one call to the demo server's training switches."""
    desk = TrainingDesk(server_url, DEMO_ADMIN_TOKEN)
    try:
        return call(desk)
    finally:
        desk.close()


def department_names(row: DepartmentFault) -> str:
    hindi = current_language() is Language.HINDI
    return "; ".join(d.name_hi if hindi else d.name_en for d in row.departments) or row.biller


def fault_state(row: DepartmentFault) -> str:
    """The fault of one department as the trainer reads it."""
    if row.fault == "none":
        return t("training.state_none")
    fault = t(f"training.kind.{row.fault}")
    if row.fault == "slow":
        fault += f" ({t('training.state_slow', seconds=f'{row.delay_ms / 1000:g}')})"
    applies = t(f"training.on.{row.applies_to}")
    if not row.active:
        return t("training.state_used_up", fault=fault, applies=applies)
    count = (
        t("training.count_until_off")
        if row.remaining == UNTIL_SWITCHED_OFF
        else t("training.count_left", count=row.remaining)
    )
    return t("training.state_on", fault=fault, applies=applies, count=count)


class TrainingWindow(QDialog):
    """A window beside the main window: the trainer switches, the operator works the counter."""

    def __init__(self, core: Core, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.core = core
        self.setObjectName("training_window")
        self.setModal(False)
        self.tr_ = Translated(self)
        self.tr_.text(self.setWindowTitle, "training.title")
        self.rows: list[DepartmentFault] | None = None
        self.error: Exception | None = None
        self._notice: Message | None = None

        note = QLabel()
        note.setWordWrap(True)
        self.tr_.text(note.setText, "training.note")

        # -- departments ----------------------------------------------------------------------------------
        departments = QGroupBox()
        self.tr_.text(departments.setTitle, "training.departments")
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("training_departments")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the list for the form
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        self.table.setMinimumHeight(170)  # the departments at a glance (more scroll); the window fits 1024×768
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.currentCellChanged.connect(self.on_table_current_changed)
        self.table.horizontalHeader().sectionResized.connect(lambda *_: self.table.resizeRowsToContents())
        self.status = QLabel()
        self.status.setObjectName("training_status")
        self.status.setWordWrap(True)

        form = QFormLayout()
        self.fault = self.tr_.field("training_fault", "training.fault", QComboBox())
        for kind in FAULTS:
            self.fault_combo.addItem("", kind)
        self.fault_combo.currentIndexChanged.connect(self.on_fault_changed)
        self.applies_to = self.tr_.field("training_applies_to", "training.applies_to", QComboBox())
        for target in APPLIES_TO:
            self.applies_combo.addItem("", target)
        times = QSpinBox()
        times.setRange(0, 1000)
        self.times = self.tr_.field("training_times", "training.times", times)
        delay = QSpinBox()
        delay.setRange(0, MAX_DELAY_MS)
        delay.setSingleStep(500)
        delay.setSuffix(" ms")
        delay.setValue(3_000)
        self.delay = self.tr_.field("training_delay", "training.delay", delay)
        for f in (self.fault, self.applies_to, self.times, self.delay):
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(f.editor)
            column.addWidget(f.error)
            form.addRow(f.label, column)
        delay_note = QLabel()
        delay_note.setWordWrap(True)
        delay_note.setStyleSheet("color: #555;")
        self.tr_.text(delay_note.setText, "training.delay_note")
        form.addRow("", delay_note)
        self.tr_.dynamic(self._name_choices)

        self.switch_on = self._button("training.switch_on", "training_switch_on", self.on_switch_on_clicked)
        self.switch_on.setDefault(True)  # Enter anywhere in the form switches the fault on
        self.switch_off = self._button("training.switch_off", "training_switch_off", self.on_switch_off_clicked)
        self.refresh_button = self._button("training.refresh", "training_refresh", self.refresh)
        buttons = QHBoxLayout()
        for b in (self.switch_on, self.switch_off, self.refresh_button):
            buttons.addWidget(b)
        buttons.addStretch()
        department_layout = QVBoxLayout(departments)
        department_layout.addWidget(self.table)
        department_layout.addLayout(form)
        department_layout.addLayout(buttons)
        department_layout.addWidget(self.status)

        # -- network ----------------------------------------------------------------------------------------
        network = QGroupBox()
        self.tr_.text(network.setTitle, "training.network")
        self.network_note = QLabel()
        self.network_note.setObjectName("training_network_note")
        self.network_note.setWordWrap(True)
        self.network_state = QLabel()
        self.network_state.setObjectName("training_network_state")
        self.network_state.setStyleSheet("font-weight: bold;")
        self.restore = self._button(
            "training.restore", "training_restore", lambda: self.set_network(NetworkState.CONNECTED)
        )
        self.cut = self._button("training.cut", "training_cut", lambda: self.set_network(NetworkState.CUT))
        self.silence = self._button(
            "training.silence", "training_silence", lambda: self.set_network(NetworkState.SILENT)
        )
        network_buttons = QHBoxLayout()
        for b in (self.restore, self.cut, self.silence):
            network_buttons.addWidget(b)
        network_buttons.addStretch()
        network_layout = QVBoxLayout(network)
        network_layout.addWidget(self.network_note)
        network_layout.addWidget(self.network_state)
        network_layout.addLayout(network_buttons)

        close = self._button("common.close", "training_close", self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.tr_.banner)
        layout.addWidget(departments, 1)
        layout.addWidget(network)
        layout.addWidget(close, alignment=Qt.AlignmentFlag.AlignRight)

        self.finished.connect(self.on_finished)
        shortcut(self, "F5", self.refresh)
        shortcut(self, "F6", lambda: self.set_network(NetworkState.CONNECTED))
        shortcut(self, "F7", lambda: self.set_network(NetworkState.CUT))
        shortcut(self, "F8", lambda: self.set_network(NetworkState.SILENT))
        shortcut(self.table, "Del", self.on_switch_off_clicked, Qt.ShortcutContext.WidgetShortcut)
        self.tr_.dynamic(self.show_rows)
        self.tr_.dynamic(self.show_network)
        self.on_fault_changed()
        self.resize(900, 700)  # within a 1024×768 screen with its taskbar

    def _button(self, key: str, name: str, action: Callable[[], None]) -> QPushButton:
        b = QPushButton()
        b.setObjectName(name)
        b.setAutoDefault(True)  # Enter on a focused button presses it
        self.tr_.text(b.setText, key)
        b.clicked.connect(action)
        return b

    @property
    def fault_combo(self) -> QComboBox:
        assert isinstance(self.fault.editor, QComboBox)
        return self.fault.editor

    @property
    def applies_combo(self) -> QComboBox:
        assert isinstance(self.applies_to.editor, QComboBox)
        return self.applies_to.editor

    @property
    def times_spin(self) -> QSpinBox:
        assert isinstance(self.times.editor, QSpinBox)
        return self.times.editor

    @property
    def delay_spin(self) -> QSpinBox:
        assert isinstance(self.delay.editor, QSpinBox)
        return self.delay.editor

    def _name_choices(self) -> None:
        for i in range(self.fault_combo.count()):
            self.fault_combo.setItemText(i, t(f"training.kind.{self.fault_combo.itemData(i)}"))
        for i in range(self.applies_combo.count()):
            self.applies_combo.setItemText(i, t(f"training.on.{self.applies_combo.itemData(i)}"))
        self.times_spin.setSpecialValueText(t("training.until_off"))

    def on_finished(self, _result: int) -> None:
        parent = self.parentWidget()
        if parent is not None:
            parent.activateWindow()  # back to the counter

    # -- the departments ----------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # Qt override
        super().showEvent(event)
        self.refresh()
        self.show_network()
        self.table.setFocus()

    def refresh(self) -> None:
        if not self.refresh_button.isEnabled():
            return  # a read is already on its way
        self._start(lambda desk: desk.departments())

    def _start(self, call: Callable[[TrainingDesk], list[DepartmentFault]], notice: Message | None = None) -> None:
        url = self.core.demo_server_url
        (
            Op(self, lambda: _with_desk(url, call))
            .busy(self.switch_on, self.switch_off, self.refresh_button)
            .success(lambda rows: self.on_rows_read(rows, notice))
            .failure(self.on_call_failed)
            .run()
        )

    def on_rows_read(self, rows: list[DepartmentFault], notice: Message | None) -> None:
        self.rows, self.error = rows, None
        self.tr_.banner.show_message(None)
        self._notice = notice
        self.show_rows()

    def on_call_failed(self, exc: Exception) -> None:
        self.error = exc
        self.tr_.banner.show_message(explain(exc), "error")
        self.show_rows()

    def show_rows(self) -> None:
        if self.rows is None:
            self.status.setText(t("training.loading") if self.error is None else "")
            return
        current = self.current_row()
        self.table.setHorizontalHeaderLabels([t("training.column_department"), t("training.column_fault")])
        self.table.setRowCount(len(self.rows))
        for i, row in enumerate(self.rows):
            name = QTableWidgetItem(department_names(row))
            name.setData(Qt.ItemDataRole.UserRole, row.biller)
            self.table.setItem(i, 0, name)
            self.table.setItem(i, 1, QTableWidgetItem(fault_state(row)))
        self.table.resizeRowsToContents()
        if self.rows:
            billers = [row.biller for row in self.rows]
            index = billers.index(current.biller) if current is not None and current.biller in billers else 0
            self.table.setCurrentCell(index, 0)
        self.status.setText(self._notice() if self._notice else "")

    def current_row(self) -> DepartmentFault | None:
        index = self.table.currentRow()
        if self.rows is None or not 0 <= index < len(self.rows):
            return None
        return self.rows[index]

    def on_table_current_changed(self, *_args: Any) -> None:
        row = self.current_row()
        if row is None or row.fault == "none":
            return
        self.fault_combo.setCurrentIndex(FAULTS.index(row.fault))  # the form starts from what is on now
        self.applies_combo.setCurrentIndex(APPLIES_TO.index(row.applies_to))
        self.times_spin.setValue(max(0, row.remaining))
        if row.delay_ms:
            self.delay_spin.setValue(row.delay_ms)

    def on_fault_changed(self) -> None:
        self.delay_spin.setEnabled(self.fault_combo.currentData() == "slow")

    def _switch(self) -> FaultSwitch | None:
        for f in (self.fault, self.applies_to, self.delay):
            f.set_error(None)
        fault, applies_to = str(self.fault_combo.currentData()), str(self.applies_combo.currentData())
        bad: Field | None = None
        if fault in PAY_ONLY_FAULTS and applies_to == "fetch":
            self.applies_to.set_error(say("training.pay_only"))
            bad = self.applies_to
        delay = self.delay_spin.value() if fault == "slow" else 0
        if fault == "slow" and delay <= 0:
            self.delay.set_error(say("training.delay_needed"))
            bad = bad or self.delay
        if bad is not None:
            bad.editor.setFocus()
            return None
        times = self.times_spin.value() or UNTIL_SWITCHED_OFF
        return FaultSwitch(fault, applies_to, times, delay)

    def on_switch_on_clicked(self) -> None:
        if not self.switch_on.isEnabled():
            return
        row = self.current_row()
        if row is None:
            self.status.setText(t("training.pick_department"))
            return
        switch = self._switch()
        if switch is None:
            return
        biller, name = row.biller, department_names(row)

        def notice() -> str:
            now = next((r for r in self.rows or [] if r.biller == biller), None)
            return t("training.switched_on", department=name, state=fault_state(now) if now else "")

        self._start(lambda desk: desk.switch(biller, switch), notice)

    def on_switch_off_clicked(self) -> None:
        if not self.switch_off.isEnabled():
            return
        row = self.current_row()
        if row is None:
            self.status.setText(t("training.pick_department"))
            return
        biller = row.biller
        self._start(lambda desk: desk.clear(biller), say("training.switched_off", department=department_names(row)))

    # -- the network --------------------------------------------------------------------------------------
    def show_network(self) -> None:
        network = self.core.training_network
        if network is None:
            for b in (self.restore, self.cut, self.silence):
                b.setEnabled(False)
            self.network_note.setText(t("training.network_missing"))
            self.network_state.setText("")
            return
        self.network_note.setText(t("training.network_note", relay=network.url, server=network.upstream_url))
        self.network_state.setText(t("training.network_state", state=t(f"training.net.{network.state.value}")))
        self.network_state.setStyleSheet(
            "font-weight: bold; color: #1e7b34;"
            if network.state is NetworkState.CONNECTED
            else "font-weight: bold; color: #b00020;"
        )

    def set_network(self, state: NetworkState) -> None:
        network = self.core.training_network
        if network is None or not self.restore.isEnabled():
            return
        kiosk = self.core.kiosk_if_open

        def switch() -> None:
            network.set_state(state)
            if kiosk is not None:  # the status bar follows at once, not at the next scheduled check
                kiosk.connectivity.check()

        (Op(self, switch).busy(self.restore, self.cut, self.silence).success(lambda _none: self.show_network()).run())
