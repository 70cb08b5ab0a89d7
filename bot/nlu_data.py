"""Rasa's NLU data: generate the lookup tables and synonyms from the vocabulary (never
copied by hand), and read the team's intent examples back as plain text.

The output, data/nlu/generated/vocabulary.yml, is a build artefact: `make` writes it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List

import yaml

from bot import vocabulary
from bot.paths import DATA

NLU_DIR = DATA / "nlu"
GENERATED = NLU_DIR / "generated" / "vocabulary.yml"
#: "[bone](site)" or "[bones]{...}" in an example -> "bone" / "bones".
ENTITY_MARKUP = re.compile(r"\[([^\]]+)\][({][^)}]*[)}]")


def intent_examples(folder: Path = NLU_DIR) -> Dict[str, List[str]]:
    """Every training example per intent as a patient typed it (entity markup removed).
    Used by the held-out scoring (to drop rows that were trained on) and by the safety
    layer's second net (the education questions are its calm examples)."""
    found: Dict[str, List[str]] = {}
    for file in sorted(folder.rglob("*.yml")):
        for block in (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" not in block:
                continue
            for line in str(block.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    found.setdefault(block["intent"], []).append(
                        ENTITY_MARKUP.sub(r"\1", line.strip()[2:]).strip())
    return found


class _Literal(str):
    """A string YAML writes as a block literal, the way Rasa's examples look."""


yaml.add_representer(
    _Literal, lambda dumper, s: dumper.represent_scalar("tag:yaml.org,2002:str", s, style="|")
)


def _examples(words: List[str]) -> _Literal:
    return _Literal("".join(f"- {w}\n" for w in dict.fromkeys(words)))


def nlu_document() -> Dict[str, object]:
    """Lookup tables per entity and one synonym block per key."""
    items: List[Dict[str, object]] = []
    for entity, table in (("site", vocabulary.SITES), ("cancer_type", vocabulary.CANCER_TYPES)):
        every = [w for key, words in table.items() for w in [key.replace("_", " "), *words]]
        items.append({"lookup": entity, "examples": _examples(every)})
    synonyms: Dict[str, List[str]] = {}
    for table in (vocabulary.SITES, vocabulary.CANCER_TYPES):
        for key, words in table.items():
            synonyms.setdefault(key, []).extend(
                w for w in [key.replace("_", " "), *words] if w != key
            )
    for key, words in synonyms.items():
        items.append({"synonym": key, "examples": _examples(words)})
    return {"version": "3.1", "nlu": items}


def write(path: Path = GENERATED) -> bool:
    """Write the file if its content changed; True when written."""
    text = "# Generated from data/vocabulary.yml (bot/vocabulary.py) by `make` (python -m bot prepare). Do not edit.\n"
    text += yaml.dump(nlu_document(), sort_keys=False, allow_unicode=True, width=1000)
    if path.exists() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return True
