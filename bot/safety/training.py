"""Training the safety layer's second net (semantic.py) at build time.

Why at build time: embedding 7,000 labelled messages takes about a minute and fitting the
regression needs scikit-learn; neither belongs in the action server's start. `make`
(bot.build.prepare) calls ensure_trained(); the server only loads NET_FILE. Vectors are
kept per text in VECTORS, so a new example costs one embedding, not a rebuild.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Collection, Dict, List, Optional, Tuple

import numpy as np

from bot.paths import MODELS
from bot.safety.engine import CRISIS, EMERGENCY
from bot.safety.examples import CALM, TrainingSet, load_training_set

logger = logging.getLogger(__name__)

#: Regularisation of the logistic regression and the weight of a calm example against an
#: urgent one; with THRESHOLD chosen on held-out rounds and the question sets
#: (docs/safety.md, "The second net").
C_VALUE = 8.0
CALM_WEIGHT = 1.5
#: What NET_FILE holds; a new layout retrains (2: calm vectors for the near-calm veto).
FORMAT = 2
#: The labelled messages' vectors (a build output, `make`): texts, vectors, model hash.
VECTORS = MODELS / "safety-vectors.npz"
#: The trained net: regression weights, classes, named urgent examples, and the key of the
#: data and settings it was trained on.
NET_FILE = MODELS / "safety-net.npz"


def vectors_for(texts: List[str], encoder: Optional[object] = None, path: Path = VECTORS,
                prune: bool = False) -> Tuple[np.ndarray, int]:
    """The texts' vectors, and how many had to be embedded now. Known ones come from
    `path` (kept per text, so a new example costs one embedding, not a rebuild). New
    vectors are added to the file atomically (two processes may start together); `prune`
    keeps only these texts (training does, so removed examples do not pile up)."""
    from bot.nlp.embeddings import WEIGHTS_SHA256, model

    known: Dict[str, np.ndarray] = {}
    try:
        with np.load(path) as stored:
            if str(stored["weights"]) == WEIGHTS_SHA256:
                known = dict(zip(stored["texts"].tolist(), stored["vectors"], strict=True))
    except (OSError, ValueError, KeyError):
        pass
    wanted = list(dict.fromkeys(texts))
    missing = [t for t in wanted if t not in known]
    keep = wanted if prune else list(dict.fromkeys([*known, *wanted]))
    if missing:
        logger.info("embedding %d new labelled safety messages", len(missing))
        new = (encoder or model()).encode(missing, batch_size=16)  # type: ignore[attr-defined]
        known.update(zip(missing, new, strict=True))
    if missing or len(keep) != len(known):
        try:
            _save(path, weights=np.array(WEIGHTS_SHA256), texts=np.array(keep),
                  vectors=np.stack([known[t] for t in keep]))
        except OSError:
            logger.warning("could not keep the safety messages' vectors in %s", path)
    return np.stack([known[t] for t in texts]), len(missing)


def _key(training: TrainingSet) -> str:
    """What the trained net depends on: the messages, labels, settings and the model."""
    from bot.nlp.embeddings import WEIGHTS_SHA256

    digest = hashlib.sha256(f"{FORMAT} {C_VALUE} {CALM_WEIGHT} {WEIGHTS_SHA256}".encode())
    for text, label, condition in zip(training.texts, training.labels, training.conditions, strict=True):
        digest.update(f"{text}\t{label}\t{condition}\n".encode())
    return digest.hexdigest()


def _save(path: Path, **arrays: np.ndarray) -> None:
    """np.savez to a temporary name, then rename: another process never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.stem}.{os.getpid()}-{threading.get_ident()}.npz")
    np.savez(partial, **arrays)
    partial.replace(path)


def train(training: TrainingSet) -> Dict[str, np.ndarray]:
    """Fit the regression on the messages' vectors; the arrays semantic.Net loads."""
    from sklearn.linear_model import LogisticRegression

    vectors, _ = vectors_for(list(training.texts), prune=True)
    weights = {CALM: CALM_WEIGHT, EMERGENCY: 1.0, CRISIS: 1.0}
    classifier = LogisticRegression(C=C_VALUE, class_weight=weights, max_iter=3000)
    classifier.fit(vectors, list(training.labels))
    named = [i for i, c in enumerate(training.conditions) if c is not None]
    calm = [i for i, label in enumerate(training.labels) if label == CALM]
    return {
        "key": np.array(_key(training)),
        "coef": classifier.coef_.astype(np.float32),
        "intercept": classifier.intercept_.astype(np.float32),
        "classes": np.array([str(c) for c in classifier.classes_]),
        "urgent_vectors": vectors[named],
        "urgent_texts": np.array([training.texts[i] for i in named]),
        "urgent_conditions": np.array([str(training.conditions[i]) for i in named]),
        "calm_vectors": vectors[calm].astype(np.float32),
    }


def ensure_trained(known_conditions: Collection[str]) -> Optional[Dict[str, np.ndarray]]:
    """The trained net's arrays, trained (and saved) now if NET_FILE is missing or was
    trained on other data; None when examples.yml is not approved (the net is off)."""
    training = load_training_set(known_conditions)
    if not training.approved:
        return None
    key = _key(training)
    try:
        with np.load(NET_FILE) as stored:
            if str(stored["key"]) == key:
                return {name: stored[name] for name in stored.files}
    except (OSError, ValueError, KeyError):
        pass
    logger.info("training the safety layer's second net on %d messages", len(training.texts))
    arrays = train(training)
    try:
        _save(NET_FILE, **arrays)
    except OSError:
        logger.warning("could not save the second net to %s", NET_FILE)
    return arrays
