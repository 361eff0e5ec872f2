"""Demo mode's sign-in help: the demo kiosks' SSO IDs and passwords read from the simulated SMS outbox."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from kiosk_app.api import API_PREFIX
from kiosk_app.errors import (
    ServerFault,
    ServerUnreachable,
)
from ui.core import DEMO_ADMIN_TOKEN, Core
from ui.forms import Translated, explain
from ui.ops import Op
from ui.strings import t


@dataclass(frozen=True)
class DemoLogin:
    """One line of the demo panel: a kiosk's SSO ID (or the address an OTP went to), password, latest OTP."""

    sso_id: str
    password: str | None
    otp: str | None


PASSWORD_MESSAGE = re.compile(r"SSO Login ID: (\S+), Password: (\S+) ")
OTP_MESSAGE = re.compile(r"\b(\d{6})\b is your OTP")


def demo_logins(messages: list[dict[str, Any]]) -> list[DemoLogin]:
    """The demo logins in the gateway's messages (newest first): each SSO ID's latest issued password and OTP."""
    sso_of: dict[str, str] = {}  # mobile / e-mail → SSO ID, from the password messages
    passwords: dict[str, str] = {}
    for message in messages:
        found = PASSWORD_MESSAGE.search(str(message.get("body", "")))
        if message.get("kind") in ("first_password", "reset_password") and found:
            sso_id, password = found.groups()
            sso_of.setdefault(str(message.get("to", "")), sso_id)
            passwords.setdefault(sso_id, password)
    otps: dict[str, str] = {}
    for message in messages:
        found = OTP_MESSAGE.search(str(message.get("body", "")))
        if message.get("kind") == "otp" and found:
            to = str(message.get("to", ""))
            otps.setdefault(sso_of.get(to, to), found.group(1))
    logins = [DemoLogin(sso_id, password, otps.get(sso_id)) for sso_id, password in reversed(passwords.items())]
    return logins + [DemoLogin(to, None, otp) for to, otp in otps.items() if to not in passwords]


def read_demo_logins(server_url: str, admin_token: str = DEMO_ADMIN_TOKEN) -> list[DemoLogin]:
    """Ask the demo server's administrator endpoint for the simulated SMS gateway's messages (blocking)."""
    import requests

    try:
        response = requests.get(
            server_url + API_PREFIX + "/admin/messages",
            params={"limit": 200},
            headers={"X-Admin-Token": admin_token},
            timeout=10,
        )
    except requests.RequestException as exc:
        raise ServerUnreachable(f"The demo server at {server_url} did not answer: {exc}") from exc
    if response.status_code != 200:
        raise ServerFault(
            f"The demo server refused the messages request (HTTP {response.status_code}).", status=response.status_code
        )
    try:
        return demo_logins(list(response.json()["messages"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ServerFault("The demo server's messages could not be read.") from exc


class DemoPanel(QFrame):
    """Demo mode only: the demo kiosks' SSO IDs, first passwords and latest OTPs, where the demo user sees them.

    Read off the GUI thread each time the login shows, and on Refresh.
    """

    def __init__(self, core: Core) -> None:
        super().__init__()
        self.core = core
        self.setObjectName("demo_panel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#demo_panel { background: #fff8e1; }")
        self.tr_ = Translated(self)
        title = QLabel()
        title.setStyleSheet("font-weight: bold;")
        self.tr_.text(title.setText, "demo.title")
        note = QLabel()
        note.setWordWrap(True)
        self.tr_.text(note.setText, "demo.note")
        self.logins_label = QLabel()
        self.logins_label.setObjectName("demo_logins")
        self.logins_label.setWordWrap(True)
        self.logins_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.refresh_button = QPushButton()
        self.refresh_button.setObjectName("demo_refresh")
        self.refresh_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # not in the login's Tab order
        self.tr_.text(self.refresh_button.setText, "demo.refresh")
        self.refresh_button.clicked.connect(self.refresh)
        header = QHBoxLayout()
        header.addWidget(title)
        header.addStretch()
        header.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(note)
        layout.addWidget(self.logins_label)
        self.logins: list[DemoLogin] | None = None
        self.error: Exception | None = None
        self.tr_.dynamic(self.show_logins)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        if not self.refresh_button.isEnabled():
            return  # a read is already on its way
        url = self.core.demo_server_url  # straight to the demo server, even while training cuts the line
        (
            Op(self, lambda: read_demo_logins(url))
            .busy(self.refresh_button)
            .success(self.on_logins_read)
            .failure(self.on_read_failed)
            .run()
        )

    def on_logins_read(self, logins: list[DemoLogin]) -> None:
        self.logins, self.error = logins, None
        self.show_logins()

    def on_read_failed(self, exc: Exception) -> None:
        self.error = exc
        self.show_logins()

    def show_logins(self) -> None:
        if self.error is not None:
            self.logins_label.setText(t("demo.failed", error=explain(self.error)()))
        elif self.logins is None:
            self.logins_label.setText(t("demo.loading"))
        elif not self.logins:
            self.logins_label.setText(t("demo.empty"))
        else:
            self.logins_label.setText(
                "\n".join(
                    t("demo.row", sso_id=login.sso_id, password=login.password, otp=login.otp or "—")
                    if login.password is not None
                    else t("demo.otp_row", to=login.sso_id, otp=login.otp or "—")
                    for login in self.logins
                )
            )


# -- Login -------------------------------------------------------------------------------------------------
