"""The core objects the screens hand to background ops (account, preferences, printer access) — no widgets.

This is also where the seams for use-cases that kiosk_app does not offer yet live, each marked "seam":
the screens call these functions, and when kiosk_app grows the use-case the function body becomes one call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

from keyring.backend import KeyringBackend

from kiosk_app.api import ApiClient
from kiosk_app.auth import KioskAccount
from kiosk_app.session import LocalSettings, TokenStore
from printing.connections import FoundUsbPrinter, PrinterAddress, connect, discover_usb_printers
from printing.receipt import HelpDesk
from printing.spool_runner import PrintResult, ReceiptPrinting
from printing.thermal import Paper
from ui.settings import Preferences, PreferencesFile

log = logging.getLogger("emitra.ui")

# The help desk of the portal circular. kiosk_app.config.DEFAULT_HELP_DESK (being added) holds the same
# contacts; use it from here once it is committed, so receipts and screens cannot disagree.
HELP_DESK = HelpDesk(phones=("0141-2220000", "1800-180-6127"), email="helpdesk.emitra@rajasthan.gov.in")


@dataclass
class Core:
    """One kiosk PC's objects: its settings files, the account on the configured server, the printer access."""

    config_dir: Path | None
    preferences_file: PreferencesFile
    preferences: Preferences
    local: LocalSettings
    account: KioskAccount
    keyring_backend: KeyringBackend | None = None
    usb_backend: Any = None  # a pyusb backend; None = libusb (tests pass a simulated bus)
    help_desk: HelpDesk = field(default=HELP_DESK)

    @classmethod
    def open(cls, *, config_dir: Path | None = None, server_url: str | None = None,
             keyring_backend: KeyringBackend | None = None, usb_backend: Any = None) -> Core:
        """Read the settings and make the account; raises ConfigurationError / KeyringUnavailable (operator's)."""
        preferences_file = PreferencesFile(config_dir)
        preferences = preferences_file.load()
        local = LocalSettings(config_dir)
        url = server_url or preferences.server_url
        account = _make_account(url, local, keyring_backend)
        return cls(config_dir, preferences_file, preferences, local, account, keyring_backend, usb_backend)

    @property
    def server_url(self) -> str:
        return self.account.api.base_url

    def save_preferences(self, preferences: Preferences) -> None:
        self.preferences_file.save(preferences)
        self.preferences = preferences

    def use_server(self, url: str) -> None:
        """Point the account at another server (signed out); raises ConfigurationError for a bad address."""
        if url.rstrip("/") == self.server_url:
            return
        account = _make_account(url, self.local, self.keyring_backend)
        self.account.api.close()
        self.account = account

    def close(self) -> None:
        self.account.api.close()


def _make_account(url: str, local: LocalSettings, keyring_backend: KeyringBackend | None) -> KioskAccount:
    api = ApiClient(url, machine_id=local.machine_id)
    return KioskAccount(api, TokenStore(api.base_url, keyring_backend), local)


def check_server_url(url: str) -> str:
    """The address as the client will use it; raises ConfigurationError (with Hindi) when it is not acceptable."""
    api = ApiClient(url, machine_id="check")
    api.close()
    return api.base_url


# -- wallet (seam) ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WalletBalance:
    """What the status bar and the home page show; amounts in integer paise."""

    wallet_balance_paise: int
    credit_limit_paise: int
    credit_used_paise: int
    spendable_paise: int


def read_balance(account: KioskAccount) -> WalletBalance:
    """Seam: the spendable balance. Replace the body with kiosk_app's wallet use-case when it exists
    (expected: `Wallet(api).balance() -> WalletBalance`-like value); until then the one documented GET."""
    body = account.api.get("/wallet/balance")
    return WalletBalance(int(body["wallet_balance_paise"]), int(body["credit_limit_paise"]),
                         int(body["credit_used_paise"]), int(body["spendable_paise"]))


def server_reachable(api: ApiClient) -> bool:
    """Seam: one health check (kiosk_app.connectivity takes over with its own thread and back-off)."""
    try:
        api.get("/health", auth=False)
    except Exception as exc:  # any failure to answer means offline for the status bar
        log.info("health check failed: %s", exc)
        return False
    return True


class KioskObservers(Protocol):
    """Seam: what the status bar listens to once kiosk_app's events land (kiosk_app.events.KioskEvents):
    `online_changed`, `queue_changed` with `.connect(callback) -> disconnect`. Callbacks may come from any thread;
    ui.main_window.StatusFeed re-posts them to the GUI thread."""

    @property
    def online_changed(self) -> Any: ...

    @property
    def queue_changed(self) -> Any: ...


# -- printers --------------------------------------------------------------------------------------------


class ReceiptDesk(Protocol):
    """What the receipt window needs to print (printing.spool_runner.ReceiptPrinting is one)."""

    def print_spooled(self, spool_id: int) -> PrintResult: ...

    def reprint(self, spool_id: int) -> PrintResult: ...


def find_usb_printers(usb_backend: Any = None) -> list[FoundUsbPrinter]:
    """USB printers on this PC (raises UsbBackendMissing, a PrinterProblem, without libusb)."""
    return discover_usb_printers(backend=usb_backend)


def print_check_page(address: PrinterAddress, paper: Paper, usb_backend: Any = None) -> PrintResult:
    """Print the check page on a worker thread; a printer problem comes back inside the result."""
    # ReceiptPrinting.test_print never touches the spool: the check page is not a receipt to keep.
    desk = ReceiptPrinting(cast(Any, None), lambda: connect(address, paper, usb_backend=usb_backend), paper)
    return desk.test_print()
