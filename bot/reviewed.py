"""Reading a reviewed data file: the one check that a file a patient's reply depends on is
approved, dated and signed by a role before anything in it is served.

Used by the help lines, the shared red-flag lists and the urgent-reply lines (the safety
rules in bot/safety/data.py check the same fields and name the entry too).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Dict, Type

import yaml


def load_reviewed(path: Path, error: Type[ValueError]) -> Dict[str, Any]:
    """The file's mapping; raises `error` naming the file when it is not approved, or has
    no reviewer role or review date."""
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    if not isinstance(raw, dict) or raw.get("status") != "approved":
        raise error(f"{path}: status must be approved to be served")
    if not raw.get("reviewed_by") or not isinstance(raw.get("reviewed_on"), dt.date):
        raise error(f"{path}: reviewed_by and reviewed_on (a date) are required")
    return raw
