"""The rules' pattern mini-language turned into spaCy Matcher specs, and the typo map.

Mini-language (documented for reviewers at the top of data/safety/rules.yml): tokens
separated by spaces; "a|b|@CLASS" is one token from the union; a trailing "?" makes it
optional; "~N" is up to N filler words (never a negation or a clause break; "~N," may also
skip commas); "#TEMP" is a fever reading; "{CANT}" expands a macro.

Why anchors: the Matcher costs about 0.1 ms per token with a few hundred patterns, so it
only reads windows around words that some pattern requires; a message without any of
them (most education questions) never reaches it.
"""

from __future__ import annotations

import re
from itertools import product
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterable, List, Mapping, Optional, Tuple

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc

    from bot.safety.data import SafetyData

Spec = Dict[str, object]

#: A fever's number (38-42 C, 100-106 F) and a temperature's unit.
_FEVER_NUMBER = r"((3[89]|4[0-2])([.,]\d{1,2})?|(10[0-6])([.,]\d{1,2})?)"
_UNIT = r"(c|f|°c|°f|°)"
TEMP_RE = rf"^{_FEVER_NUMBER}{_UNIT}?$"
TEMP_DEC_RE = r"^(3[89]|4[01])[.,]\d(c|°c|°)?$"
#: A reading that is not a fever ("a fever of 37.5"), for rules marked `temperature`.
NORMAL_TEMP = re.compile(r"^(3[5-7]([.,]\d{1,2})?|9[5-9]([.,]\d)?)(c|f|°c|°f|°)?$")
#: A reading just under a fever (37.5 to 37.9 C, 99.5 to 100.3 F): with feeling unwell on
#: treatment it still needs a call.
TEMP_LOW_RE = r"^(37[.,][5-9]|99[.,][5-9]|100[.,][0-3])(c|f|°c|°f|°)?$"
LOW_TEMP = re.compile(TEMP_LOW_RE)
#: A fever reading written with its unit ("101F", "38.5C"): a temperature without the word.
TEMP_UNIT_RE = rf"^{_FEVER_NUMBER}{_UNIT}$"
READINGS = {"#TEMP": TEMP_RE, "#TEMPDEC": TEMP_DEC_RE, "#TEMPLOW": TEMP_LOW_RE,
            "#TEMPU": TEMP_UNIT_RE}
MAX_GAP = 9


def expand_macros(pattern: str, macros: Mapping[str, Tuple[str, ...]]) -> List[str]:
    """Expand "{NAME}" macros into one pattern string per alternative."""
    parts = re.split(r"(\{[A-Za-z_]+\})", pattern)
    options = []
    for part in parts:
        if part.startswith("{"):
            if part[1:-1] not in macros:
                raise ValueError(f"unknown macro {part}")
            options.append(list(macros[part[1:-1]]))
        else:
            options.append([part])
    return [re.sub(r"\s+", " ", "".join(choice)).strip() for choice in product(*options)]


def token_spec(token: str, words: Mapping[str, FrozenSet[str]],
               gap_exclude: List[str]) -> List[Spec]:
    """One mini-language token as Matcher token specs; ValueError if it is malformed."""
    if token.startswith("~"):
        commas = token.endswith(",")  # "~4,": the gap may also hold commas ("red, swollen")
        size = token[1:-1] if commas else token[1:]
        if not size.isdigit() or not 1 <= int(size) <= MAX_GAP:
            raise ValueError(f"bad gap {token!r} (use ~1 to ~{MAX_GAP}, or ~N, with commas)")
        gap: Spec = {"NORM": {"NOT_IN": gap_exclude}, "IS_SPACE": False, "OP": "?"}
        # Quote marks may stand in a gap ("he'll 'sort it himself' with his pills"); other
        # punctuation ends it, except commas in "~N,".
        if commas:
            gap["TEXT"] = {"REGEX": r"^(,|[\w'].*|[\"‘’“”])$"}
        else:
            gap["TEXT"] = {"REGEX": r"^(?![.,;:!?…()\[\]{}/\\|*~–—&%#@+=_-]+$)"}
        return [dict(gap) for _ in range(int(size))]
    optional = token.endswith("?") and len(token) > 1
    if optional:
        token = token[:-1]
    if token.startswith("#"):
        if token not in READINGS:
            raise ValueError(f"unknown reading {token!r}")
        spec: Spec = {"NORM": {"REGEX": READINGS[token]}}
    else:
        found: set = set()
        for alt in token.split("|"):
            if not alt:
                raise ValueError(f"empty alternative in {token!r}")
            if alt.startswith("@"):
                if alt[1:] not in words:
                    raise ValueError(f"unknown word class {alt}")
                found |= words[alt[1:]]
            else:
                found.add(alt)
        spec = {"NORM": {"IN": sorted(found)}}
    if optional:
        spec["OP"] = "?"
    return [spec]


