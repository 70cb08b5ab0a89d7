"""Loading and checking what the safety layer's second net (semantic.py) learns from.

Three kinds of labelled messages, all written by the team in patients' and carers' words:
- data/safety/examples.yml: reviewed examples, urgent ones per condition and calm
  look-alikes (its review metadata switches the net on: only `approved` is used);
- data/safety/messages/*.tsv: the red-team tables (message, expect[, condition, who]) that
  the rules are tested on, urgent and calm;
- the NLU training examples of every intent but emergency and crisis (data/nlu/): calm.
  Why: without them the net read personal education questions ("my husband has bone
  mets, could I catch it?") as urgent. Where one of them is also a safety message, the
  safety label wins.

Why a checker: a condition key spelled wrong would silently teach the net a danger with no
reply opening; errors stop start-up and name the file and the entry, as for the rules.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Collection, Dict, List, Optional, Tuple

from bot import nlu_data
from bot.paths import SAFETY_DIR
from bot.safety.data import SafetyDataError, check_meta, read_file
from bot.safety.engine import CRISIS, EMERGENCY, SELF_HARM

FILE = "examples.yml"
MESSAGES = "messages"
#: The labels the net learns: calm, or the topic of the urgent reply (EMERGENCY, CRISIS;
#: the condition SELF_HARM's examples are crisis, every other condition's emergency).
CALM = "calm"
#: NLU intents whose examples are not calm (the rest are).
URGENT_INTENTS = frozenset({"emergency", "crisis"})
#: A table's `expect` column -> the net's label.
TABLE_LABELS = {"emergency": EMERGENCY, "crisis": CRISIS, "not_emergency": CALM}


@dataclass(frozen=True)
class TrainingSet:
    """Every labelled message; `conditions[i]` is the condition of an urgent message when
    known (None for calm ones and for table rows that name no single condition)."""

    texts: Tuple[str, ...]
    labels: Tuple[str, ...]
    conditions: Tuple[Optional[str], ...]
    approved: bool  # examples.yml's status: the net is off unless approved


def load_training_set(known_conditions: Collection[str], directory: Path = SAFETY_DIR,
                      nlu_dir: Path = nlu_data.NLU_DIR) -> TrainingSet:
    """The checked examples, then the tables' rows. Raises SafetyDataError naming the entry:
    an unknown condition or label, an empty example, or one message given two labels."""
    texts: List[str] = []
    labels: List[str] = []
    conditions: List[Optional[str]] = []
    seen: Dict[str, Tuple[str, str]] = {}  # message -> (label, where)

    def add(text: Any, label: str, condition: Optional[str], file: str, entry: str,
            yields: bool = False) -> None:
        if not isinstance(text, str) or not text.strip():
            raise SafetyDataError(file, entry, "every example must be a non-empty line of text")
        key = " ".join(text.lower().split())
        if key in seen:  # listed twice: harmless when the labels agree, else a contradiction
            if seen[key][0] != label and not yields:
                raise SafetyDataError(file, entry, f"{text!r} is {label} here but "
                                                   f"{seen[key][0]} in {seen[key][1]}")
            return
        seen[key] = (label, f"{file} {entry}")
        texts.append(text.strip())
        labels.append(label)
        conditions.append(condition)

    path = directory / FILE
    doc = read_file(path)
    check_meta(FILE, doc)
    raw_urgent = doc.get("urgent")
    if not isinstance(raw_urgent, dict) or not raw_urgent:
        raise SafetyDataError(FILE, "urgent", "must map condition keys to lists of messages")
    for condition, items in raw_urgent.items():
        entry = f"urgent.{condition}"
        if condition not in known_conditions:
            raise SafetyDataError(FILE, entry, "is not a condition in conditions.yml")
        if not isinstance(items, list) or not items:
            raise SafetyDataError(FILE, entry, "must be a non-empty list of messages")
        label = CRISIS if condition == SELF_HARM else EMERGENCY
        for text in items:
            add(text, label, condition, FILE, entry)
    raw_calm = doc.get("calm")
    if not isinstance(raw_calm, list) or not raw_calm:
        raise SafetyDataError(FILE, "calm", "must be a non-empty list of messages")
    for text in raw_calm:
        add(text, CALM, None, FILE, "calm")
    for table in sorted((directory / MESSAGES).glob("*.tsv")):
        _read_table(table, known_conditions, add)
    for intent, examples in nlu_data.intent_examples(nlu_dir).items():
        if intent not in URGENT_INTENTS:
            for text in examples:
                add(text, CALM, None, "data/nlu", intent, yields=True)
    if CRISIS not in labels or EMERGENCY not in labels:
        raise SafetyDataError(FILE, "urgent", f"needs emergency and {SELF_HARM} examples")
    return TrainingSet(tuple(texts), tuple(labels), tuple(conditions),
                       doc.get("status") == "approved")


def _read_table(path: Path, known_conditions: Collection[str], add: Any) -> None:
    name = f"{MESSAGES}/{path.name}"
    with path.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE), 2):
            entry = f"line {number}"
            label = TABLE_LABELS.get(row.get("expect") or "")
            if label is None:
                raise SafetyDataError(name, entry, f"expect must be one of {sorted(TABLE_LABELS)}")
            named = [c for c in (row.get("condition") or "").split("|") if c]
            for condition in named:
                if condition not in known_conditions:
                    raise SafetyDataError(name, entry, f"{condition} is not in conditions.yml")
            single = named[0] if len(named) == 1 and label != CALM else None
            add(row.get("message"), label, single, name, entry)
