"""Where the session lives: the token in the OS keyring (never a file we write), the last SSO ID in settings."""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
import platformdirs
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail
from keyring.util import platform_ as keyring_platform

from kiosk_app.errors import KeyringUnavailable

log = logging.getLogger("emitra.session")

APP_NAME = "emitra-kiosk"
KEYRING_SERVICE = "emitra-kiosk-session"
KEYRING_SYNC_SERVICE = "emitra-kiosk-sync-key"  # the PC's day-end sync key (see docs/SECURITY.md)
BACKEND_HELP = (
    "No usable OS keyring was found to keep the session token. On Windows the Credential Manager is used; on "
    "Linux install and unlock a Secret Service keyring (GNOME Keyring / KWallet), or choose a backend "
    "explicitly with the environment variable PYTHON_KEYRING_BACKEND, for example "
    "PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring (from the keyrings.alt package)."
)


def backend_name(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _explicitly_chosen() -> bool:
    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        return True
    return (Path(keyring_platform.config_root()) / "keyringrc.cfg").exists()


def resolve_backend() -> KeyringBackend:
    """The keyring backend to use, refusing none and refusing a weak one nobody chose.

    keyring picks the best backend it finds; a plain-file backend (priority < 1) is used only when it was
    chosen explicitly (PYTHON_KEYRING_BACKEND or keyringrc.cfg), never as a silent fallback.
    """
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or (isinstance(backend, chainer.ChainerBackend) and not backend.backends):
        raise KeyringUnavailable(BACKEND_HELP)
    if not keyring.core.recommended(backend) and not _explicitly_chosen():
        raise KeyringUnavailable(
            f"Only the keyring backend {backend_name(backend)} (not recommended: priority "
            f"{backend.priority}) was found, and it was not chosen explicitly. " + BACKEND_HELP
        )
    log.info("session token kept in keyring backend %s", backend_name(backend))
    return backend


class TokenStore:
    """The session token for one server, in the keyring (or, with `service=KEYRING_SYNC_SERVICE`, its sync key)."""

    def __init__(
        self, server_url: str, backend: KeyringBackend | None = None, *, service: str = KEYRING_SERVICE
    ) -> None:
        self.server_url = server_url.rstrip("/")
        self.backend = backend if backend is not None else resolve_backend()
        self.service = service

    def sync_keys(self) -> TokenStore:
        """The same keyring's slot for this PC's day-end sync key, which outlives the operator's session."""
        return TokenStore(self.server_url, self.backend, service=KEYRING_SYNC_SERVICE)

    @property
    def backend_name(self) -> str:
        return backend_name(self.backend)

    def save(self, token: str) -> None:
        try:
            self.backend.set_password(self.service, self.server_url, token)
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(f"the keyring {self.backend_name} refused to store the token: {exc}") from exc

    def load(self) -> str | None:
        try:
            return self.backend.get_password(self.service, self.server_url)
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(f"the keyring {self.backend_name} could not be read: {exc}") from exc

    def clear(self) -> None:
        try:
            self.backend.delete_password(self.service, self.server_url)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(f"the keyring {self.backend_name} could not forget the token: {exc}") from exc


class SignedInOperator:
    """Who is signed in at this PC now (their SSO ID): every receipt and report printed says so. Set at sign-in
    and when a kept session resumes, forgotten with the session; held in memory only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sso_id = ""

    @property
    def sso_id(self) -> str:
        """The SSO ID signed in, "" when nobody is."""
        with self._lock:
            return self._sso_id

    def signed_in(self, sso_id: str) -> None:
        with self._lock:
            self._sso_id = sso_id.strip()

    def signed_out(self) -> None:
        with self._lock:
            self._sso_id = ""


class LocalSettings:
    """A small JSON file of harmless facts: the remembered SSO ID and this PC's machine id. Never a secret."""

    FILE_NAME = "session.json"

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or platformdirs.user_config_path(APP_NAME, appauthor=False)
        self.path = self.directory / self.FILE_NAME

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(self.path)

    @property
    def remembered_sso_id(self) -> str | None:
        value = self._read().get("remembered_sso_id")
        return value if isinstance(value, str) and value else None

    def remember_sso_id(self, sso_id: str | None) -> None:
        data = self._read()
        if sso_id:
            data["remembered_sso_id"] = sso_id
        else:
            data.pop("remembered_sso_id", None)
        self._write(data)

    @property
    def machine_id(self) -> str:
        """A random id for this kiosk PC, made once; the server's audit log records it."""
        data = self._read()
        value = data.get("machine_id")
        if not isinstance(value, str) or not value:
            value = uuid.uuid4().hex
            data["machine_id"] = value
            self._write(data)
        return value
