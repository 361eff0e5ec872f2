"""Reports → Day End: sync the outbox with a progress bar and Cancel, then the summary and what needs Reconcile."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from kiosk_app.sync import ReconcileItem, SyncSummary
from printing.money import format_rupees
from ui.core import Core
from ui.forms import Message, Translated, error_text, say, shortcut
from ui.main_window import FeaturePage
from ui.ops import Op, OpContext
from ui.strings import t


@dataclass(frozen=True)
class DayEndState:
    waiting: int
    reconcile: list[ReconcileItem]


def read_day_end(core: Core) -> DayEndState:
    kiosk = core.kiosk()
    return DayEndState(kiosk.payments.queue_length(), kiosk.sync.reconcile())


def run_sync(core: Core, context: OpContext) -> SyncSummary:
    """On a worker: the day-end sync, its progress relayed to the screen."""
    kiosk = core.kiosk()
    disconnect = kiosk.events.sync_progress.connect(
        lambda p: context.progress(p.sent, p.total))
    try:
        return kiosk.sync.run()
    finally:
        disconnect()


class DayEndPage(FeaturePage):
    def __init__(self, core: Core) -> None:
        super().__init__()
        self.core = core
        self.setObjectName("day_end")
        self.tr_ = Translated(self)
        title = QLabel()
        title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.tr_.text(title.setText, "dayend.title")
        self.intro = QLabel()
        self.intro.setObjectName("dayend_intro")
        self.intro.setWordWrap(True)
        self.sync = QPushButton()
        self.sync.setObjectName("sync")
        self.sync.setDefault(True)
        self.tr_.text(self.sync.setText, "dayend.sync")
        self.sync.clicked.connect(self.on_sync_clicked)
        self.cancel = QPushButton()
        self.cancel.setObjectName("cancel_sync")
        self.cancel.setEnabled(False)
        self.tr_.text(self.cancel.setText, "dayend.cancel")
        self.cancel.clicked.connect(self.on_cancel_clicked)
        self.bar = QProgressBar()
        self.bar.setObjectName("sync_progress")
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.progress_text = QLabel()
        self.progress_text.setObjectName("sync_progress_text")
        self.summary = QLabel()
        self.summary.setObjectName("sync_summary")
        self.summary.setWordWrap(True)
        self.reconcile_caption = QLabel()
        self.reconcile_caption.setObjectName("reconcile_caption")
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("reconcile_table")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sync)
        buttons.addWidget(self.cancel)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.tr_.banner)
        layout.addWidget(self.intro)
        layout.addLayout(buttons)
        layout.addWidget(self.bar)
        layout.addWidget(self.progress_text)
        layout.addWidget(self.summary)
        layout.addWidget(self.reconcile_caption)
        layout.addWidget(self.table, 1)
        shortcut(self, "Return", self.on_sync_clicked)
        shortcut(self, "Enter", self.on_sync_clicked)
        shortcut(self, "Esc", self.on_cancel_clicked)
        self.waiting: int | None = None
        self.items: list[ReconcileItem] = []
        self.result: SyncSummary | None = None
        self._summary: Message | None = None
        self._progress: tuple[int, int] | None = None
        self.op: Op[SyncSummary] | None = None
        self.tr_.dynamic(self.refresh)
        self.load()

    def load(self) -> None:
        core = self.core
        Op(self, lambda: read_day_end(core)).success(self.on_state_loaded).failure(self.on_op_failed).run()

    def showEvent(self, event: object) -> None:  # Qt override
        self.sync.setFocus()
        if self.op is None:
            self.load()

    def on_state_loaded(self, state: DayEndState) -> None:
        self.waiting = state.waiting
        self.items = state.reconcile
        self.refresh()

    def refresh(self) -> None:
        self.intro.setText(t("dayend.intro", count="…" if self.waiting is None else self.waiting))
        if self._progress is not None:
            sent, total = self._progress
            self.progress_text.setText(t("dayend.progress", sent=sent, total=total))
        if self._summary is not None:
            self.summary.setText(self._summary())
        self.reconcile_caption.setText(t("dayend.reconcile", count=len(self.items)))
        self.table.setHorizontalHeaderLabels([t(f"dayend.col_{c}") for c in
                                              ("date", "service", "consumer", "amount", "offline", "reason")])
        self.table.setRowCount(len(self.items))
        for row, item in enumerate(self.items):
            values = [item.created_at.replace("T", " ")[:19], item.service_code, item.consumer_no,
                      format_rupees(item.amount_paise), t("dayend.yes" if item.offline else "dayend.no"),
                      f"{item.reason} ({item.code})"]
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()

    def on_sync_clicked(self) -> None:
        if self.op is not None:
            return
        self.tr_.banner.show_message(None)
        self.result = None
        self._summary = None
        self.summary.clear()
        self._progress = None
        self.progress_text.clear()
        self.bar.setRange(0, 0)  # busy until the first progress report says how many
        core = self.core
        self.cancel.setEnabled(True)
        self.cancel.setFocus()
        self.op = (Op.tracked(self, lambda context: run_sync(core, context)).busy(self.sync)
                   .progress(self.on_sync_progress).success(self.on_sync_finished)
                   .failure(self.on_sync_failed).run())

    def on_sync_progress(self, sent: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(min(sent, total) if total else 1)
        self._progress = (sent, total)
        self.progress_text.setText(t("dayend.progress", sent=sent, total=total))

    def on_cancel_clicked(self) -> None:
        kiosk = self.core.kiosk_if_open
        if self.op is None or kiosk is None:
            return
        self.cancel.setEnabled(False)
        kiosk.sync.stop()  # ends after the batch in flight; a later Sync resumes

    def _ended(self) -> None:
        self.op = None
        self.cancel.setEnabled(False)
        self.sync.setFocus()

    def on_sync_finished(self, summary: SyncSummary) -> None:
        self._ended()
        self.result = summary
        self.items = list(summary.reconcile)
        self.waiting = summary.remaining
        self.bar.setRange(0, max(summary.total, 1))
        self.bar.setValue(summary.total - summary.remaining if summary.total else 1)
        self._progress = (summary.done + summary.refused, summary.total)
        main = say("dayend.summary", seconds=f"{summary.seconds:.1f}", done=summary.done, refused=summary.refused,
                   remaining=summary.remaining, pending=summary.pending_at_department)
        if summary.complete:
            tail = say("dayend.complete")
        elif summary.interrupted:
            tail = say("dayend.interrupted", reason=summary.interrupted)
        else:
            tail = say("dayend.stopped")
        self._summary = lambda: f"{main()}\n{tail()}"
        self.refresh()
        self.wallet_changed.emit()

    def on_sync_failed(self, exc: Exception) -> None:
        self._ended()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.on_op_failed(exc)

    def on_op_failed(self, exc: Exception) -> None:
        self.tr_.banner.show_message(lambda: error_text(exc), "error")
