"""Generate Rasa's lookup tables and synonyms from the vocabulary (never copied by hand).

The output, data/nlu/generated/vocabulary.yml, is a build artefact: `make` writes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import yaml

from bot import vocabulary
from bot.paths import DATA

GENERATED = DATA / "nlu" / "generated" / "vocabulary.yml"


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
