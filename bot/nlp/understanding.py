"""The Rasa components that carry the project's own understanding into the NLU pipeline.

- `VocabularyEntityExtractor`: sites and cancer types read by `bot.nlp.entities` (site
  versus origin from the phrase, broad cancer vocabulary). The entity values are already
  contract keys, so no synonym mapper is needed after it.
- `QuestionFocus`: the word features of a long message read only the question inside it.
- `EmbeddingCascadeClassifier` (shipped): the embedding is computed only for turns the
  word features are unsure about, so most turns cost no more than before.
- `SentenceEmbeddingFeaturizer` (measured alternative: an embedding on every turn): an
  all-MiniLM-L6-v2 sentence vector (NumPy forward pass,
  weights hash-checked, see `bot.nlp.embeddings`) as dense sentence features, so the
  classifier sees meaning as well as words. For a long message only the question inside
  it is embedded (`sentences.focus`); the word features still see the whole text.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import (
    ENTITIES,
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack
from sklearn.base import clone

from bot.nlp import embeddings, entities, sentences
from bot.nlp.rasa_components import GuardedLogisticRegressionClassifier


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class VocabularyEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Sites and cancer types from the vocabulary, with site-versus-origin rules."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "VocabularyEntityExtractor":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = str(message.get(TEXT) or "")
            found = [{"entity": m.entity, "value": m.value, "start": m.start, "end": m.end,
                      "confidence_entity": 1.0, "extractor": self.__class__.__name__}
                     for m in entities.read(text)]
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class QuestionFocus(GraphComponent):
    """For a long message (a carer's story, then a question) the word features read only
    the question inside it (`sentences.focus`): the spaCy doc the tokenizer reads is cut
    to that part. The text itself is unchanged, so entities, the safety layer and the
    action still see every word."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "QuestionFocus":
        return cls()

    @staticmethod
    def _narrow(message: Message) -> None:
        text, doc = message.get(TEXT), message.get(SPACY_DOCS[TEXT])
        if not isinstance(text, str) or doc is None:
            return
        part = sentences.focus(text)
        if part == text:
            return
        start = text.rfind(part)
        span = doc.char_span(start, start + len(part), alignment_mode="expand") if start >= 0 else None
        if span is not None and len(span):
            message.set(SPACY_DOCS[TEXT], span.as_doc())

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._narrow(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._narrow(message)
        return training_data


#: Vectors of training examples, shared by the folds of a cross-validation in one process.
_TRAINING_CACHE: Dict[str, np.ndarray] = {}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """A 384-d sentence embedding per message; `scale` weighs it against the word counts."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "scale": 1.0, "batch_size": 32}

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self._model = embeddings.model()  # loads and hash-checks the weights at start-up
        self._cache = _TRAINING_CACHE

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SentenceEmbeddingFeaturizer":
        return cls(config, execution_context.node_name)

    def _add(self, message: Message, vector: np.ndarray) -> None:
        message.add_features(Features(
            (vector * self._config["scale"]).reshape(1, -1), FEATURE_TYPE_SENTENCE, TEXT,
            self._config["alias"]))

    def process(self, messages: List[Message]) -> List[Message]:
        readable = [m for m in messages if str(m.get(TEXT) or "").strip()]
        if readable:
            vectors = self._model.encode([sentences.focus(m.get(TEXT)) for m in readable])
            for message, vector in zip(readable, vectors, strict=True):
                self._add(message, vector)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        examples = [m for m in training_data.training_examples if str(m.get(TEXT) or "").strip()]
        texts = [sentences.focus(m.get(TEXT)) for m in examples]
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            vectors = self._model.encode(missing, batch_size=self._config["batch_size"])
            self._cache.update(zip(missing, vectors, strict=True))
        for message, text in zip(examples, texts, strict=True):
            self._add(message, self._cache[text])
        return training_data

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        pass


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class EmbeddingCascadeClassifier(GuardedLogisticRegressionClassifier):
    """Two logistic regressions: one on the word features, one on the word features plus the
    sentence embedding. A turn the first one is sure about (top confidence at least
    `ask_embeddings_below`) is answered without computing an embedding; only the unsure
    turns pay for one. Why: an embedding costs about 12 ms of CPU per turn on the target machine
    (docs/embeddings.md), the budget is about 5 ms at the median, and the embedding helps
    most where the word features are unsure (docs/evaluation.md).

    For an unsure turn the second regression's probabilities are blended with a vote of the
    `neighbours` nearest training examples (by embedding), weighted `neighbour_weight`.
    Why: a long consumer question often sits close to a few examples written the same
    way, which a linear model over all examples averages away; the vote costs one matrix
    product with the stored example vectors (docs/evaluation.md, "Neighbour vote")."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**GuardedLogisticRegressionClassifier.get_default_config(),
                "ask_embeddings_below": 0.8, "scale": 1.0, "batch_size": 32,
                "neighbours": 10, "neighbour_weight": 0.0, "neighbour_temperature": 0.05}

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage,
                 resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.full = clone(self.clf)
        #: The training examples' unit vectors and their intents' column in clf.classes_.
        self.example_vectors = np.zeros((0, embeddings.DIMENSION), dtype=np.float32)
        self.example_labels = np.zeros(0, dtype=np.int64)
        embeddings.model()  # load and hash-check the weights at start-up, not on a patient's turn

    def _vectors(self, messages: List[Message], batch_size: int = 1) -> np.ndarray:
        texts = [sentences.focus(str(m.get(TEXT))) for m in messages]
        vectors = embeddings.model().encode(texts, batch_size=batch_size).astype(np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def _neighbour_vote(self, vectors: np.ndarray) -> np.ndarray:
        """Per message, the intents of its nearest training examples, each weighted by how
        close it is (a softmax over similarity), as probabilities in clf.classes_ order."""
        votes = np.zeros((len(vectors), len(self.clf.classes_)))
        if not len(self.example_labels):
            return votes
        k = min(self.config["neighbours"], len(self.example_labels))
        similarity = vectors @ self.example_vectors.T
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        for row, columns in enumerate(nearest):
            close = similarity[row, columns]
            weights = np.exp((close - close.max()) / self.config["neighbour_temperature"])
            np.add.at(votes[row], self.example_labels[columns], weights)
        return votes / votes.sum(axis=1, keepdims=True)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            return self._resource
        words = self._create_X(examples)
        labels = [e.get(INTENT) for e in examples]
        self.clf.fit(words, labels)
        vectors = self._vectors(examples, self.config["batch_size"])
        self.full.fit(hstack([words, csr_matrix(vectors * self.config["scale"])]).tocsr(), labels)
        column = {name: i for i, name in enumerate(self.clf.classes_)}
        self.example_vectors = vectors
        self.example_labels = np.array([column[label] for label in labels], dtype=np.int64)
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        readable = [m for m in messages if str(m.get(TEXT) or "").strip()]
        if readable:
            words = self._create_X(readable).tocsr()
            probas = self.clf.predict_proba(words)
            unsure = [i for i, p in enumerate(probas) if p.max() < self.config["ask_embeddings_below"]]
            if unsure:
                vectors = self._vectors([readable[i] for i in unsure])
                both = hstack([words[unsure], csr_matrix(vectors * self.config["scale"])])
                probas[unsure] = self.full.predict_proba(both.tocsr())
                weight = self.config["neighbour_weight"] if len(self.example_labels) else 0.0
                if weight:
                    probas[unsure] = ((1 - weight) * probas[unsure]
                                      + weight * self._neighbour_vote(vectors))
            for message, proba in zip(readable, probas, strict=True):
                ranking = sorted(({"name": k, "confidence": float(v)}
                                  for k, v in zip(self.clf.classes_, proba, strict=True)),
                                 key=lambda e: -e["confidence"])
                message.set(INTENT, ranking[0], add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking[: self.config["ranking_length"]]
                            if self.config["ranking_length"] > 0 else ranking, add_to_output=True)
        for message in messages:
            if message not in readable:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data  # nothing after the classifier needs training intents

    def persist(self) -> None:
        import skops.io as sio

        super().persist()
        with self._model_storage.write_to(self._resource) as model_dir:
            sio.dump(self.full, model_dir / f"{self._resource.name}.full.skops")
            np.savez(model_dir / f"{self._resource.name}.examples.npz",
                     vectors=self.example_vectors, labels=self.example_labels)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "EmbeddingCascadeClassifier":
        import skops.io as sio

        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        try:
            with model_storage.read_from(resource) as model_dir:
                file = model_dir / f"{resource.name}.full.skops"
                component.full = sio.load(file, trusted=sio.get_untrusted_types(file=file))
                with np.load(model_dir / f"{resource.name}.examples.npz") as stored:
                    component.example_vectors = stored["vectors"]
                    component.example_labels = stored["labels"]
        except ValueError:
            pass  # an untrained component: create() made it
        return component
