"""Checks and limits shared by the REST and socket.io channels.

Why here and not in Rasa: Rasa's channels pass whatever JSON arrives (numbers, lists,
objects, megabytes) to NLU and the tracker store, answer `[]` when a turn fails and log
the message text on the way. Everything below runs before Rasa sees the message.

How a cut message is marked: the text is cut to `MAX_MESSAGE_CHARS` characters and one
"…" is added (MAX + 1 characters in all). `bot.text.was_truncated` then sees a message
longer than the limit and the action puts the "your message was very long" preface
before its answer, exactly as if Rasa had read the whole message; `clean_message` drops
the "…" again, so NLU reads the first MAX characters.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import UserMessage

from bot import logs
from bot.messages import SOMETHING_WENT_WRONG, TIMED_OUT
from bot.notice import NOTICE
from bot.payloads import neutralise
from bot.replies import Reply, render
from bot.settings import settings
from bot.text import MAX_MESSAGE_CHARS, strip_control

logger = logging.getLogger(__name__)

#: Larger request bodies are refused (413) before they are read. A 5 MB message must
#: still be answered (it is cut), so the limit sits above that; JSON escapes can make
#: a body larger than its text.
MAX_BODY_BYTES = 8 * 1024 * 1024
#: Longest conversation id accepted. Ids are ours (widget: 32 hex) or an integrator's.
MAX_SENDER_CHARS = 128
CUT_MARK = "\u2026"

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass
class BadRequest(Exception):
    """A request the assistant will not process; `field` names what was wrong."""

    field: str
    reason: str
    status: int = 400

    def as_json(self) -> Dict[str, Any]:
        return {"error": self.reason, "field": self.field}


def parse_body(body: bytes) -> Dict[str, Any]:
    """The request body as a JSON object (UTF-8, -16 or -32, as JSON allows)."""
    if not body:
        raise BadRequest("body", "the body must be a JSON object")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("body", "the body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise BadRequest("body", "the body must be a JSON object")
    return payload


def check_sender(value: Any, field: str = "sender") -> str:
    """A conversation id: a short, printable string."""
    if not isinstance(value, str):
        raise BadRequest(field, f"{field} must be a string")
    if not value.strip() or len(value) > MAX_SENDER_CHARS or _UNPRINTABLE.search(value):
        raise BadRequest(field, f"{field} must be 1 to {MAX_SENDER_CHARS} printable characters")
    return value


def cut_message(text: str) -> str:
    """Control characters and lone surrogates out (no store or log can encode them),
    typed commands such as /restart read as words (bot.payloads), then cut."""
    text = neutralise(strip_control(text).strip())
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[:MAX_MESSAGE_CHARS] + CUT_MARK
    return text


def check_message(value: Any, field: str = "message") -> str:
    """The user's message: a string (possibly empty), cut to the project's limit."""
    if not isinstance(value, str):
        raise BadRequest(field, f"{field} must be a string")
    return cut_message(value)


def check_metadata(value: Any, field: str = "metadata") -> Optional[Dict[str, Any]]:
    """Optional metadata: an object (a JSON string of one is accepted, as Rasa does)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise BadRequest(field, f"{field} must be an object") from None
    if value is None or isinstance(value, dict):
        return value
    raise BadRequest(field, f"{field} must be an object")


def ends_with_notice(text: Optional[str]) -> bool:
    return text is not None and text.rstrip().endswith(NOTICE)


async def run_turn(on_new_message: Callable[[UserMessage], Awaitable[Any]],
                   message: UserMessage) -> str:
    """Let Rasa handle one message within the turn deadline: "ok", "timeout" or "error".

    Logs name the event, the hashed conversation id and the exception type, never text.
    """
    deadline = settings().turn_timeout
    conversation = logs.hash_id(message.sender_id)
    try:
        await asyncio.wait_for(on_new_message(message), timeout=deadline)
        return "ok"
    except asyncio.TimeoutError:
        logger.warning("turn.timeout conversation=%s deadline=%.0fs", conversation, deadline)
        return "timeout"
    except Exception as exc:  # noqa: BLE001 (the patient gets a kind answer instead)
        logger.error("turn.failed conversation=%s error=%s", conversation, type(exc).__name__)
        return "error"


def fallback_text(outcome: str) -> str:
    """The kind reply (with the notice) for a turn that timed out or failed."""
    return render(Reply(TIMED_OUT if outcome == "timeout" else SOMETHING_WENT_WRONG, None))


def complete(messages: List[Dict[str, Any]], outcome: str,
             recipient: str) -> List[Dict[str, Any]]:
    """The REST answer: Rasa's messages, plus the kind reply when the notice is missing."""
    if outcome == "timeout":
        return [{"recipient_id": recipient, "text": fallback_text(outcome)}]
    texts = [m.get("text") for m in messages if m.get("text")]
    if texts and ends_with_notice(texts[-1]):
        return messages
    if outcome == "ok":
        logger.error("turn.no_notice conversation=%s messages=%d", logs.hash_id(recipient),
                     len(messages))
    return [*messages, {"recipient_id": recipient, "text": fallback_text("error")}]
