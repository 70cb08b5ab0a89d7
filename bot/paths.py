"""Where the project keeps its files, so no module hard-codes a path."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
CONTENT_DIR = DATA / "content"
SAFETY_DIR = DATA / "safety"  # red-flag rules and lists, reviewed like content
HELPLINES = DATA / "helplines.yml"
VOCABULARY = DATA / "vocabulary.yml"  # sites, cancer names, medical words
MODELS = ROOT / "models"
SPACY_MODEL = MODELS / "spacy_metastasis"
VAR = ROOT / "var"  # runtime state: databases and logs (not committed)
RASA = Path(sys.executable).with_name("rasa")  # the venv's rasa command
