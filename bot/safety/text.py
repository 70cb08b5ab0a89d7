"""The text the rules read: cleaned, lowercased, with every "can't" spelled "unable".

Why remember the rewrites: a flag quotes the user's own words (for logs), so offsets in
the rewritten text are mapped back to the text before it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import List, Sequence, Tuple

from bot.text import strip_control

#: Longest text the rules read (about 2,500 words). The action server already caps
#: messages at 10,000 characters (bot/text.py, MAX_MESSAGE_CHARS); this bound is for
#: direct callers. 12,000 characters of nothing but symptom words take well under a second.
MAX_CHARS = 12_000

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'",
                              "`": "'", "\u201c": '"', "\u201d": '"'})
_REPEATS = re.compile(r"([a-z])\1{2,}")
_SPACES = re.compile(r"[ \t\r\f\v]+")
#: One rewrite: (start, end) in the rewritten text, (start, end) in the text before.
Edit = Tuple[int, int, int, int]


def clean(text: str) -> str:
    """Lowercase NFKC text without control characters or letter runs ("sooo" -> "soo")."""
    text = strip_control(text[:MAX_CHARS])
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    text = _REPEATS.sub(r"\1\1", text)
    return _SPACES.sub(" ", text).strip()


class Rewriter:
    """Applies words.yml `rewrites`, remembering where each one was. A rewrite's `to` is a
    word, or a template of the pattern's own groups ("\\1ing": "sittin'" -> "sitting")."""

    def __init__(self, rewrites: Sequence[Tuple[str, str]]) -> None:
        self.regex = re.compile("|".join(
            rf"(?P<r{i}>(?<![\w'])(?:{pattern})(?![\w']))"
            for i, (pattern, _) in enumerate(rewrites)))
        self.to = {f"r{i}": word for i, (_, word) in enumerate(rewrites)}
        self.templates = {f"r{i}": re.compile(pattern) for i, (pattern, word) in
                          enumerate(rewrites) if "\\" in word}

    def rewrite(self, text: str) -> Tuple[str, List[Edit]]:
        parts: List[str] = []
        edits: List[Edit] = []
        last = shift = 0
        for found in self.regex.finditer(text):
            group = found.lastgroup or ""
            word = self.to[group]
            if group in self.templates:
                whole = self.templates[group].fullmatch(found.group())
                word = whole.expand(word) if whole else found.group()
            parts += [text[last:found.start()], word]
            start = found.start() + shift
            edits.append((start, start + len(word), found.start(), found.end()))
            shift += len(word) - (found.end() - found.start())
            last = found.end()
        parts.append(text[last:])
        return "".join(parts), edits


def before_rewrite(pos: int, edits: List[Edit], end: bool) -> int:
    """Map an offset in the rewritten text back to the text before the rewrites."""
    shift = 0
    for new_start, new_end, old_start, old_end in edits:
        if pos < new_start or (end and pos == new_start):
            break
        if pos < new_end or (end and pos == new_end):
            return old_end if end else old_start
        shift = old_end - new_end
    return pos + shift


def quote(doc_text_offsets: Tuple[int, int], text: str, edits: List[Edit]) -> str:
    """The matched span in the user's (lowercased) words, widened to whole words
    ("nt want" -> "dont want"); `text` is the text before the rewrites."""
    lo = before_rewrite(doc_text_offsets[0], edits, end=False)
    hi = before_rewrite(doc_text_offsets[1], edits, end=True)
    while lo > 0 and not text[lo - 1].isspace():
        lo -= 1
    while hi < len(text) and not text[hi].isspace():
        hi += 1
    return text[lo:hi][:200].strip(" ,.;:!?\"()")
