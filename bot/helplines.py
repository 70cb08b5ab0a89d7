"""Help lines by region, from data/helplines.yml: the one place a phone number lives.

Why a data file: the numbers are safety content a reviewer must read and sign off, and a
clinic outside the US must not be told to call 911. `BOT_REGION` picks the region.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Tuple

from bot.paths import HELPLINES
from bot.reviewed import load_reviewed
from bot.settings import REGIONS

_FIELDS = ("name", "emergency_number", "urgent_line", "urgent_fallback", "banner")


class HelplineError(ValueError):
    """data/helplines.yml breaks a rule; the message names the file and the region."""


@dataclass(frozen=True)
class Helplines:
    """What to call in one region."""

    region: str
    name: str
    emergency_number: str
    urgent_line: str
    urgent_fallback: str
    crisis_lines: Tuple[str, ...]
    banner: str
    sources: Tuple[Tuple[str, str], ...]  # (title, url)


def _region(path: Path, key: str, raw: Any) -> Helplines:
    if not isinstance(raw, dict):
        raise HelplineError(f"{path}: region {key}: expected a mapping")
    missing = [f for f in _FIELDS + ("crisis_lines", "sources") if not raw.get(f)]
    if missing:
        raise HelplineError(f"{path}: region {key}: missing {', '.join(missing)}")
    sources = []
    for source in raw["sources"]:
        url = str(source.get("url", ""))
        if not source.get("title") or not url.startswith("https://"):
            raise HelplineError(f"{path}: region {key}: each source needs a title and an https url")
        sources.append((str(source["title"]), url))
    text = {f: str(raw[f]).strip() for f in _FIELDS}
    return Helplines(region=key, name=text["name"], emergency_number=text["emergency_number"],
                     urgent_line=text["urgent_line"], urgent_fallback=text["urgent_fallback"],
                     crisis_lines=tuple(str(line).strip() for line in raw["crisis_lines"]),
                     banner=text["banner"], sources=tuple(sources))


def load(path: Path = HELPLINES) -> Dict[str, Helplines]:
    """Every region of the file, validated; refuses an unapproved or incomplete file."""
    raw = load_reviewed(path, HelplineError)
    regions = raw.get("regions") or {}
    missing = [r for r in REGIONS if r not in regions]
    if missing:
        raise HelplineError(f"{path}: regions missing: {', '.join(missing)}")
    return {key: _region(path, key, value) for key, value in regions.items()}


@lru_cache(maxsize=None)
def _cached() -> Dict[str, Helplines]:
    return load()


def for_region(region: str) -> Helplines:
    """The help lines of `region` (a key from bot.settings.REGIONS)."""
    table = _cached()
    return table.get(region, table["international"])
