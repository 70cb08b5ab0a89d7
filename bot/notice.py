"""The educational-only notice: its text lives here and nowhere else.

`with_notice` is the single function that closes a bot turn; every reply path goes
through it (`bot/replies.render`, called by the one action in `actions/actions.py`).
The default wording is the conversation contract's (docs/conversation-contract.md).
"""

from __future__ import annotations

from bot.settings import settings

DEFAULT_NOTICE = (
    "This information is educational only and is not medical advice. "
    "Please talk with your care team about your own situation."
)

#: The notice for this process. Set BOT_NOTICE to change the wording in one place.
NOTICE: str = settings().notice or DEFAULT_NOTICE


def with_notice(text: str) -> str:
    """Return `text` followed by the notice as its own closing paragraph."""
    body = text.rstrip()
    return f"{body}\n\n{NOTICE}" if body else NOTICE
