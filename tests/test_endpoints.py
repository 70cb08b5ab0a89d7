"""Endpoints files: a missing or quoted ${VARIABLE} fails loudly, naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.endpoints import EndpointsError, check, variables
from bot.paths import ROOT


@pytest.mark.parametrize("name", ["endpoints.yml", "endpoints.production.yml"])
def test_project_files_use_only_declared_unquoted_variables(name: str) -> None:
    from bot.settings import SETTINGS

    path = ROOT / name
    used = variables(path)
    assert used and set(used) <= {s.name for s in SETTINGS}
    check(path, {v: "x" for v in used})  # all set: no error


def test_an_unset_variable_is_named(tmp_path: Path) -> None:
    path = tmp_path / "endpoints.yml"
    path.write_text("tracker_store:\n  type: SQL\n  db: ${BOT_TRACKER_DB}\n", encoding="utf-8")
    with pytest.raises(EndpointsError, match="BOT_TRACKER_DB is not set"):
        check(path, {})
    with pytest.raises(EndpointsError, match="BOT_TRACKER_DB"):
        check(path, {"BOT_TRACKER_DB": "  "})


def test_a_quoted_variable_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "endpoints.yml"
    path.write_text('tracker_store:\n  db: "${BOT_TRACKER_DB}"\n', encoding="utf-8")
    with pytest.raises(EndpointsError, match="quoted"):
        check(path, {"BOT_TRACKER_DB": "/tmp/x.db"})


def test_comments_do_not_count(tmp_path: Path) -> None:
    path = tmp_path / "endpoints.yml"
    path.write_text("# uses ${NOT_A_SETTING} in prose\naction_endpoint:\n  url: x\n",
                    encoding="utf-8")
    assert variables(path) == []
    check(path, {})


def test_the_stack_refuses_to_start_rasa_with_an_unset_variable(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The production endpoints without BOT_PG_HOST: a loud error naming it, no process
    started and no file named after a placeholder."""
    from bot.services import Ports, Stack

    monkeypatch.setenv("BOT_ENDPOINTS", "endpoints.production.yml")
    for name in ("BOT_PG_HOST", "BOT_PG_DB", "BOT_PG_USER", "BOT_PG_PASSWORD", "BOT_REDIS_HOST"):
        monkeypatch.delenv(name, raising=False)
    before = set(ROOT.iterdir())
    stack = Stack(ports=Ports(1, 2, 3), host="127.0.0.1", tracker_db=tmp_path / "t.db",
                  log_dir=tmp_path / "logs")
    with pytest.raises(EndpointsError, match="BOT_PG_HOST is not set"):
        stack.start()
    assert stack.processes == {}
    created = {p.name for p in set(ROOT.iterdir()) - before}
    assert not [n for n in created if "${" in n or "BOT_" in n], created
