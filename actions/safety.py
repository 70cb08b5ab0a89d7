"""Personal advice, out of scope, and emergency/crisis intents the rule layer did not confirm."""

from __future__ import annotations

from actions.turn import TurnAction, clarify_reply
from bot.content.lookup import AnswerIndex
from bot.context import Turn
from bot.replies import Reply, from_answer


class ActionSafety(TurnAction):
    """Serves the vetted safety answers; urgent ones are already handled in TurnAction."""

    action_name = "action_safety"

    def compose(self, turn: Turn, index: AnswerIndex) -> Reply:
        # An "emergency" intent that the safety layer judged to be a question about a
        # symptom is education: answer it as one.
        topic = turn.intent if turn.intent in ("personal_advice", "out_of_scope") else "symptoms"
        site, cancer_type = turn.site(), turn.cancer_type()
        if topic == "out_of_scope":
            site = cancer_type = None
        answer = index.best(topic, site, cancer_type)
        if answer is None:
            return clarify_reply(turn, index, ("symptoms", "when_to_see_doctor"))
        return from_answer(answer, topic, site, cancer_type)