def compile_pattern(pattern: str, words: Mapping[str, FrozenSet[str]],
                    macros: Mapping[str, Tuple[str, ...]],
                    gap_exclude: Optional[List[str]] = None) -> List[List[Spec]]:
    """All Matcher specs of one pattern (one per macro alternative)."""
    if not pattern.strip():
        raise ValueError("empty pattern")
    out = []
    for expanded in expand_macros(pattern, macros):
        specs: List[Spec] = []
        for token in expanded.split(" "):
            specs.extend(token_spec(token, words, gap_exclude or []))
        if all(spec.get("OP") for spec in specs):
            raise ValueError("every token is optional: the pattern needs a required word")
        out.append(specs)
    return out


def anchor(specs: List[Spec], common: FrozenSet[str]) -> Tuple[FrozenSet[str], Optional[str]]:
    """The words of the rarest required token of a pattern (no match without one of them),
    or else the regex of a required reading token."""
    options = []
    regex = None
    for spec in specs:
        norm = spec.get("NORM")
        if spec.get("OP") or not isinstance(norm, dict):
            continue
        if "REGEX" in norm:
            regex = str(norm["REGEX"])
            continue
        found = frozenset(norm["IN"])
        options.append((bool(found & common), len(found), sorted(found), found))
    if options:
        return min(options)[3], None
    return frozenset(), regex


def slips(word: str) -> Iterable[str]:
    """One-letter slips: dropped (not the first), doubled and swapped letters."""
    for i in range(1, len(word)):
        yield word[:i] + word[i + 1:]
    for i in range(len(word)):
        yield word[:i] + word[i] + word[i:]
    for i in range(len(word) - 1):
        yield word[:i] + word[i + 1] + word[i] + word[i + 2:]


def build_typos(targets: FrozenSet[str], protected: FrozenSet[str],
                manual: Mapping[str, str]) -> Dict[str, str]:
    """Every slip of every target (never a protected word or another target), then the
    manual list on top."""
    typos: Dict[str, str] = {}
    for target in sorted(targets):
        for slip in slips(target):
            if slip != target and slip not in protected and slip not in targets:
                typos.setdefault(slip, target)
    typos.update(manual)
    return typos


class Pipeline:
    """spaCy blank English + one Matcher over every rule; built once, read-only afterwards."""

    def __init__(self, data: "SafetyData") -> None:
        import spacy  # imported here so importing the package stays cheap
        from spacy.matcher import Matcher

        self.typos = data.typos
        self.nlp = spacy.blank("en")
        self.matcher = Matcher(self.nlp.vocab)
        gap_exclude = sorted(data.words["NEG"] | data.words["GAP_EXTRA"])
        anchors: set = set()
        regexes: set = set()
        self.reach = 1
        self.rule_of: Dict[int, Tuple[int, str]] = {}  # match id -> (rule index, pattern key)
        for index, rule in enumerate(data.rules):
            for number, pattern in enumerate(rule.patterns):
                compiled = compile_pattern(pattern, data.words, data.macros, gap_exclude)
                for specs in compiled:
                    found, regex = anchor(specs, data.words["COMMON"])
                    anchors |= found
                    if regex:
                        regexes.add(regex)
                    self.reach = max(self.reach, len(specs))
                key = f"{rule.id}.{number}"
                self.matcher.add(key, compiled)
                self.rule_of[self.nlp.vocab.strings[key]] = (index, key)
        self.anchors = frozenset(anchors)
        self.anchor_regex = re.compile("|".join(sorted(regexes))) if regexes else None

    def doc(self, text: str) -> "Doc":
        """Tokens with typo-corrected norms."""
        doc = self.nlp.make_doc(text)
        for token in doc:
            fixed = self.typos.get(token.lower_)
            if fixed is not None:
                token.norm_ = fixed
        return doc

    def matches(self, doc: "Doc") -> List[Tuple[int, int, int]]:
        """Matcher results over the windows around anchor words, in doc offsets."""
        windows: List[List[int]] = []
        regex = self.anchor_regex
        for i, token in enumerate(doc):
            norm = token.norm_
            if norm in self.anchors or (regex is not None and norm[:1].isdigit() and
                                        regex.match(norm)):
                lo, hi = max(0, i - self.reach), min(len(doc), i + self.reach + 1)
                if windows and lo <= windows[-1][1]:
                    windows[-1][1] = hi
                else:
                    windows.append([lo, hi])
        found = set()
        for lo, hi in windows:
            for match_id, start, end in self.matcher(doc[lo:hi]):
                found.add((match_id, lo + start, lo + end))
        return sorted(found, key=lambda m: (m[1], m[2]))
