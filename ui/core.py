"""The core objects the screens hand to background ops (account, preferences, printer access) — no widgets.

This is also where the seams for use-cases that kiosk_app does not offer yet live, each marked "seam":
the screens call these functions, and when kiosk_app grows the use-case the function body becomes one call.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import urlsplit

from keyring.backend import KeyringBackend

from kiosk_app.api import ApiClient
from kiosk_app.auth import KioskAccount
from kiosk_app.session import LocalSettings, TokenStore
from printing.connections import FoundUsbPrinter, PrinterAddress, connect, discover_usb_printers
from printing.errors import PrinterProblem
from printing.receipt import HelpDesk
from printing.thermal import Paper
from ui.settings import Preferences, PreferencesFile, usb_text

if TYPE_CHECKING:
    # The client core (SQLite, sqlite-utils, the use-cases) and the receipt spool load on first use, after the
    # login window is up: they are a third of the imports the login window would otherwise wait for.
    from kiosk_app.core import KioskCore
    from kiosk_app.demo_network import DemoRelay
    from printing.spool_runner import PrintResult, ReceiptPrinting

log = logging.getLogger("emitra.ui")

# The help desk of the portal circular. kiosk_app.config.DEFAULT_HELP_DESK (being added) holds the same
# contacts; use it from here once it is committed, so receipts and screens cannot disagree.
HELP_DESK = HelpDesk(phones=("0141-2220000", "1800-180-6127"), email="helpdesk.emitra@rajasthan.gov.in")

# `python -m ui --demo` (the demo server's stock administrator token; used in demo mode only, to show the
# simulated SMS gateway's passwords and OTPs on the login window).
DEMO_ADMIN_TOKEN = "demo-admin-token-change-me"
VIRTUAL_PRINTER_FOLDER = "virtual-printer"
_demo_mode = False
_demo_network: DemoRelay | None = None


def enable_demo_mode(network: DemoRelay | None = None) -> None:
    """Every Core opened from now on is a demo kiosk (`python -m ui --demo`), reaching the server through
    `network` (the training relay) when there is one."""
    global _demo_mode, _demo_network
    _demo_mode = True
    _demo_network = network


def start_demo_network(server_url: str | None, config_dir: Path | None) -> DemoRelay | None:
    """`python -m ui --demo`: the training relay to the demo server (the saved address when none is given).

    It listens on the server's port + 1 when that is free (the same kiosk address on every run), else on any
    free port. None for a server it cannot relay (https): the demo then runs without the network switch.
    """
    from kiosk_app.demo_network import DemoRelay
    from kiosk_app.errors import ConfigurationError

    upstream = server_url or PreferencesFile(config_dir).load().server_url
    try:
        port = urlsplit(upstream).port
    except ValueError:
        port = None
    for candidate in dict.fromkeys((port + 1 if port and port < 65535 else 0, 0)):
        try:
            return DemoRelay(upstream, port=candidate).start()
        except ConfigurationError as exc:
            log.info("demo: no network switch: %s", exc)
            return None
        except OSError as exc:
            log.info("demo: the network relay cannot listen on port %s: %s", candidate, exc)
    return None


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
    demo: bool = False
    demo_network: DemoRelay | None = None  # the training relay the demo kiosk reaches its server through
    _kiosk: KioskCore | None = field(default=None, init=False, repr=False)
    _kiosk_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def open(
        cls,
        *,
        config_dir: Path | None = None,
        server_url: str | None = None,
        keyring_backend: KeyringBackend | None = None,
        usb_backend: Any = None,
        demo: bool | None = None,
        demo_network: DemoRelay | None = None,
    ) -> Core:
        """Read the settings and make the account; raises ConfigurationError / KeyringUnavailable (operator's).

        A demo kiosk without a printer setting prints to a USB printer found now, else to the virtual printer.
        `demo_network` (default: the one given to enable_demo_mode) is the relay in front of the demo server.
        """
        preferences_file = PreferencesFile(config_dir)
        preferences = preferences_file.load()
        local = LocalSettings(config_dir)
        url = server_url or preferences.server_url
        account = _make_account(url, local, keyring_backend)
        demo = _demo_mode if demo is None else demo
        network = demo_network if demo_network is not None else _demo_network if demo else None
        core = cls(
            config_dir,
            preferences_file,
            preferences,
            local,
            account,
            keyring_backend,
            usb_backend,
            demo=demo,
            demo_network=network,
        )
        if demo and preferences.printer_address is None:
            core.preferences = demo_printer(preferences, core.virtual_printer_folder, usb_backend)
        return core

    @property
    def virtual_printer_folder(self) -> Path:
        """Where the virtual printer keeps its .bin jobs: next to the settings file."""
        return self.database_path.parent / VIRTUAL_PRINTER_FOLDER

    @property
    def server_url(self) -> str:
        return self.account.api.base_url

    @property
    def training_network(self) -> DemoRelay | None:
        """The demo relay when the kiosk talks to its server through it (not after Settings chose another)."""
        network = self.demo_network
        return network if network is not None and self.server_url == network.url else None

    @property
    def demo_server_url(self) -> str:
        """Where the demo server's administrator endpoints answer: straight, never through the training relay."""
        network = self.training_network
        return network.upstream_url if network is not None else self.server_url

    def save_preferences(self, preferences: Preferences) -> None:
        self.preferences_file.save(preferences)
        self.preferences = preferences

    def use_server(self, url: str) -> None:
        """Point the account at another server (signed out); raises ConfigurationError for a bad address."""
        if url.rstrip("/") == self.server_url:
            return
        account = _make_account(url, self.local, self.keyring_backend)
        self.close_kiosk()
        self.account.api.close()
        self.account = account

    @property
    def database_path(self) -> Path:
        """The kiosk's local database (catalog cache, outbox, receipt spool): next to the settings file."""
        if self.config_dir is not None:
            return self.config_dir / "kiosk.sqlite3"
        from kiosk_app.config import KioskConfig  # offline_cache's SQLite code: after the login window

        return KioskConfig.from_env().database_path

    def kiosk(self) -> KioskCore:
        """The client core (catalog, payments, day-end sync, events), opened on first use.

        Opening touches SQLite (on kiosk_app's database worker, but the caller waits): call it from an op.
        It shares the account's API client, so it works with the session of whoever is signed in.
        """
        from kiosk_app.config import KioskConfig
        from kiosk_app.core import KioskCore

        with self._kiosk_lock:
            if self._kiosk is None:
                config = KioskConfig.from_env(server_url=self.server_url, database=str(self.database_path))
                self._kiosk = KioskCore(
                    config,
                    api=self.account.api,
                    help_desk=self.help_desk,
                    settings=self.local,
                    operator=self.account.operator,
                    receipt_key=self.account.receipt_key,
                )
            return self._kiosk

    @property
    def kiosk_if_open(self) -> KioskCore | None:
        """The client core when an op has opened it already (safe on the GUI thread: touches nothing)."""
        return self._kiosk

    def receipt_desk(self, kiosk: KioskCore) -> SpoolDesk:
        return SpoolDesk(kiosk, self.preferences.printer_address, self.preferences.paper_roll, self.usb_backend)

    def close_kiosk(self) -> None:
        with self._kiosk_lock:
            kiosk, self._kiosk = self._kiosk, None
        if kiosk is not None:
            kiosk.connectivity.stop()
            kiosk.worker.call(kiosk.store.close)
            kiosk.worker.close()  # its API client is the account's: closed below, not here

    def close(self) -> None:
        self.close_kiosk()
        self.account.api.close()


def _make_account(url: str, local: LocalSettings, keyring_backend: KeyringBackend | None) -> KioskAccount:
    api = ApiClient(url, machine_id=local.machine_id)
    return KioskAccount(api, TokenStore(api.base_url, keyring_backend), local)


def check_server_url(url: str) -> str:
    """The address as the client will use it; raises ConfigurationError (with Hindi) when it is not acceptable."""
    api = ApiClient(url, machine_id="check")
    api.close()
    return api.base_url


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

    @property
    def money_changed(self) -> Any: ...


# -- printers --------------------------------------------------------------------------------------------


class ReceiptDesk(Protocol):
    """What the receipt window needs to print (printing.spool_runner.ReceiptPrinting is one)."""

    @property
    def printer_set(self) -> bool: ...

    def print_spooled(self, spool_id: int) -> PrintResult: ...

    def reprint(self, spool_id: int) -> PrintResult: ...

    def answer(self, spool_id: int, *, printed: bool) -> None: ...


class SpoolDesk:
    """The receipt desk over the kiosk's receipt spool: each print runs on kiosk_app's database worker, since the
    spool is SQLite (the printer I/O waits there too, which keeps a receipt's print and its record in order)."""

    def __init__(self, kiosk: KioskCore, address: PrinterAddress | None, paper: Paper, usb_backend: Any = None) -> None:
        self.kiosk = kiosk
        self.address = address
        self.paper = paper
        self.usb_backend = usb_backend

    @property
    def printer_set(self) -> bool:
        return self.address is not None

    def _printing(self) -> ReceiptPrinting:
        from printing.spool_runner import ReceiptPrinting

        address, paper, backend = self.address, self.paper, self.usb_backend
        assert address is not None
        return ReceiptPrinting(self.kiosk.store.spool, lambda: connect(address, paper, usb_backend=backend), paper)

    def print_spooled(self, spool_id: int) -> PrintResult:
        from printing.spool_runner import PrintOutcome, PrintResult

        if self.address is None:
            return PrintResult(PrintOutcome.FAILED, spool_id, PrinterNotSet())
        return self.kiosk.worker.call(lambda: self._printing().print_spooled(spool_id))

    def reprint(self, spool_id: int) -> PrintResult:
        from printing.spool_runner import PrintOutcome, PrintResult

        if self.address is None:
            return PrintResult(PrintOutcome.FAILED, spool_id, PrinterNotSet())
        return self.kiosk.worker.call(lambda: self._printing().reprint(spool_id))

    def answer(self, spool_id: int, *, printed: bool) -> None:
        """The operator's answer to "Did it print?" (a printer that cannot tell), kept in the spool."""
        self.kiosk.worker.call(lambda: self._printing().answer(spool_id, printed=printed))


class PrinterNotSet(PrinterProblem):
    """No printer chosen in the settings yet: the receipt stays in the spool."""

    code = "not_set"


def demo_printer(preferences: Preferences, folder: Path, usb_backend: Any = None) -> Preferences:
    """The demo's printer (not saved): the first USB printer attached, or the virtual printer in `folder`."""
    try:
        found = discover_usb_printers(backend=usb_backend)
    except (PrinterProblem, OSError) as exc:  # no libusb, no access: the virtual printer still works
        log.info("demo: no USB printer search (%s)", exc)
        found = []
    if found:
        log.info("demo: printing to %s", found[0].describe())
        return replace(preferences, printer_kind="usb", printer_usb=usb_text(found[0].address))
    log.info("demo: no USB printer attached; receipts go to the virtual printer in %s", folder)
    return replace(preferences, printer_kind="virtual", printer_virtual_folder=str(folder))


def find_usb_printers(usb_backend: Any = None) -> list[FoundUsbPrinter]:
    """USB printers on this PC (raises UsbBackendMissing, a PrinterProblem, without libusb)."""
    return discover_usb_printers(backend=usb_backend)


def print_check_page(address: PrinterAddress, paper: Paper, usb_backend: Any = None) -> PrintResult:
    """Print the check page on a worker thread; a printer problem comes back inside the result."""
    from printing.spool_runner import ReceiptPrinting

    # ReceiptPrinting.test_print never touches the spool: the check page is not a receipt to keep.
    desk = ReceiptPrinting(cast(Any, None), lambda: connect(address, paper, usb_backend=usb_backend), paper)
    return desk.test_print()
