"""Low confidence: ask which topic was meant instead of guessing (topic `clarify`)."""

from __future__ import annotations

from actions.turn import TurnAction, clarify_reply
from bot.content.lookup import AnswerIndex
from bot.context import Turn
from bot.replies import DEFAULT_CHOICES, TOPIC_LABELS, Reply

MAX_CHOICES = 3


def likely_topics(turn: Turn) -> list:
    """The classifier's best education guesses, padded with common topics to at least two."""
    topics = [name for name, _ in turn.ranking if name in TOPIC_LABELS][:MAX_CHOICES]
    for extra in DEFAULT_CHOICES:
        if len(topics) >= 2:
            break
        if extra not in topics:
            topics.append(extra)
    return topics


class ActionClarify(TurnAction):
    """Runs for `nlu_fallback` and whenever the dialogue policy is unsure."""

    action_name = "action_clarify"

    def compose(self, turn: Turn, index: AnswerIndex) -> Reply:
        return clarify_reply(turn, index, likely_topics(turn))
