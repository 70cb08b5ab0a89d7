"""One settings module: every BOT_* variable is declared once, documented, and read there.

Unit tests, no model: they parse the README, .env.example and the code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.paths import ROOT
from bot.settings import SETTINGS, markdown_table, region_key, settings

NAMES = {s.name for s in SETTINGS}


def test_names_are_unique_and_documented() -> None:
    assert len(NAMES) == len(SETTINGS)
    assert all(s.meaning.strip() for s in SETTINGS)


def test_readme_table_lists_exactly_the_settings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = set(re.findall(r"^\| `(BOT_[A-Z_]+)` \|", readme, flags=re.MULTILINE))
    assert table == NAMES, f"missing: {sorted(NAMES - table)}; unknown: {sorted(table - NAMES)}"
    assert markdown_table() in readme, "README's table differs: paste `python -m bot.settings`"


def test_env_example_lists_exactly_the_settings() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^# (BOT_[A-Z_]+)=", text, flags=re.MULTILINE))
    assert listed == NAMES


@pytest.mark.parametrize("path", sorted(p for folder in ("bot", "actions")
                                        for p in (ROOT / folder).rglob("*.py")
                                        if p.name != "settings.py"),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_reads_bot_settings_from_the_environment(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    reads = re.findall(r"(?:os\.environ(?:\.get)?|os\.getenv)\s*[\[(]\s*[\"'](BOT_[A-Z_]+)", source)
    assert reads == [], f"{path.name} reads {reads}: use bot.settings.settings()"
    named = set(re.findall(r"[\"'](BOT_[A-Z_]+)[\"']", source))
    assert named <= NAMES, f"{path.name} names undeclared settings {sorted(named - NAMES)}"


@pytest.mark.parametrize("value,region", [("uk", "UK"), ("GB", "UK"), (" au ", "AU"),
                                          ("", "international"), ("mars", "international"),
                                          ("International", "international")])
def test_region_values(value: str, region: str) -> None:
    assert region_key(value) == region


def test_settings_follow_the_environment_given() -> None:
    current = settings({"BOT_REGION": "ie", "BOT_ALLOWED_ORIGINS": "https://a.org, https://b.org"})
    assert current.region == "IE"
    assert current.allowed_origins == ("https://a.org", "https://b.org")
    assert settings({}).region == "international" and settings({}).api_token is None
