"""Placeholders in content text, filled at reply time: help lines and shared red-flag lists.

Why: a phone number depends on where the reader is (`BOT_REGION`), and the red-flag list
must be the same in every answer that shows it. So entries write `{{emergency_number}}`
or `{{red_flags.urgent}}` and this module fills them in, from data/helplines.yml and
data/safety/red_flags.yml. The content loader refuses an entry with an unknown name.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

from bot.helplines import Helplines, for_region
from bot.paths import SAFETY_DIR
from bot.reviewed import load_reviewed

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_.]+)\s*\}\}")
RED_FLAGS = SAFETY_DIR / "red_flags.yml"

#: Inline help-line fields (text inside a sentence).
HELPLINE_FIELDS = ("emergency_number", "urgent_line", "urgent_fallback")
#: Block placeholders: they stand on a line of their own and become a markdown list.
BLOCKS = ("crisis_lines",)


class PlaceholderError(ValueError):
    """A red-flag list file breaks a rule; the message names the file and the list."""


@lru_cache(maxsize=None)
def red_flag_lists(path: Path = RED_FLAGS) -> Dict[str, Tuple[str, ...]]:
    """The shared lists (`urgent`, `soon`, ...), validated: approved, reviewed, sourced."""
    raw = load_reviewed(path, PlaceholderError)
    lists: Dict[str, Tuple[str, ...]] = {}
    for name, body in (raw.get("lists") or {}).items():
        items = (body or {}).get("items") or []
        if not items or not all(isinstance(i, str) and i.strip() for i in items):
            raise PlaceholderError(f"{path}: list {name}: needs items (plain strings)")
        if not (body or {}).get("sources"):
            raise PlaceholderError(f"{path}: list {name}: needs at least one source")
        lists[name] = tuple(i.strip() for i in items)
    return lists


def known_names() -> List[str]:
    """Every placeholder name an entry may use."""
    return list(HELPLINE_FIELDS) + list(BLOCKS) + [f"red_flags.{n}" for n in red_flag_lists()]


def unknown_names(text: str) -> List[str]:
    """Placeholder names in `text` that nothing fills (the loader refuses them)."""
    known = set(known_names())
    return [m.group(1) for m in PLACEHOLDER.finditer(text) if m.group(1) not in known]


def _bullets(items: Tuple[str, ...]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _value(name: str, lines: Helplines) -> str:
    if name in HELPLINE_FIELDS:
        return str(getattr(lines, name))
    if name == "crisis_lines":
        return _bullets(lines.crisis_lines)
    if name.startswith("red_flags."):
        return _bullets(red_flag_lists()[name.split(".", 1)[1]])
    raise KeyError(name)


def expand(text: str, region: str) -> str:
    """`text` with every placeholder filled for `region`."""
    if "{{" not in text:
        return text
    lines = for_region(region)
    return PLACEHOLDER.sub(lambda m: _value(m.group(1), lines), text)
