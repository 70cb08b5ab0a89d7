"""Loading and checking the reviewed safety data in data/safety/*.yml.

Why a checker: the rules are data a content reviewer edits, and a slip in them (a word
class spelled wrong, a rule for a condition that has no reply opening, a source left out)
must stop the assistant at start-up with a message that names the file and the entry,
not silently turn a red flag into "no match".

Files (red_flags.yml in the same folder belongs to the content placeholders, not here):
words.yml (word classes, two-word cues, macros, rewrites), rules.yml (the phrases),
typos.yml (misspellings), conditions.yml (per condition: opening, time_critical, sources).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Set, Tuple

import yaml

from bot.paths import SAFETY_DIR
from bot.safety import patterns

FILES = ("words.yml", "rules.yml", "typos.yml", "conditions.yml")
STATUSES = ("approved", "draft")
KINDS = ("symptom", "name", "crisis", "denial", "ruled_out")
RULE_KEYS = frozenset({"id", "condition", "weights", "kind", "strong", "alone_with", "only_with",
                       "temperature", "not_after", "not_before", "not_in_sentence", "patterns",
                       "note", "whole_message", "one_sign", "cue", "vetoes", "past_counts",
                       "holds_now"})
CONDITION_KEYS = frozenset({"title", "time_critical", "opening", "opening_someone_else",
                            "becomes", "sources"})
#: Keys a flag can carry that no rule names: the crisis key and the classifier-only key.
BUILT_IN_CONDITIONS = ("self_harm", "unspecified")
#: Word classes the context reader (reader.py) and engine look up by name.
READER_CLASSES = (
    "FAMILY", "PERSONAL", "POSSESSIVE", "EDU", "EDU_WEAK", "QSTART", "NEG", "NEG_GAP",
    "CLAUSE_WORDS", "LIST_CONJ", "RESOLVED", "RESOLVED_GAP", "IF_WORDS", "HYPO_VERBS",
    "GENERIC_ADJ", "MODAL_Q", "KNOW_WORDS", "MILD", "NOW", "PAST_WORDS", "ONGOING",
    "CLAUSE_BREAK", "SENT_BREAK", "SIGN_WORDS", "YOUNG", "WAS_WERE", "YEAR_CUE", "MONTHS", "BE_NOW",
    "NAME_SKIP", "NAME_HAVE", "OPENERS", "TOPIC_FRAME", "GENERIC_Q", "SPEECH_VERBS", "GAP_EXTRA", "COMMON", "FILLER",
    "SELF_REF", "OTHER_REF", "HYPO_SENTENCE", "QUERY", "NEW_CLAUSE", "MAYBE", "IF_ALSO",
    "RESOLVED_AUX", "RESOLVED_NOT", "RESOLVED_REACH", "EARLIER", "STILL_BAD", "RESOLVED_NOW",
    "RESOLVED_SUBJ", "MESSAGE_VERBS", "WARNED", "STOPPED", "STOPPED_HOW", "FEVER_TREATED",
    "FEVER_MASKED", "LIST_NONE", "CHECK_VERBS", "DOCUMENT", "QUOTES", "GERUND_Q",
    "ANIMALS", "FICTION", "STRANGERS", "FINE_SINCE", "RECENT", "OVER_NOW", "CONTRAST",
)
_CLASS_NAME = re.compile(r"^[A-Z][A-Z_]*$")


class SafetyDataError(ValueError):
    """A data/safety file is malformed; the message names the file and the entry."""

    def __init__(self, file: str, entry: str, problem: str) -> None:
        super().__init__(f"{file}: {entry}: {problem}")
        self.file, self.entry, self.problem = file, entry, problem


@dataclass(frozen=True)
class Condition:
    """What the reply needs to know about one red-flag (or crisis) condition."""

    key: str
    opening: str  # one or two plain sentences that name the danger
    time_critical: bool  # True: call the emergency number now
    sources: Tuple[Tuple[str, str], ...]  # (title, url)
    title: str = ""
    opening_someone_else: str = ""  # the opening when a carer writes about someone else
    becomes: Optional[Tuple[str, FrozenSet[str]]] = None  # (condition, when also one of these)


@dataclass(frozen=True)
class Rule:
    """One family of phrases: what it signals and how much it takes to count."""

    id: str
    weights: Tuple[Tuple[str, float], ...]
    patterns: Tuple[str, ...]
    strong: bool = True
    kind: str = "symptom"
    not_after: FrozenSet[str] = frozenset()
    not_before: FrozenSet[str] = frozenset()
    not_in_sentence: FrozenSet[str] = frozenset()
    alone_with: FrozenSet[str] = frozenset()  # a soft sign counts alone with one of these
    only_with: FrozenSet[str] = frozenset()  # the rule counts only with one of these
    temperature: bool = False  # a normal reading after the phrase vetoes it
    whole_message: bool = False  # (ruled_out) the veto reaches every sentence of the message
    one_sign: bool = False  # (soft) its patterns are one sign: two of them never make a pair
    cue: str = ""  # (soft crisis) the kind of cue it is, when not its own id
    vetoes: FrozenSet[str] = frozenset()  # (ruled_out) only these rules' phrases, by id
    past_counts: bool = False  # (crisis) counts even when said to be long past
    holds_now: bool = False  # (ruled_out) a fact of now ("passing wind"): vetoes even then

    @property
    def cue_kind(self) -> str:
        """Soft crisis cues of two different kinds count together (Engine.crisis_cues)."""
        return self.cue or self.id

    def weight(self, condition: str) -> float:
        return dict(self.weights).get(condition, 0.0)


@dataclass(frozen=True)
class SafetyData:
    """Everything the engine reads, checked."""

    words: Mapping[str, FrozenSet[str]]
    now_pairs: FrozenSet[Tuple[str, str]]
    past_pairs: FrozenSet[Tuple[str, str]]
    macros: Mapping[str, Tuple[str, ...]]
    rewrites: Tuple[Tuple[str, str], ...]  # (regex, replacement word)
    rules: Tuple[Rule, ...]
    conditions: Mapping[str, Condition]  # in priority order
    typos: Mapping[str, str]
    versions: Mapping[str, int]
    future_pairs: FrozenSet[Tuple[str, str]] = frozenset()  # "one day", "some point"
    recent_pairs: FrozenSet[Tuple[str, str]] = frozenset()  # "last night": now-ish, but past


def load(directory: Path = SAFETY_DIR) -> SafetyData:
    """Read and check the four files; raises SafetyDataError naming file and entry."""
    raw = {name: read_file(directory / name) for name in FILES}
    versions = {name: check_meta(name, doc) for name, doc in raw.items()}
    words_doc = raw["words.yml"]
    words = _classes(_mapping(words_doc, "classes", "words.yml"))
    missing = [name for name in READER_CLASSES if name not in words]
    if missing:
        raise SafetyDataError("words.yml", "classes", f"missing word classes {missing}")
    macros = {name: tuple(_strings(v, "words.yml", f"macros.{name}"))
              for name, v in _mapping(words_doc, "macros", "words.yml").items()}
    rewrites = tuple(_rewrite(i, r) for i, r in enumerate(words_doc.get("rewrites") or []))
    pairs = _mapping(words_doc, "pairs", "words.yml")
    now_pairs, past_pairs, future_pairs, recent_pairs = (
        _pairs(pairs, key) for key in ("NOW", "PAST", "FUTURE", "RECENT"))
    conditions = _conditions(_mapping(raw["conditions.yml"], "conditions", "conditions.yml"))
    rules = _rules(raw["rules.yml"].get("rules"), words, macros, conditions)
    typos = _typos(raw["typos.yml"])
    return SafetyData(words, now_pairs, past_pairs, macros, rewrites, rules, conditions, typos,
                      versions, future_pairs, recent_pairs)


def read_file(path: Path) -> Dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            doc = yaml.safe_load(handle)
    except FileNotFoundError:
        raise SafetyDataError(path.name, "(file)", f"not found in {path.parent}") from None
    except yaml.YAMLError as error:
        raise SafetyDataError(path.name, "(file)", f"not valid YAML: {error}") from None
    if not isinstance(doc, dict):
        raise SafetyDataError(path.name, "(file)", "must be a mapping")
    return doc


def check_meta(name: str, doc: Mapping[str, Any]) -> int:
    """The same review metadata as content entries: status, reviewer role, date, version."""
    if doc.get("status") not in STATUSES:
        raise SafetyDataError(name, "status", f"must be one of {STATUSES}")
    if not isinstance(doc.get("reviewed_by"), str) or not doc["reviewed_by"].strip():
        raise SafetyDataError(name, "reviewed_by", "must name the reviewer's role")
    if not isinstance(doc.get("reviewed_on"), dt.date):
        raise SafetyDataError(name, "reviewed_on", "must be a date (YYYY-MM-DD)")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SafetyDataError(name, "version", "must be a whole number >= 1")
    return version


def _mapping(doc: Mapping[str, Any], key: str, file: str) -> Dict[str, Any]:
    value = doc.get(key)
    if not isinstance(value, dict) or not value:
        raise SafetyDataError(file, key, "must be a non-empty mapping")
    return value


def _strings(value: Any, file: str, entry: str) -> List[str]:
    """A list of strings, or one string of space-separated words."""
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v
                                                           for v in value):
        raise SafetyDataError(file, entry, "must be words (a string or a list of strings)")
    return value


def _classes(raw: Mapping[str, Any]) -> Dict[str, FrozenSet[str]]:
    """Word classes with @NAME references resolved (no cycles)."""
    for name in raw:
        if not isinstance(name, str) or not _CLASS_NAME.match(name):
            raise SafetyDataError("words.yml", f"classes.{name}", "class names are UPPER_CASE")
    items = {name: _strings(value, "words.yml", f"classes.{name}") for name, value in raw.items()}
    done: Dict[str, FrozenSet[str]] = {}

    def resolve(name: str, seen: Tuple[str, ...]) -> FrozenSet[str]:
        if name in done:
            return done[name]
        if name in seen:
            raise SafetyDataError("words.yml", f"classes.{name}", f"refers to itself via {seen}")
        out: Set[str] = set()
        for word in items[name]:
            if word.startswith("@"):
                if word[1:] not in items:
                    raise SafetyDataError("words.yml", f"classes.{name}",
                                          f"unknown word class {word}")
                out |= resolve(word[1:], seen + (name,))
            else:
                out.add(word.lower())
        done[name] = frozenset(out)
        return done[name]

    for name in items:
        resolve(name, ())
    return done


def _pairs(raw: Mapping[str, Any], key: str) -> FrozenSet[Tuple[str, str]]:
    out = set()
    for text in _strings(raw.get(key), "words.yml", f"pairs.{key}") if key in raw else []:
        parts = text.split()
        if len(parts) != 2:
            raise SafetyDataError("words.yml", f"pairs.{key}", f"{text!r} is not two words")
        out.add((parts[0], parts[1]))
    if not out:
        raise SafetyDataError("words.yml", f"pairs.{key}", "missing")
    return frozenset(out)


#: A rewrite's replacement: a word, a reading ("38", a spoken temperature), or the
#: pattern's first group plus letters ("\\1ing": a dropped g, "sittin'" -> "sitting").
_REWRITE_TO = re.compile(r"[a-z]+|\d+(\.\d+)?|\\1[a-z]*")


def _rewrite(index: int, raw: Any) -> Tuple[str, str]:
    entry = f"rewrites[{index}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("pattern"), str) or \
            not isinstance(raw.get("to"), str) or not _REWRITE_TO.fullmatch(raw["to"]):
        raise SafetyDataError("words.yml", entry, "needs `pattern` (a regex) and `to` (a word, "
                                                  "a reading such as 38, or \\1 + letters)")
    try:
        compiled = re.compile(raw["pattern"])
    except re.error as error:
        raise SafetyDataError("words.yml", entry, f"bad regex: {error}") from None
    if "\\" in raw["to"] and compiled.groups < 1:
        raise SafetyDataError("words.yml", entry, "`to` uses \\1 but the pattern has no group")
    return raw["pattern"], raw["to"]


def _conditions(raw: Mapping[str, Any]) -> Dict[str, Condition]:
    out: Dict[str, Condition] = {}
    for key, spec in raw.items():
        entry = f"conditions.{key}"
        if not isinstance(spec, dict):
            raise SafetyDataError("conditions.yml", entry, "must be a mapping")
        unknown = set(spec) - CONDITION_KEYS
        if unknown:
            raise SafetyDataError("conditions.yml", entry, f"unknown fields {sorted(unknown)}")
        opening = spec.get("opening")
        if not isinstance(opening, str) or not opening.strip():
            raise SafetyDataError("conditions.yml", entry, "missing opening")
        if not isinstance(spec.get("time_critical"), bool):
            raise SafetyDataError("conditions.yml", entry, "time_critical must be true or false")
        sources = spec.get("sources")
        if not isinstance(sources, list) or not sources:
            raise SafetyDataError("conditions.yml", entry, "missing source")
        pairs = []
        for source in sources:
            if not isinstance(source, dict) or not isinstance(source.get("title"), str) or \
                    not re.match(r"^https?://\S+$", str(source.get("url", ""))):
                raise SafetyDataError("conditions.yml", entry,
                                      "each source needs a title and an http(s) url")
            pairs.append((source["title"], source["url"]))
        out[key] = Condition(key, " ".join(opening.split()), spec["time_critical"], tuple(pairs),
                             str(spec.get("title", "")),
                             " ".join(str(spec.get("opening_someone_else", "")).split()),
                             _becomes(spec.get("becomes"), entry, raw))
    for key in BUILT_IN_CONDITIONS:
        if key not in out:
            raise SafetyDataError("conditions.yml", f"conditions.{key}", "missing")
    return out


def _becomes(raw: Any, entry: str, known: Mapping[str, Any]) -> Optional[Tuple[str, FrozenSet[str]]]:
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("condition") not in known or \
            not isinstance(raw.get("when_also"), list) or \
            not all(c in known for c in raw["when_also"]):
        raise SafetyDataError("conditions.yml", f"{entry}.becomes",
                              "needs a known `condition` and a list of known `when_also`")
    return raw["condition"], frozenset(raw["when_also"])


def _rules(raw: Any, words: Mapping[str, FrozenSet[str]], macros: Mapping[str, Tuple[str, ...]],
           conditions: Mapping[str, Condition]) -> Tuple[Rule, ...]:
    if not isinstance(raw, list) or not raw:
        raise SafetyDataError("rules.yml", "rules", "must be a non-empty list")
    out, seen = [], set()
    for index, spec in enumerate(raw):
        entry = f"rules[{index}]"
        if not isinstance(spec, dict):
            raise SafetyDataError("rules.yml", entry, "must be a mapping")
        entry = str(spec.get("id") or entry)
        if entry in seen:
            raise SafetyDataError("rules.yml", entry, "duplicate id")
        seen.add(entry)
        unknown = set(spec) - RULE_KEYS
        if unknown:
            raise SafetyDataError("rules.yml", entry, f"unknown fields {sorted(unknown)}")
        out.append(_rule(entry, spec, words, macros, conditions))
    for rule in out:
        unknown_ids = rule.vetoes - seen
        if unknown_ids:
            raise SafetyDataError("rules.yml", rule.id, f"vetoes unknown rules {sorted(unknown_ids)}")
    return tuple(out)


def _rule(entry: str, spec: Mapping[str, Any], words: Mapping[str, FrozenSet[str]],
          macros: Mapping[str, Tuple[str, ...]], conditions: Mapping[str, Condition]) -> Rule:
    if ("condition" in spec) == ("weights" in spec):
        raise SafetyDataError("rules.yml", entry, "needs either `condition` or `weights`")
    weights = {spec["condition"]: 1.0} if "condition" in spec else spec["weights"]
    if not isinstance(weights, dict) or not weights:
        raise SafetyDataError("rules.yml", entry, "weights must be {condition: number}")
    for key, value in weights.items():
        if key not in conditions:
            raise SafetyDataError("rules.yml", entry, f"unknown condition {key!r}")
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value <= 2:
            raise SafetyDataError("rules.yml", entry, f"weight of {key} must be in (0, 2]")
    kind = spec.get("kind", "symptom")
    if kind not in KINDS:
        raise SafetyDataError("rules.yml", entry, f"kind must be one of {KINDS}")
    for flag in ("strong", "temperature", "whole_message", "one_sign", "past_counts", "holds_now"):
        if not isinstance(spec.get(flag, False), bool):
            raise SafetyDataError("rules.yml", entry, f"{flag} must be true or false")
    for flag in ("whole_message", "holds_now"):
        if spec.get(flag) and kind != "ruled_out":
            raise SafetyDataError("rules.yml", entry, f"{flag} is for kind: ruled_out only")
    if spec.get("past_counts") and kind != "crisis":
        raise SafetyDataError("rules.yml", entry, "past_counts is for kind: crisis only")
    vetoed: FrozenSet[str] = frozenset()
    if "vetoes" in spec:
        if kind != "ruled_out":
            raise SafetyDataError("rules.yml", entry, "vetoes is for kind: ruled_out only")
        vetoed = frozenset(_strings(spec["vetoes"], "rules.yml", f"{entry}.vetoes"))
    cue = spec.get("cue", "")
    if cue and (kind != "crisis" or spec.get("strong", True) or not isinstance(cue, str)):
        raise SafetyDataError("rules.yml", entry, "cue (a kind's rule id) is for soft crisis "
                                                  "rules only (kind: crisis, strong: false)")
    found = spec.get("patterns")
    if not isinstance(found, list) or not found or not all(isinstance(p, str) for p in found):
        raise SafetyDataError("rules.yml", entry, "patterns must be a non-empty list of strings")
    for pattern in found:
        try:
            patterns.compile_pattern(pattern, words, macros)
        except ValueError as error:
            raise SafetyDataError("rules.yml", entry, f"pattern {pattern!r}: {error}") from None
    vetoes = {key: frozenset(_strings(spec[key], "rules.yml", f"{entry}.{key}"))
              for key in ("not_after", "not_before", "not_in_sentence") if key in spec}
    context = {}
    for key in ("alone_with", "only_with"):
        if key in spec:
            if spec[key] not in words:
                raise SafetyDataError("rules.yml", entry, f"{key}: unknown word class {spec[key]!r}")
            context[key] = words[spec[key]]
    return Rule(entry, tuple((k, float(v)) for k, v in weights.items()), tuple(found),
                spec.get("strong", True), kind, temperature=spec.get("temperature", False),
                whole_message=spec.get("whole_message", False),
                holds_now=spec.get("holds_now", False),
                one_sign=spec.get("one_sign", False), cue=cue, vetoes=vetoed,
                past_counts=spec.get("past_counts", False), **vetoes,
                **context)


def _typos(doc: Mapping[str, Any]) -> Dict[str, str]:
    """Automatic one-letter slips of the targets plus the manual list, checked."""
    targets = frozenset(_strings(doc.get("targets"), "typos.yml", "targets"))
    protected = frozenset(_strings(doc.get("protected"), "typos.yml", "protected"))
    for target in sorted(targets):
        if len(target) < 5:
            raise SafetyDataError("typos.yml", f"targets.{target}",
                                  "shorter than 5 letters: list its slips under manual")
    manual: Dict[str, str] = {}
    for word, spellings in _mapping(doc, "manual", "typos.yml").items():
        for spelling in _strings(spellings, "typos.yml", f"manual.{word}"):
            if spelling == word:
                raise SafetyDataError("typos.yml", f"manual.{word}", f"{spelling!r} maps to itself")
            if spelling in protected:
                raise SafetyDataError("typos.yml", f"manual.{word}", f"{spelling!r} is protected")
            if manual.get(spelling, word) != word:
                raise SafetyDataError("typos.yml", f"manual.{word}",
                                      f"{spelling!r} is also listed under {manual[spelling]!r}")
            manual[spelling] = word
    return patterns.build_typos(targets, protected, manual)
