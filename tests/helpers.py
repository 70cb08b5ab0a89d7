"""Talking to the real assistant over HTTP, as the shared evaluator does."""

from __future__ import annotations

import csv
import uuid
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Tuple

import requests

from bot.paths import SAFETY_DIR
from tests.contract import NOTICE

TIMEOUT = 60
REDTEAM = Path(__file__).parent / "redteam"
#: The labelled safety messages (urgent and calm) live with the safety data: the rules are
#: tested on them and the second net learns from them (bot/safety/examples.py).
SAFETY_MESSAGES = SAFETY_DIR / "messages"


def _table(name: str) -> Path:
    """A table by file name: the safety messages, else tests/redteam/ (advice_scope.tsv)."""
    path = SAFETY_MESSAGES / name
    return path if path.exists() else REDTEAM / name


def new_sender(prefix: str = "test") -> str:
    """A fresh conversation id, so no test inherits another's context."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def redteam_rows(name: str) -> List[Tuple[str, str]]:
    """Rows of a table (data/safety/messages/ or tests/redteam/) as (message, expected topic)."""
    with open(_table(name), newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(row["message"], row["expect"]) for row in reader]


class RedTeamRow(NamedTuple):
    """One row of a red-team table. `conditions`: the condition keys an urgent row may be
    flagged as (empty: not checked); `who`: "self", "other" (a carer writing about someone
    else) or "" (not checked)."""

    message: str
    expect: str
    conditions: Tuple[str, ...] = ()
    who: str = ""


def redteam_table(name: str) -> List[RedTeamRow]:
    """Every column of a table; the `condition` and `who` columns are optional."""
    with open(_table(name), newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [RedTeamRow(row["message"], row["expect"],
                           tuple(c for c in (row.get("condition") or "").split("|") if c),
                           row.get("who") or "")
                for row in reader]


def chat(server: Any, sender: str, text: str) -> List[Dict[str, Any]]:
    """Send one message on the REST channel; return the bot's messages for that turn."""
    response = requests.post(f"{server.url}/webhooks/rest/webhook",
                             json={"sender": sender, "message": text}, timeout=TIMEOUT)
    response.raise_for_status()
    return response.json() or []


def slots(server: Any, sender: str) -> Dict[str, Any]:
    """The tracker's slots, through the Rasa HTTP API (token auth)."""
    response = requests.get(f"{server.url}/conversations/{sender}/tracker",
                            params={"token": server.token}, timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()["slots"]


def last_text(messages: List[Dict[str, Any]]) -> str:
    texts = [m["text"] for m in messages if m.get("text")]
    return texts[-1] if texts else ""


def whole_text(messages: List[Dict[str, Any]]) -> str:
    """The turn's text as one reply: Rasa's REST channel sends each paragraph as a message."""
    return "\n\n".join(m["text"] for m in messages if m.get("text"))


def ends_with_notice(messages: List[Dict[str, Any]]) -> bool:
    """The contract: the turn's last text message ends with the notice."""
    return last_text(messages).rstrip().endswith(NOTICE)
