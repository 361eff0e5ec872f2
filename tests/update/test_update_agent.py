"""The desktop program's side: the check runs off the GUI thread, says how far the download is, and tells the
operator what happened in the screen's language."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from kiosk_app.update import CheckResult, Outcome, UpdateState, choose_at_start, running_version
from tests.update.conftest import Kiosk, Repo
from ui.strings import t
from ui.updates import UpdateAgent


def agent_for(kiosk: Kiosk, repo: Repo) -> UpdateAgent:
    return UpdateAgent(kiosk.places, lambda: repo.url, kiosk.trusted_root)


def test_the_agent_downloads_in_the_background_and_says_the_update_is_ready(
    qtbot: QtBot, kiosk: Kiosk, repo: Repo
) -> None:
    repo.release("1.0.1")
    agent = agent_for(kiosk, repo)
    notices: list[str] = []
    agent.notice.connect(notices.append)
    with qtbot.waitSignal(agent.finished, timeout=30_000) as finished:
        agent.start(first_check_ms=0)
    result: CheckResult = finished.args[0]
    assert (result.outcome, result.version) == (Outcome.STAGED, "1.0.1"), result
    assert any(n == t("update.downloading", percent=100) for n in notices), notices
    assert agent.text == t("update.ready", version="1.0.1")
    assert UpdateState.load(kiosk.places).staged == "1.0.1"


def test_the_agent_says_when_a_refused_update_leaves_the_kiosk_as_it_was(
    qtbot: QtBot, kiosk: Kiosk, repo: Repo
) -> None:
    repo.release("1.0.1")
    (repo.targets / "emitra-kiosk-1.0.1.tar.gz").write_bytes(b"not the signed archive")
    agent = agent_for(kiosk, repo)
    with qtbot.waitSignal(agent.finished, timeout=30_000):
        agent.start(first_check_ms=0)
    assert agent.text == t("update.refused", version=running_version())
    assert UpdateState.load(kiosk.places).staged is None


def test_a_rolled_back_update_is_told_once(qtbot: QtBot, kiosk: Kiosk, repo: Repo) -> None:
    repo.release("1.0.1", passes=False)
    agent = agent_for(kiosk, repo)
    with qtbot.waitSignal(agent.finished, timeout=30_000):
        agent.start(first_check_ms=0)
    assert choose_at_start(kiosk.places, kiosk.installed) is None  # the self-check failed: undone

    again = agent_for(kiosk, repo)
    notices: list[str] = []
    again.notice.connect(notices.append)
    with qtbot.waitSignal(again.finished, timeout=30_000):
        again.start(first_check_ms=0)
    assert notices[0] == t("update.rolled_back", version="1.0.1")
    assert UpdateState.load(kiosk.places).rolled_back is None
