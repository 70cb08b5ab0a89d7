"""Button payloads: the one place their syntax lives, and the guard against typed commands.

Rasa reads a message that starts with "/" as an intent (`/symptoms{"site": "bone"}`), which
is how our buttons work. It also means a person who types `/restart` or `/session_start`
would silently wipe or restart their conversation and get no reply. The input channels
call `neutralise()` on every message: our own topic payloads pass, anything else that
looks like a command is read as ordinary words, so it gets a kind reply and the notice.
"""

from __future__ import annotations

import json
import re
from typing import Optional

from bot.vocabulary import CONTENT_KEYS

#: Intents a button of ours may carry (plus the widget's silent "/greet" on a new session).
PAYLOAD_INTENTS = frozenset(CONTENT_KEYS) | {"follow_up"}
_COMMAND = re.compile(r"^\s*/+\s*([A-Za-z_][\w-]*)")


def payload(topic: str, site: Optional[str] = None, cancer_type: Optional[str] = None) -> str:
    """A button payload Rasa parses without NLU: `/symptoms{"site": "bone"}`."""
    entities = {k: v for k, v in (("site", site), ("cancer_type", cancer_type)) if v}
    return f"/{topic}{json.dumps(entities)}" if entities else f"/{topic}"


def is_command(text: str) -> bool:
    """True for text Rasa would read as an intent that is not one of our payloads."""
    match = _COMMAND.match(text)
    return match is not None and match.group(1) not in PAYLOAD_INTENTS


def neutralise(text: str) -> str:
    """`/restart` -> `restart`: typed commands become words; our payloads pass unchanged."""
    return text.lstrip().lstrip("/").lstrip() if is_command(text) else text
