"""Two small Rasa pipeline components that keep odd input from breaking understanding.

- `TextGuard` runs first: it removes control characters and lone surrogates (which make
  spaCy fail) so every later component sees clean text. It does not cap the length: the
  action does that, once, with `bot.text.clean_message`, and tells the user.
- `GuardedLogisticRegressionClassifier`: Rasa's classifier raises on a message with no
  features (empty or whitespace text). Such a message gets no intent instead, so the
  FallbackClassifier turns it into `nlu_fallback` and the action answers it kindly.

Importing this module also applies `bot.compat.sanic_websockets` (socket.io over WebSocket
on Python 3.11): Rasa imports it when it loads the model, before the server takes
connections, in `rasa run`, `rasa shell` and the tests alike. Why here: docs/websocket.md.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.compat import sanic_websockets

sanic_websockets.apply()

_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class TextGuard(GraphComponent):
    """Strip characters that break tokenisers before anything else reads the text."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TextGuard":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and _UNSAFE.search(text):
                message.set(TEXT, _UNSAFE.sub(" ", text))
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class GuardedLogisticRegressionClassifier(LogisticRegressionClassifier):
    """Rasa's logistic regression classifier, minus the crash on featureless messages."""

    def process(self, messages: List[Message]) -> List[Message]:
        readable = [m for m in messages if str(m.get(TEXT) or "").strip()]
        if readable:
            super().process(readable)
        for message in messages:
            if message not in readable:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
        return messages
