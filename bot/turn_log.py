"""One structured line per turn, so a maintainer can follow a conversation without ever
seeing what a patient wrote.

`turn.done conversation=<sha256/12> intent=<name> confidence=<0-1> topic=<key> site=<key>
cancer_type=<key> answer=<id> version=<n> safety=<condition> latency_ms=<ms>`

Only keys and numbers: never the message text (bot/logs.py scrubs it anyway).
"""

from __future__ import annotations

import logging
from typing import Optional

from bot.context import Turn
from bot.logs import hash_id
from bot.replies import Reply

logger = logging.getLogger("bot.turn")


def _value(value: object) -> str:
    return "-" if value in (None, "") else str(value)


def line(conversation: str, turn: Turn, reply: Reply, latency_ms: float) -> str:
    """The key=value line for one answered turn."""
    fields = (
        ("conversation", hash_id(conversation)),
        ("intent", turn.intent), ("confidence", f"{turn.confidence:.2f}"),
        ("topic", reply.topic), ("site", reply.site), ("cancer_type", reply.cancer_type),
        ("answer", reply.answer_id), ("version", reply.answer_version),
        ("safety", reply.safety_condition), ("latency_ms", f"{latency_ms:.1f}"),
    )
    return "turn.done " + " ".join(f"{k}={_value(v)}" for k, v in fields)


def log_turn(conversation: Optional[str], turn: Turn, reply: Reply, latency_ms: float) -> None:
    logger.info(line(conversation or "", turn, reply, latency_ms))
