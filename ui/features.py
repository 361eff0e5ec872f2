"""The menu entries that have a screen: registered in the main window's FEATURE_PAGES seam.

The pages' modules (and what they pull in: the receipt preview's decoder, QR codes) load when a page is first
opened or when `preload` runs after sign-in, not at start-up: the login window comes up sooner.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from ui.core import Core
from ui.main_window import FEATURE_PAGES, Feature

PAGES: dict[Feature, tuple[str, str]] = {
    Feature.AVAIL_SERVICE: ("ui.avail_service", "AvailServicePage"),
    Feature.DAY_END: ("ui.day_end", "DayEndPage"),
    Feature.REFILL: ("ui.refill", "RefillPage"),
    Feature.FUND_PAYOUT: ("ui.fund_payout", "FundPayoutPage"),
    Feature.STATEMENT: ("ui.statement", "StatementPage"),
    Feature.RECONCILE: ("ui.reconcile", "ReconcilePage"),
    Feature.REPRINT: ("ui.reprint", "ReprintPage"),
}


def page_factory(module: str, name: str) -> Callable[[Core], QWidget]:
    def make(core: Core) -> QWidget:
        page_class: Callable[[Core], QWidget] = getattr(importlib.import_module(module), name)
        return page_class(core)

    make.__qualname__ = make.__name__ = name
    return make


def install() -> None:
    for feature, (module, name) in PAGES.items():
        FEATURE_PAGES[feature] = page_factory(module, name)


def preload() -> None:
    """Import every page's module now (on the GUI thread, while the operator reads the home page)."""
    for module in sorted({module for module, _name in PAGES.values()}):
        importlib.import_module(module)
