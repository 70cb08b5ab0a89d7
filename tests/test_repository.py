"""The repository itself: no build outputs or conversations in git, no module too big to
read, each topic key spelled in one code file."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from bot.paths import ROOT
from bot.vocabulary import EDUCATION_TOPICS

ARTEFACT = re.compile(r"\.(db|db-journal|db-wal|db-shm|sqlite3?|rdb|aof)$|\$\{")
MAX_LINES = 400


def _tracked() -> list:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    done = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    return done.stdout.splitlines()


def test_no_databases_dumps_or_placeholder_files_are_tracked() -> None:
    assert [f for f in _tracked() if ARTEFACT.search(f)] == []


def test_no_python_module_in_bot_or_actions_is_over_400_lines() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for folder in ("bot", "actions") for p in (ROOT / folder).rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


@pytest.mark.parametrize("topic", EDUCATION_TOPICS)
def test_each_topic_key_is_spelled_in_one_code_file(topic: str) -> None:
    quoted = re.compile(rf"[\"']{topic}[\"']")
    files = [str(p.relative_to(ROOT)) for folder in ("bot", "actions")
             for p in (ROOT / folder).rglob("*.py") if quoted.search(p.read_text(encoding="utf-8"))]
    other_meaning = {("support", "bot/evaluation.py")}  # a classification report's column
    assert [f for f in files if (topic, f) not in other_meaning] == ["bot/vocabulary.py"], files
