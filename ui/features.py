"""The menu entries that have a screen: registered in the main window's FEATURE_PAGES seam."""

from __future__ import annotations

from ui.avail_service import AvailServicePage
from ui.day_end import DayEndPage
from ui.main_window import FEATURE_PAGES, Feature
from ui.reconcile import ReconcilePage
from ui.wallet_pages import FundPayoutPage, RefillPage, StatementPage


def install() -> None:
    FEATURE_PAGES[Feature.AVAIL_SERVICE] = AvailServicePage
    FEATURE_PAGES[Feature.DAY_END] = DayEndPage
    FEATURE_PAGES[Feature.REFILL] = RefillPage
    FEATURE_PAGES[Feature.FUND_PAYOUT] = FundPayoutPage
    FEATURE_PAGES[Feature.STATEMENT] = StatementPage
    FEATURE_PAGES[Feature.RECONCILE] = ReconcilePage
