"""The safety layer's second net: what a message means, not which words it uses.

Why: the rules (engine.py) catch the phrasings they name, and on messages the team had
not seen they caught about 4 in 5 urgent ones; the intent classifier's second opinion
raised that but also read jokes and "I'm not going to do anything stupid" as crisis. This
net reads a message as a sentence embedding (all-MiniLM-L6-v2, bot/nlp/embeddings.py) and
a small logistic regression trained on the team's labelled messages (bot/safety/examples.py:
data/safety/examples.yml and the red-team tables in data/safety/messages/): urgent ones
and calm look-alikes. It only runs when the rules found nothing and the message is not a
plain question about a symptom, so most turns never pay for it.

Training happens at build time (training.py, called by `make`): the regression's weights
go to models/safety-net.npz, so the action server needs no scikit-learn and fits nothing.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Collection, List, Mapping, Optional, Tuple

import numpy as np

from bot.nlp import sentences
from bot.safety.engine import CRISIS, EMERGENCY, SELF_HARM, UNSPECIFIED

logger = logging.getLogger(__name__)

#: Probability of an urgent label at which the net flags a message on its own; crisis
#: lower, because a false crisis reply costs a kind word and the help lines, a missed one
#: may cost a life.
THRESHOLD = 0.7
THRESHOLD_CRISIS = 0.5
#: The same, when the rules saw red-flag words and read every one as not happening now
#: (negated, past, hypothetical): the net must be surer to overrule them. 0.85 until round
#: 37: "I'm not suicidal or anything, I promise. I'm just fed up ..." read 0.85 as crisis;
#: the real messages the net alone caught over denied words read 0.94 to 0.99.
THRESHOLD_DENIED = 0.9
#: The nearest urgent examples that must agree to name a condition, and how sure the net
#: must be; else UNSPECIFIED (the general urgent opening, which names no danger wrongly).
AGREE = 3
NAME_CONDITION_FROM = 0.9
#: A window this close (cosine) to a reviewed calm example is calm whatever the
#: regression says: "she's worried she'll be a burden" is a calm example, and a near
#: copy of it must not read as crisis. Chosen by 5-fold cross-validation (docs/safety.md).
CALM_VETO = 0.8
#: Long messages are read in windows of this many sentences; at most MAX_WINDOWS of them
#: (the last ones), so a carer's long story costs a bounded number of embeddings.
WINDOW = 2
MAX_WINDOWS = 6
#: A sentence of fewer words than this is read with the one before it.
SHORT_SENTENCE = 4


@dataclass(frozen=True)
class Verdict:
    """What the net made of a message: the urgent topic it saw (or None), how sure."""

    topic: Optional[str]  # "emergency", "crisis" or None (calm)
    probability: float  # of that topic (of the likelier urgent topic when calm)
    condition: str  # the nearest examples' condition when they agree, else UNSPECIFIED
    nearest: str  # the nearest urgent example, for logs


def _joined_short(parts: List[str]) -> List[str]:
    """Sentences of fewer than SHORT_SENTENCE words joined to the one before ("how long does
    she have? weeks? months?"): a window of fragments reads as nothing the net was taught,
    and "please be honest with me" on its own read as a goodbye."""
    out: List[str] = []
    for part in parts:
        if out and len(part.split()) < SHORT_SENTENCE:
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def windows(text: str) -> List[str]:
    """The text itself when short; else overlapping windows of WINDOW sentences, so a
    danger in the middle of a long message is read with the sentence around it."""
    parts = _joined_short(sentences.without_closing(sentences.split(text), sentences.LETTER_CLOSING))
    if len(parts) <= WINDOW:
        return [" ".join(parts) or text.strip()]
    spans = [" ".join(parts[i:i + WINDOW]) for i in range(len(parts) - WINDOW + 1)]
    return spans[-MAX_WINDOWS:]


class Net:
    """The trained net as `make` left it in NET_FILE: the regression's weights and the
    named urgent examples' vectors, plus the encoder (no scikit-learn at run time)."""

    def __init__(self, stored: Mapping[str, np.ndarray], encoder: Optional[object] = None) -> None:
        from bot.nlp.embeddings import model

        self.encoder = encoder or model()
        self.coef = stored["coef"]
        self.intercept = stored["intercept"]
        self.labels = [str(label) for label in stored["classes"]]
        self.urgent_vectors = stored["urgent_vectors"]
        self.urgent_texts = [str(t) for t in stored["urgent_texts"]]
        self.urgent_conditions = [str(c) for c in stored["urgent_conditions"]]
        self.calm_vectors = stored["calm_vectors"]

    def predict_proba(self, vectors: np.ndarray) -> np.ndarray:
        """The multinomial logistic regression's probabilities (what scikit-learn's
        predict_proba gives for the fitted model)."""
        scores = vectors @ self.coef.T + self.intercept
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        return scores / scores.sum(axis=1, keepdims=True)

    def probabilities(self, text: str) -> Tuple[np.ndarray, np.ndarray]:
        """Per window: the label probabilities and the window's vector."""
        vectors = self.encoder.encode(windows(text))  # type: ignore[attr-defined]
        return self.predict_proba(vectors), vectors

    def judge(self, text: str, denied: bool = False) -> Verdict:
        """The most urgent window's verdict. `denied`: the rules read this message's
        red-flag words as not happening now, so a higher bar applies."""
        probs, vectors = self.probabilities(text)
        near_calm = (vectors @ self.calm_vectors.T).max(axis=1) >= CALM_VETO
        probs[near_calm, :] = 0.0
        emergency = probs[:, self.labels.index(EMERGENCY)]
        crisis = probs[:, self.labels.index(CRISIS)]
        at = int(np.argmax(np.maximum(emergency, crisis)))
        topic = CRISIS if crisis[at] >= emergency[at] else EMERGENCY
        probability = float(max(crisis[at], emergency[at]))
        condition, nearest = self.nearest(vectors[at], topic)
        if probability < NAME_CONDITION_FROM:
            condition = UNSPECIFIED
        bar = THRESHOLD_DENIED if denied else THRESHOLD_CRISIS if topic == CRISIS else THRESHOLD
        return Verdict(topic if probability >= bar else None, probability, condition, nearest)

    def nearest(self, vector: np.ndarray, topic: str) -> Tuple[str, str]:
        """The condition the closest urgent examples of this topic agree on, and the closest."""
        sims = self.urgent_vectors @ vector
        wanted = [i for i, c in enumerate(self.urgent_conditions)
                  if (c == SELF_HARM) == (topic == CRISIS)]
        order = sorted(wanted, key=lambda i: -sims[i])[:AGREE]
        found = {self.urgent_conditions[i] for i in order}
        condition = found.pop() if len(found) == 1 else UNSPECIFIED
        return condition, self.urgent_texts[order[0]] if order else ""


_NET: Optional[Net] = None
_LOCK = threading.Lock()


def get_net(known_conditions: Collection[str]) -> Optional[Net]:
    """The process-wide net, loaded on first use (trained now if `make` has not trained it
    on the current data); None when examples.yml is not approved."""
    global _NET
    if _NET is None:
        with _LOCK:
            if _NET is None:
                from bot.safety import training

                stored = training.ensure_trained(known_conditions)
                if stored is None:
                    logger.warning("data/safety/examples.yml is not approved: second net off")
                    return None
                _NET = Net(stored)
    return _NET


__all__ = ["Net", "Verdict", "get_net", "windows"]
