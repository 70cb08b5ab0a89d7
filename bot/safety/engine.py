"""Matching one message against the rules and deciding: crisis, emergency (which
condition, whose), or nothing.

How it decides, in order, for each matched phrase (spaCy Matcher over token norms):
1. Typos and slang are mapped to canonical words first ("blod" -> "blood"), and every
   spelling of "can't" becomes "unable", so one pattern covers them all.
2. A phrase that is negated, in the past, over, or hypothetical does not count
   (clauses.py, reader.py).
3. A reported phrase counts, even inside a question; a question *about* the symptom is
   education.
4. Strong signs count alone; soft signs count when two different ones point to the same
   condition (or one, with the context word its rule names: "shivery" + "on chemo").
5. Self-harm wording wins over everything: it only has to be un-negated. Soft crisis
   cues (a means, a goodbye, a wish to be gone) count in pairs of different kinds.
The condition is chosen in Engine.choose: time-critical first, then the most weight,
then the order of conditions.yml; `becomes` lifts a condition to a more urgent one (a leg
clot with breathlessness is a lung clot).
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Tuple

from bot.safety.data import Rule, SafetyData, load
from bot.safety.patterns import Pipeline
from bot.safety.reader import Hit, Reader
from bot.safety.text import MAX_CHARS, Rewriter, clean, quote

logger = logging.getLogger(__name__)

EMERGENCY = "emergency"
CRISIS = "crisis"
SELF_HARM = "self_harm"
UNSPECIFIED = "unspecified"
#: At most this many other content words for a dismissal to count ("my legs are not
#: numb, just tired").
DISMISS_MAX_OTHER_WORDS = 4


@dataclass(frozen=True)
class SafetyFlag:
    """Why a message needs the urgent reply."""

    topic: str  # "emergency" or "crisis"
    condition: str  # a key of data/safety/conditions.yml, e.g. "spinal_cord_compression"
    phrase: str  # the matched words, for logs
    someone_else: bool = False  # the person at risk is not the writer (a carer writing)


@dataclass(frozen=True)
class Reading:
    """What the rules made of one message."""

    flag: Optional[SafetyFlag]
    #: Topics whose red-flag words the rules saw and read as not happening now (negated,
    #: past, over, hypothetical), in a message with little else in it. A classifier guess
    #: of that topic is then overruled.
    dismissed: FrozenSet[str] = frozenset()
    #: Topics whose red-flag words the rules saw and read, every one, as not happening now,
    #: however long the message. The second net needs to be surer to overrule that.
    denied: FrozenSet[str] = frozenset()


def _apart(hits: List[Hit]) -> List[Hit]:
    """The hits that do not overlap an earlier (or, at the same start, longer) one: each
    counts as a separate sign."""
    kept: List[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if all(hit.start >= k.end or hit.end <= k.start for k in kept):
            kept.append(hit)
    return kept


class Engine:
    """The checked data, the matcher and the rewriter, built once."""

    def __init__(self, data: SafetyData) -> None:
        self.data = data
        self.pipe = Pipeline(data)
        self.rewriter = Rewriter(data.rewrites)
        self.priority = list(data.conditions)
        w = data.words
        self.filler = frozenset().union(*(w[name] for name in (
            "NEG", "PERSONAL", "CLAUSE_WORDS", "LIST_CONJ", "NEG_GAP", "RESOLVED",
            "RESOLVED_GAP", "MILD", "NOW", "PAST_WORDS", "ONGOING", "COMMON", "IF_WORDS",
            "HYPO_VERBS", "EDU", "FILLER")))

    def normalise(self, text: str) -> str:
        """The text the matcher reads: cleaned, with every "can't" spelled "unable" etc."""
        return self.rewriter.rewrite(clean(text))[0]

    def read(self, text: str) -> Reading:
        original = clean(text)
        rewritten, edits = self.rewriter.rewrite(original)
        if not rewritten:
            return Reading(None)
        doc = self.pipe.doc(rewritten)
        matches = self.pipe.matches(doc)
        if not matches:
            return Reading(None)
        reader = Reader(doc, self.data)
        hits = []
        present = set(reader.norms)
        for match_id, start, end in matches:
            index, key = self.pipe.rule_of[match_id]
            rule = self.data.rules[index]
            # A rule whose context word is absent does not apply at all: its phrase is not
            # read as denied either ("the back of my knee is agony" without myeloma).
            if rule.only_with and not rule.only_with & present:
                continue
            hits.append(Hit(rule, key, start, end))

        def phrase(hit: Hit) -> str:
            span = (doc[hit.start].idx, doc[hit.end - 1].idx + len(doc[hit.end - 1].text))
            return quote(span, original, edits)

        crisis = [h for h in hits if h.rule.kind == "crisis" and h.rule.strong]
        for hit in sorted(crisis, key=lambda h: h.start - h.end):  # longest first
            if reader.reported(hit):
                return Reading(SafetyFlag(CRISIS, SELF_HARM, phrase(hit),
                                          reader.someone_else(hit.start, hit.end)))
        cues = [h for h in hits if h.rule.kind == "crisis" and not h.rule.strong
                and reader.reported(h)]
        if self.crisis_cues(cues):
            # A cue that names an indefinite person ("so that someone knows") does not say
            # who is at risk: another cue of the message, if any, decides.
            lead = next((h for h in cues if not self.data.words["INDEFINITE"].intersection(
                reader.norms[h.start:h.end])), cues[0])
            return Reading(SafetyFlag(CRISIS, SELF_HARM, phrase(lead),
                                      reader.someone_else(lead.start, lead.end)))
        urgent = [h for h in hits if h.rule.kind != "crisis"]
        ruled_out = [h for h in urgent if h.rule.kind == "ruled_out"
                     and not reader.negated(h.start, h.end)]  # "hasn't passed wind"
        reported = [h for h in urgent if reader.reported(h) and not any(
            self.vetoes(r.rule, h.rule) and reader.ruled_out(r, h) for r in ruled_out)
            and not any(r.start <= h.start and h.end <= r.end for r in ruled_out)]  # the sign ruled out
        alone = [h for h in reported if h.rule.strong or (
            h.rule.alone_with and any(word in h.rule.alone_with for word in reader.norms))]
        if alone or self.soft_pair(reported):
            condition, hit = self.choose(reported, alone)
            return Reading(SafetyFlag(EMERGENCY, condition, phrase(hit),
                                      reader.someone_else(hit.start, hit.end)))
        dismissed, denied = set(), set()
        for topic, found in ((CRISIS, crisis), (EMERGENCY, urgent)):
            if found and not (reported if topic == EMERGENCY else []):
                denied.add(topic)
                if self.other_words(reader, found) <= DISMISS_MAX_OTHER_WORDS:
                    dismissed.add(topic)
        return Reading(None, frozenset(dismissed), frozenset(denied))

    def choose(self, hits: List[Hit], alone: List[Hit]) -> Tuple[str, Hit]:
        """The condition with the most weight among the reported phrases (ties: the one
        listed first in conditions.yml), and its phrase. A condition's `becomes` adds its
        weight to a more urgent one when that one's signs are also there. A time-critical
        condition that a sign shows on its own comes before any other: "can't walk and my
        back is killing me" is cord compression, not back pain."""
        scores: Dict[str, float] = {}
        for hit in hits:
            for condition, weight in hit.rule.weights:
                factor = 1.0 if hit in alone else 0.9
                scores[condition] = scores.get(condition, 0.0) + weight * factor
        conditions = self.data.conditions
        critical = {c for h in alone for c, weight in h.rule.weights
                    if weight >= 1.0 and conditions[c].time_critical}
        for key in list(scores):  # `becomes`: a leg clot with breathlessness is a lung clot
            upgrade = conditions[key].becomes
            if upgrade is not None and any(
                    not h.rule.weight(key) and any(h.rule.weight(c) for c in upgrade[1])
                    for h in hits):
                target, also = upgrade
                scores[target] = scores.get(target, 0.0) + scores[key] + sum(
                    scores.get(c, 0.0) for c in also if c != target)
                if conditions[target].time_critical:
                    critical.add(target)
        pool = critical or set(scores)
        best = max(pool, key=lambda c: (scores[c], -self.priority.index(c)))
        for group in (alone, hits):
            for hit in group:
                if hit.rule.weight(best):
                    return best, hit
        return best, (alone or hits)[0]

    @staticmethod
    def vetoes(veto: Rule, rule: Rule) -> bool:
        """A ruled_out rule vetoes the phrases of its condition, or only the rules it names
        ("passing wind, eating fine" vetoes the days without a poo, not confusion)."""
        if veto.vetoes:
            return rule.id in veto.vetoes
        return bool(rule.weight(veto.weights[0][0]))

    @staticmethod
    def soft_pair(hits: List[Hit]) -> bool:
        """Two separate soft signs that point to the same condition (thirst + vomiting). The
        patterns of a `one_sign` rule are one sign said in different ways ("worse lying
        down", "wakes me at night"): they pair only with another rule's sign (back pain)."""
        soft = [h for h in hits if not h.rule.strong]
        conditions = {c for h in soft for c, _ in h.rule.weights}
        return any(len({h.rule.id if h.rule.one_sign else h.pattern
                        for h in _apart([h for h in soft if h.rule.weight(c)])}) >= 2
                   for c in conditions)

    @staticmethod
    def crisis_cues(hits: List[Hit]) -> bool:
        """Warning signs that mean little alone and much together: two kinds (a means and
        a goodbye: "bought paracetamol from three chemists, don't worry about me") or three
        separate signs of one kind ("gave the cat away, cancelled the milk, thanks for
        everything"). A plain "thanks for your help, take care" stays a goodbye."""
        signs = _apart(hits)
        return len({hit.rule.cue_kind for hit in signs}) >= 2 or len(signs) >= 3

    def other_words(self, reader: Reader, hits: List[Hit]) -> int:
        """Content words of the message outside the matched phrases."""
        covered = {i for h in hits for i in range(h.start, h.end)}
        return sum(1 for i, (w, tok) in enumerate(zip(reader.norms, reader.doc, strict=True))
                   if i not in covered and not (tok.is_punct or tok.is_space) and
                   w not in self.filler and any(c.isalpha() for c in w))

    def someone_else(self, text: str) -> bool:
        """For a flag with no matched phrase (the classifier's): is the first person the
        message names someone other than the writer? ("my dad keeps saying ...")."""
        clean_text = self.normalise(text)
        if not clean_text:
            return False
        return Reader(self.pipe.doc(clean_text), self.data).someone_else(0, 0)

    def is_educational(self, text: str) -> bool:
        """A question about a symptom with no real person in it."""
        clean_text = self.normalise(text)
        if not clean_text:
            return False
        w = self.data.words
        norms = Reader(self.pipe.doc(clean_text), self.data).norms
        asks = any(word in w["EDU"] for word in norms) or (bool(norms) and norms[0] in
                                                          w["QSTART"]) or clean_text.endswith("?")
        if not asks:
            return False
        for i, word in enumerate(norms):
            if word not in w["PERSONAL"]:
                continue
            before = norms[i - 1] if i else ""
            after = norms[i + 1] if i + 1 < len(norms) else ""
            framed = before in w["MODAL_Q"] | w["IF_WORDS"] | {"what", "how"} or \
                before in w["KNOW_WORDS"] or after in w["HYPO_VERBS"]
            if not framed:
                return False
        return True


