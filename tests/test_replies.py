"""Every vetted answer, rendered as a patient reads it: sources, review line, no unfilled
placeholder, the contract's notice exactly once and last. Unit tests over the real files."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.content.loader import read_content_dir
from bot.content.lookup import ServedAnswer
from bot.paths import CONTENT_DIR, ROOT
from bot.replies import from_answer, render
from bot.settings import REGIONS
from tests.contract import NOTICE

ENTRIES = [e for e in read_content_dir(CONTENT_DIR) if e.status == "approved"]


def served(entry) -> ServedAnswer:
    return ServedAnswer(id=entry.id, topic=entry.topic, site=entry.site,
                        cancer_type=entry.cancer_type, text=entry.text, sources=entry.sources,
                        follow_ups=entry.follow_ups, reviewed_by=entry.reviewed_by,
                        reviewed_on=entry.reviewed_on, version=entry.version)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_each_answer_cites_its_sources_and_ends_with_the_notice_once(entry) -> None:
    text = render(from_answer(served(entry), entry.topic, entry.site, entry.cancer_type))
    assert text.endswith(NOTICE) and text.count(NOTICE) == 1
    assert "**Sources:**" in text and "](https://" in text
    assert f"(version {entry.version}, approved)" in text


@pytest.mark.parametrize("region", REGIONS)
def test_no_placeholder_is_left_unfilled_in_any_region(region: str) -> None:
    for entry in ENTRIES:
        text = render(from_answer(served(entry), entry.topic, None, None), region)
        assert "{{" not in text and "}}" not in text, entry.id


def test_bot_notice_replaces_the_wording_everywhere() -> None:
    """BOT_NOTICE is read once by bot.settings; a fresh process shows it on a reply."""
    code = ("from bot.replies import Reply, render; "
            "print(render(Reply('Hello.', None)))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "BOT_NOTICE": "Custom notice, from a clinic."},
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("Custom notice, from a clinic.")
    assert NOTICE not in done.stdout
