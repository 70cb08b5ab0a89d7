"""The Rasa files that follow from the vocabulary: domain.yml's intents and data/rules.yml.

Why generated: every intent is answered by the one action (`action_respond`), so the
intent list and the 35-odd identical rules are pure repetition of bot/vocabulary.py.
Adding a topic then means vocabulary, NLU examples and content, nothing else.
domain.yml stays where Rasa users look, hand-written except for the block between the
markers, which `make` rewrites; data/rules.yml is a build output (not committed).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List

from bot.paths import DATA, ROOT
from bot.vocabulary import INTENTS

DOMAIN = ROOT / "domain.yml"
RULES = DATA / "rules.yml"
BEGIN = "# --- intents: generated from bot/vocabulary.py INTENTS by `make`; do not edit ---"
END = "# --- end of generated intents ---"
ACTION = "action_respond"
#: Rasa's own low-confidence intent (FallbackClassifier): answered by the same action.
FALLBACK_INTENT = "nlu_fallback"


def intents_block(intents: List[str]) -> str:
    lines = [BEGIN, "intents:"] + [f"  - {name}" for name in intents] + [END]
    return "\n".join(lines)


def domain_text(current: str, intents: List[str]) -> str:
    """domain.yml with its generated block replaced (the markers must be there)."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), flags=re.DOTALL)
    if not pattern.search(current):
        raise ValueError(f"{DOMAIN}: the generated-intents markers are missing")
    return pattern.sub(lambda _: intents_block(intents), current)


def rules_text(intents: List[str]) -> str:
    head = ("# Generated from bot/vocabulary.py by `make` (bot/rasa_files.py); do not edit.\n"
            "# Every intent is answered by the one custom action; what it says is decided in\n"
            "# bot/dialogue.py (safety layer first, then the vetted answer, then the notice).\n"
            'version: "3.1"\n\nrules:\n')
    rules = [f"- rule: {name}\n  steps:\n  - intent: {name}\n  - action: {ACTION}\n"
             for name in intents + [FALLBACK_INTENT]]
    return head + "\n".join(rules)


def _write(path: Path, text: str) -> bool:
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def write() -> bool:
    """Bring domain.yml's intents and data/rules.yml in line with the vocabulary."""
    domain = _write(DOMAIN, domain_text(DOMAIN.read_text(encoding="utf-8"), INTENTS))
    rules = _write(RULES, rules_text(INTENTS))
    return domain or rules
