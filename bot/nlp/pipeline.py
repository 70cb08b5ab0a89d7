"""Build the project's own spaCy pipeline from the vocabulary and save it under models/.

No spaCy model can be downloaded here, and look-alike model packages are unofficial, so
the pipeline is blank English plus an entity ruler whose patterns come from
`bot.vocabulary`. Rasa loads it by path (config.yml: SpacyNLP `model:`).
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List

from bot import vocabulary
from bot.paths import SPACY_MODEL

if TYPE_CHECKING:  # importing spaCy pulls in TensorFlow: only do it when building
    from spacy.language import Language

LABELS = {"site": vocabulary.SITES, "cancer_type": vocabulary.CANCER_TYPES}


def ruler_patterns() -> List[Dict[str, str]]:
    """One lowercase phrase pattern per key and synonym; the label is the Rasa entity name."""
    patterns = []
    for label, table in LABELS.items():
        for key, words in table.items():
            for phrase in dict.fromkeys([key.replace("_", " "), *words]):
                patterns.append({"label": label, "pattern": phrase, "id": key})
    return patterns


def build() -> "Language":
    """Blank English with an entity ruler; the longest match wins ("lung cancer" > "lung")."""
    import spacy

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(ruler_patterns())  # type: ignore[attr-defined]  # an EntityRuler
    nlp.meta["name"] = "metastasis"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "Blank English + entity ruler built from bot/vocabulary.py"
    return nlp


def fingerprint() -> str:
    """Changes when the vocabulary (and so the patterns) change."""
    blob = json.dumps(ruler_patterns(), sort_keys=True) + version("spacy")
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def ensure_saved(path: Path = SPACY_MODEL) -> bool:
    """Save the pipeline unless an identical one is already there; True when (re)built."""
    stamp = path / "fingerprint.txt"
    if stamp.exists() and stamp.read_text().strip() == fingerprint():
        return False
    build().to_disk(path)
    stamp.write_text(fingerprint() + "\n")
    return True
