"""The safety layer's second net: what a message means, not which words it uses.

Why: the rules (engine.py) catch the phrasings they name, and on messages the team had
not seen they caught about 4 in 5 urgent ones; the intent classifier's second opinion
raised that but also read jokes and "I'm not going to do anything stupid" as crisis. This
net reads a message as a sentence embedding (all-MiniLM-L6-v2, bot/nlp/embeddings.py) and
a small logistic regression trained on the team's labelled messages (bot/safety/examples.py:
data/safety/examples.yml and the red-team tables in data/safety/messages/): urgent ones
and calm look-alikes. It only runs when the rules found nothing and the message is not a
plain question about a symptom, so most turns never pay for it.

The messages' vectors are a build output (models/safety-vectors.npz, per text, with the
model's hash), made by `make` (bot.build.prepare); a start that finds some missing embeds
just those.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from typing import Collection, Dict, List, Optional, Tuple

import numpy as np

from bot.paths import MODELS
from bot.safety.examples import CALM, CRISIS, CRISIS_CONDITION, EMERGENCY, TrainingSet, load_training_set

logger = logging.getLogger(__name__)

#: Regularisation of the logistic regression and the weight of a calm example against an
#: urgent one; with THRESHOLD chosen on held-out rounds and the question sets
#: (docs/safety.md, "The second net").
C_VALUE = 8.0
CALM_WEIGHT = 1.5
#: Probability of an urgent label at which the net flags a message on its own; crisis
#: lower, because a false crisis reply costs a kind word and the help lines, a missed one
#: may cost a life.
THRESHOLD = 0.7
THRESHOLD_CRISIS = 0.6
#: The same, when the rules saw red-flag words and read every one as not happening now
#: (negated, past, hypothetical): the net must be surer to overrule them.
THRESHOLD_DENIED = 0.85
#: The nearest urgent examples that must agree to name a condition, and how sure the net
#: must be; else "unspecified" (the general urgent opening, which names no danger wrongly).
AGREE = 3
NAME_CONDITION_FROM = 0.9
#: Long messages are read in windows of this many sentences; at most MAX_WINDOWS of them
#: (the last ones), so a carer's long story costs a bounded number of embeddings.
WINDOW = 2
MAX_WINDOWS = 6
#: The labelled messages' vectors (a build output, `make`): texts, vectors, model hash.
VECTORS = MODELS / "safety-vectors.npz"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class Verdict:
    """What the net made of a message: the urgent topic it saw (or None), how sure."""

    topic: Optional[str]  # "emergency", "crisis" or None (calm)
    probability: float  # of that topic (of the likelier urgent topic when calm)
    condition: str  # the nearest examples' condition when they agree, else "unspecified"
    nearest: str  # the nearest urgent example, for logs


def windows(text: str) -> List[str]:
    """The text itself when short; else overlapping windows of WINDOW sentences, so a
    danger in the middle of a long message is read with the sentence around it."""
    sentences = [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]
    if len(sentences) <= WINDOW:
        return [text.strip()]
    spans = [" ".join(sentences[i:i + WINDOW]) for i in range(len(sentences) - WINDOW + 1)]
    return spans[-MAX_WINDOWS:]


class Net:
    """The trained net: the encoder, the regression and the urgent examples' vectors."""

    def __init__(self, training: TrainingSet, encoder: Optional[object] = None) -> None:
        from sklearn.linear_model import LogisticRegression

        from bot.nlp.embeddings import model

        self.encoder = encoder or model()
        vectors, _ = vectors_for(list(training.texts), self.encoder)
        weights = {CALM: CALM_WEIGHT, EMERGENCY: 1.0, CRISIS: 1.0}
        self.classifier = LogisticRegression(C=C_VALUE, class_weight=weights, max_iter=3000)
        self.classifier.fit(vectors, list(training.labels))
        self.labels = list(self.classifier.classes_)
        named = [i for i, c in enumerate(training.conditions) if c is not None]
        self.urgent_vectors = vectors[named]
        self.urgent_texts = [training.texts[i] for i in named]
        self.urgent_conditions = [str(training.conditions[i]) for i in named]

    def probabilities(self, text: str) -> Tuple[np.ndarray, np.ndarray]:
        """Per window: the label probabilities and the window's vector."""
        vectors = self.encoder.encode(windows(text))  # type: ignore[attr-defined]
        return self.classifier.predict_proba(vectors), vectors

    def judge(self, text: str, denied: bool = False) -> Verdict:
        """The most urgent window's verdict. `denied`: the rules read this message's
        red-flag words as not happening now, so a higher bar applies."""
        probs, vectors = self.probabilities(text)
        emergency = probs[:, self.labels.index(EMERGENCY)]
        crisis = probs[:, self.labels.index(CRISIS)]
        at = int(np.argmax(np.maximum(emergency, crisis)))
        topic = CRISIS if crisis[at] >= emergency[at] else EMERGENCY
        probability = float(max(crisis[at], emergency[at]))
        condition, nearest = self.nearest(vectors[at], topic)
        if probability < NAME_CONDITION_FROM:
            condition = "unspecified"
        bar = THRESHOLD_DENIED if denied else THRESHOLD_CRISIS if topic == CRISIS else THRESHOLD
        return Verdict(topic if probability >= bar else None, probability, condition, nearest)

    def nearest(self, vector: np.ndarray, topic: str) -> Tuple[str, str]:
        """The condition the closest urgent examples of this topic agree on, and the closest."""
        sims = self.urgent_vectors @ vector
        wanted = [i for i, c in enumerate(self.urgent_conditions)
                  if (c == CRISIS_CONDITION) == (topic == CRISIS)]
        order = sorted(wanted, key=lambda i: -sims[i])[:AGREE]
        found = {self.urgent_conditions[i] for i in order}
        condition = found.pop() if len(found) == 1 else "unspecified"
        return condition, self.urgent_texts[order[0]] if order else ""


