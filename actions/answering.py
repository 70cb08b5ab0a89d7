"""Education answers: the topic from the intent, the site and cancer type from context."""

from __future__ import annotations

from actions.turn import TurnAction, clarify_reply
from bot.content.lookup import AnswerIndex
from bot.context import Turn
from bot.replies import Reply, from_answer
from bot.vocabulary import EDUCATION_TOPICS

#: What to offer when someone names only a place or cancer ("bones?") with no topic yet.
PLACE_ONLY_CHOICES = ("symptoms", "treatment", "diagnosis", "what_is_metastasis")


class ActionAnswer(TurnAction):
    """Answers every education intent and context-only follow-ups ("and the liver?")."""

    action_name = "action_answer"

    def compose(self, turn: Turn, index: AnswerIndex) -> Reply:
        topic = turn.intent
        if topic == "follow_up" or topic not in EDUCATION_TOPICS:
            topic = turn.previous.get("topic")
        if topic not in EDUCATION_TOPICS:
            return clarify_reply(turn, index, PLACE_ONLY_CHOICES)
        site, cancer_type = turn.site(), turn.cancer_type()
        answer = index.best(topic, site, cancer_type)
        if answer is None:
            return clarify_reply(turn, index, PLACE_ONLY_CHOICES)
        return from_answer(answer, topic, site, cancer_type)