_ENGINE: Optional[Engine] = None
_LOCK = threading.Lock()


def get_engine() -> Engine:
    """The process-wide engine, loaded and built on first use (thread-safe)."""
    global _ENGINE
    if _ENGINE is None:
        with _LOCK:
            if _ENGINE is None:
                _ENGINE = Engine(load())
    return _ENGINE


# A last line of defence if the matcher itself ever fails: crude, but never silent.
_FALLBACK = [
    (CRISIS, SELF_HARM, re.compile(r"\b(kill(ing)? my ?self|suicid|end my life|kms\b|"
                                   r"want to die|self[- ]?harm)")),
    (EMERGENCY, "breathing", re.compile(r"\b(can'?t|cannot) breath")),
    (EMERGENCY, "chest_pain", re.compile(r"\bchest pain")),
    (EMERGENCY, "bleeding", re.compile(r"\b(cough|vomit)\w* (up )?blood")),
    (EMERGENCY, "seizure", re.compile(r"\bseizure")),
    (EMERGENCY, "spinal_cord_compression",
     re.compile(r"\b(can'?t|cannot) (walk|feel (my|his|her) legs)")),
]


def safe_read(text: object) -> Reading:
    """Engine.read() that never raises: a bug or a data error must not silence the layer."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    try:
        return get_engine().read(text)
    except Exception:
        logger.exception("safety matcher failed; using the fallback patterns")
        lowered = text[:MAX_CHARS].lower()
        for topic, condition, regex in _FALLBACK:
            found = regex.search(lowered)
            if found:
                return Reading(SafetyFlag(topic, condition, found.group(0)))
        return Reading(None)