def vectors_for(texts: List[str], encoder: Optional[object] = None) -> Tuple[np.ndarray, int]:
    """The texts' vectors, and how many had to be embedded now. Known ones come from
    VECTORS (kept per text, so a new example costs one embedding, not a rebuild); the
    file is rewritten with the current texts only, atomically (two processes may start
    together)."""
    from bot.nlp.embeddings import WEIGHTS_SHA256, model

    known: Dict[str, np.ndarray] = {}
    try:
        with np.load(VECTORS) as stored:
            if str(stored["weights"]) == WEIGHTS_SHA256:
                known = dict(zip(stored["texts"].tolist(), stored["vectors"], strict=True))
    except (OSError, ValueError, KeyError):
        pass
    wanted = list(dict.fromkeys(texts))
    missing = [t for t in wanted if t not in known]
    if missing:
        logger.info("embedding %d new labelled safety messages", len(missing))
        new = (encoder or model()).encode(missing, batch_size=16)  # type: ignore[attr-defined]
        known.update(zip(missing, new, strict=True))
    if missing or len(known) != len(wanted):
        try:
            VECTORS.parent.mkdir(parents=True, exist_ok=True)
            partial = VECTORS.with_name(f".{VECTORS.stem}.{os.getpid()}-{threading.get_ident()}.npz")
            np.savez(partial, weights=np.array(WEIGHTS_SHA256), texts=np.array(wanted),
                     vectors=np.stack([known[t] for t in wanted]))
            partial.replace(VECTORS)
        except OSError:
            logger.warning("could not keep the safety messages' vectors in %s", VECTORS)
    return np.stack([known[t] for t in texts]), len(missing)


def ensure_vectors(known_conditions: Collection[str]) -> bool:
    """Embed the labelled messages that have no vector yet (the build step calls this so
    that no start pays for it). True when it embedded any."""
    return vectors_for(list(load_training_set(known_conditions).texts))[1] > 0


_NET: Optional[Net] = None
_LOCK = threading.Lock()


def get_net(known_conditions: Collection[str]) -> Optional[Net]:
    """The process-wide net, built on first use; None when examples.yml is not approved."""
    global _NET
    if _NET is None:
        with _LOCK:
            if _NET is None:
                training = load_training_set(known_conditions)
                if not training.approved:
                    logger.warning("data/safety/examples.yml is not approved: second net off")
                    return None
                _NET = Net(training)
    return _NET


__all__ = ["Net", "Verdict", "get_net", "ensure_vectors", "windows", "CALM"]
