"""Cleaning of user text before anything reads it: the one place messages are capped.

Why: patients paste long letters, binary junk or markup. Nothing downstream should
crash on it or echo it back, and no component should have to re-check it.
"""

from __future__ import annotations

import re
import unicodedata

#: Longest message the assistant reads; the rest is ignored (and the user is told).
MAX_MESSAGE_CHARS = 10_000

#: Characters no reader should see: C0/C1 controls (not tab, newline or carriage return),
#: the soft hyphen, format characters (zero-width, direction and word-joiner marks,
#: Arabic number signs), line/paragraph separators, the BOM, interlinear annotation marks
#: and lone surrogates (which make spaCy and JSON encoders fail). The one definition:
#: the channels, the Rasa component, the safety layer and the action all clean with
#: `strip_control`.
CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u200b-\u200f"
    r"\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]"
)
_SPACE = re.compile(r"\s+")


def strip_control(text: str) -> str:
    """`text` with every CONTROL character replaced by a space (offsets unchanged)."""
    return CONTROL.sub(" ", text)


def clean_message(text: object) -> str:
    """Normalise, strip control characters and cap the length of one user message."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = unicodedata.normalize("NFKC", strip_control(text))
    text = _SPACE.sub(" ", text).strip()
    return text[:MAX_MESSAGE_CHARS]


def was_truncated(raw: object) -> bool:
    """True when the user's message was longer than the assistant reads."""
    return isinstance(raw, str) and len(raw.strip()) > MAX_MESSAGE_CHARS


#: Function words of the languages patients here most often write in besides English.
#: None is an English word, so two of them in a short message mean "not English".
_FOREIGN_WORDS = frozenset(
    "que es el los las del por para una est les des und der die das ist nicht ich "
    "não uma che sono con como qué cómo está pourquoi comment avec dans sur mon ma "
    "mes pas wie ist mein meine ein eine".split()
)
_WORD = re.compile(r"[^\W\d_]+")


def letter_share(text: str) -> float:
    """Share of letters that are basic Latin: a cheap hint that the text is not English."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if c.isascii()) / len(letters)


def looks_non_english(text: str) -> bool:
    """True for text mostly in another script, or with several common foreign function
    words (Spanish, French, German, Portuguese, Italian). Kept deliberately cautious:
    a miss only means the classifier's clarifying question instead of this hint."""
    if any(c.isalpha() for c in text) and letter_share(text) < 0.5:
        return True
    words = [w.lower() for w in _WORD.findall(text)]
    foreign = sum(1 for w in words if w in _FOREIGN_WORDS)
    return foreign >= 2 and foreign >= 0.3 * len(words)
