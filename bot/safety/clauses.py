"""Sentences and clauses of one message, and when a matched sign happened: negated,
over (gone, settled, stopped, a fever treated and normal now), in the past, or now.

Why a module of its own: these are the checks of time, which every rule shares; how a
phrase is framed (a question, a hypothetical) and who it is about are in reader.py.
The cue words are data (words.yml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, List, Tuple

from bot.safety.data import Rule, SafetyData
from bot.safety.patterns import NORMAL_TEMP, TEMP_RE

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc

#: How far (in tokens) the cues around a phrase are looked for inside a run-on sentence.
CONTEXT = 30
#: How far after a sign "has gone" may stand ("the chest pain from last month has gone").
RESOLVED_REACH = 7
_YEAR = re.compile(r"(19|20)\d\d")
#: A pain score that says the pain is under control: "now 2/10".
_LOW_SCORE = re.compile(r"[0-3](\.5)?/10")
#: A fever reading (38 C and over, 100.4 F and over).
FEVER = re.compile(TEMP_RE)


@dataclass
class Hit:
    """One matched phrase of one rule."""

    rule: Rule
    pattern: str  # which pattern of the rule matched: two soft signs must differ
    start: int
    end: int
    text: str = ""


class Clauses:
    """Per-message helpers over one Doc: sentences, clauses, and the checks of time."""

    def __init__(self, doc: "Doc", data: SafetyData) -> None:
        self.doc = doc
        self.w = data.words
        self.now_pairs, self.past_pairs = data.now_pairs, data.past_pairs
        self.future_pairs = data.future_pairs
        self.recent_pairs = data.recent_pairs
        self.conditions = data.conditions
        self.norms = [t.norm_ for t in doc]
        self.n = len(self.norms)
        self.sent_start: List[int] = []
        self.sent_end: List[int] = [0] * self.n
        breaks = self.w["SENT_BREAK"]
        start = 0
        for i, tok in enumerate(doc):
            self.sent_start.append(start)
            if tok.text in breaks or (tok.is_space and "\n" in tok.text) or \
                    (tok.text.endswith(("?", "!")) and tok.is_punct):
                for j in range(start, i + 1):
                    self.sent_end[j] = i
                start = i + 1
        for j in range(start, self.n):
            self.sent_end[j] = self.n - 1

    def lo(self, start: int) -> int:
        """Start of the sentence around token `start`, at most CONTEXT tokens back."""
        return max(self.sent_start[start], start - CONTEXT)

    def hi(self, index: int) -> int:
        """End (inclusive) of the sentence around token `index`, at most CONTEXT on."""
        return min(self.sent_end[index], index + CONTEXT)

    def _pair(self, i: int, pairs: frozenset) -> bool:
        return i + 1 < self.n and (self.norms[i], self.norms[i + 1]) in pairs

    def clause_bounds(self, start: int, end: int) -> Tuple[int, int]:
        """The clause around [start, end): cut at sentence ends, commas and "but"."""
        breaks = self.w["CLAUSE_BREAK"]
        lo = self.lo(start)
        for i in range(start - 1, lo - 1, -1):
            if self.norms[i] in breaks:
                lo = i + 1
                break
        hi = self.hi(end - 1)
        for i in range(end, hi + 1):
            if self.norms[i] in breaks:
                hi = i - 1
                break
        return lo, hi

    def negated(self, start: int, end: int) -> bool:
        """A negation shortly before the phrase, or "gone/better" shortly after it."""
        w = self.w
        seen_clause = False
        for i in range(start - 1, max(self.lo(start), start - 8) - 1, -1):
            word = self.norms[i]
            if word in w["NEG"]:
                return True
            if word in w["LIST_CONJ"] and seen_clause:
                break
            if word in w["CLAUSE_WORDS"]:
                seen_clause = True
            if word not in w["NEG_GAP"]:
                break
        nxt = [x for x in self.norms[end:min(self.n, end + 3)] if x not in ("-", ":", "=", "–")]
        if nxt and nxt[0] in w["LIST_NONE"]:
            return True  # "fevers none, chills none", "fever - nil"
        for i in range(end, min(self.hi(end - 1), end + 4) + 1):
            word = self.norms[i]
            if word in w["NEG"]:
                return False
            if word in w["RESOLVED"]:  # not "passed out", "gone up", "gone worse"
                after = self.norms[i + 1] if i + 1 < self.n else ""
                return not (word == "passed" and after == "out") and after not in w["RESOLVED_NOT"]
            if word not in w["RESOLVED_GAP"]:
                break
        return self.resolved_after(end)

    def resolved_after(self, end: int) -> bool:
        """ "the chest pain from last month has gone": a short phrase of time or place
        (RESOLVED_REACH) between the sign and "has gone" / "is settled" still says the sign
        is over; "has gone up" or "has got worse" does not, nor a negation."""
        w = self.w
        hi = min(self.hi(end - 1), end + RESOLVED_REACH)
        for i in range(end, hi + 1):
            word = self.norms[i]
            if word in w["NEG"] or word in w["CLAUSE_BREAK"]:
                return False
            if word in w["RESOLVED"] and i > end and self.norms[i - 1] in w["RESOLVED_AUX"]:
                after = self.norms[i + 1] if i + 1 < self.n else ""
                return after not in w["RESOLVED_NOT"]
            if word not in w["RESOLVED_REACH"] and word not in w["RESOLVED_AUX"]:
                return False
        return False

    def resolved_later(self, start: int, end: int, rule: Rule) -> bool:
        """ "pain was 9/10 on tuesday but ... she's comfy now, 2/10", "had bad diarrhoea,
        they gave steroids and it settled": the sign's clause is set earlier (was, had,
        yesterday, a weekday) and a later clause of the sentence says it is over now ("comfy
        now", "now 2/10", "settled now", "it settled"). Not for a time-critical sign (chest
        pain that eased still needs checking now) and not if the later part says it is
        worse or back."""
        w = self.w
        if any(self.conditions[c].time_critical for c, _ in rule.weights if c in self.conditions):
            return False
        lo, hi = self.clause_bounds(start, end)
        if not any(word in w["EARLIER"] for word in self.norms[lo:hi + 1]):
            return False
        last = self.hi(end - 1)
        later = self.norms[hi + 1:last + 1]
        if not later or any(word in w["STILL_BAD"] for word in later):
            return False
        if any(_LOW_SCORE.fullmatch(x) for x in later):
            return True  # "... and it's been a steady 2/10 ever since"
        for i, word in enumerate(later):
            near = later[max(0, i - 2):i + 5]  # "now it's well managed"
            if word == "now" and set(near) & w["RESOLVED_NOW"]:
                return True
            if word in w["RESOLVED"] and word != "passed" and any(  # "it settled", "sorted it"
                    x in w["RESOLVED_SUBJ"] for x in later[max(0, i - 3):i] + later[i + 1:i + 2]):
                return i + 1 >= len(later) or later[i + 1] not in w["RESOLVED_NOT"]
        return False

    def stopped_after(self, start: int, end: int, rule: Rule) -> bool:
        """ "a nosebleed this morning, stopped after five minutes of pinching": past a comma
        (and a short phrase of time or place) the next clause opens with "stopped / settled"
        and says how or when (STOPPED_HOW), and nothing later says it is back. Only for a
        soft sign or one that is not time-critical: "coughing up blood, stopped after a
        minute" still counts."""
        w = self.w
        if rule.strong and any(self.conditions[c].time_critical for c, _ in rule.weights
                               if c in self.conditions):
            return False
        last = self.hi(end - 1)
        for i in range(end, min(last, end + RESOLVED_REACH) + 1):
            word = self.norms[i]
            if word == ",":
                j = i + 1
                while j <= last and j < i + 3 and self.norms[j] in w["RESOLVED_SUBJ"] | w["RESOLVED_AUX"]:
                    j += 1
                if j > last or self.norms[j] not in w["STOPPED"]:
                    return False
                after = self.norms[j + 1] if j + 1 <= last else ""
                if after and after not in w["STOPPED_HOW"] and not self.doc[j + 1].is_punct:
                    return False
                return not any(x in w["STILL_BAD"] for x in self.norms[j + 1:last + 1])
            if word in w["NEG"] or word in w["CLAUSE_BREAK"] or word not in w["RESOLVED_REACH"]:
                return False
        return False

    def fever_over(self, start: int, end: int) -> bool:
        """ "I had a temp of 38.3 last week on chemo, had IV antibiotics and came home. Back to
        normal now, 36.7 this morning": a fever set earlier (its clause has was / had / a
        weekday), treated since (antibiotics, admitted, home: FEVER_TREATED) and normal now (a
        normal reading, "normal", or "better / fine" with "home"). Not when paracetamol or the
        like may be hiding it (FEVER_MASKED), nor when a later word says it is back, still or
        worse, nor with a fever reading later."""
        w = self.w
        lo, hi = self.clause_bounds(start, end)
        if not any(word in w["EARLIER"] for word in self.norms[lo:hi + 1]):
            return False
        later = self.norms[hi + 1:]
        words = set(later)
        treated = set(self.norms[end:])  # "had neutropenic sepsis and was in hospital for 5 days"
        if not treated & w["FEVER_TREATED"] or words & w["FEVER_MASKED"]:
            return False
        if any(FEVER.match(x) for x in later):
            return False
        if any(x in w["STILL_BAD"] and not (x == "back" and later[i + 1:i + 2] == ["to"])
               for i, x in enumerate(later)):
            return False
        well = any(x in w["RESOLVED_NOW"] | w["FINE_SINCE"] and (i == 0 or later[i - 1] not in w["NEG"])
                   for i, x in enumerate(later))  # "home and well", "all clear now"
        return any(NORMAL_TEMP.match(x) for x in later) or "normal" in words or (
            well and ("home" in words or "now" in words))

    def past(self, start: int, end: int, explicit: bool = False) -> bool:
        """The clause places the phrase in the past ("years ago"), and nothing says it is back.
        `explicit`: only a two-word cue counts ("used to", "years ago"), not "once" alone."""
        w = self.w
        lo, hi = self.clause_bounds(start, end)
        # "fever of 39 and he had chemo last year": "and" + a person opens a new clause.
        for i in range(start - 1, lo, -1):
            if self.norms[i - 1] == "and" and self.norms[i] in w["PERSONAL"]:
                lo = i
                break
        for i in range(end, hi):
            if self.norms[i] == "and" and self.norms[i + 1] in w["PERSONAL"]:
                hi = i - 1
                break
        words = self.norms[lo:hi + 1]
        if any(word in w["ONGOING"] and not (word == "started" and nxt == "on")  # on a drug
               and not self.says_over(i)
               for i, (word, nxt) in enumerate(zip(words, words[1:] + [""], strict=True), lo)):
            return False
        if not explicit and any(word in w["PAST_WORDS"] for word in words):
            return True
        for i in range(lo, hi + 1):
            if self._pair(i, self.past_pairs):
                if self.norms[i] == "as" and (i + 2 > hi or self.norms[i + 2] not in w["YOUNG"]):
                    continue
                if self.norms[i] == "last" and i + 3 < self.n and (  # "last time I checked"
                        self.norms[i + 3] in w["CHECK_VERBS"] or self.norms[i + 2] in w["CHECK_VERBS"]):
                    continue
                if self.norms[i] == "last" and i > 1 and self.norms[i - 1] == "the" and \
                        self.norms[i - 2] in w["WAS_WERE"]:
                    continue  # "hugged me like it was the last time": not a time past
                if self.norms[i] == "the" and i > 0 and self.norms[i - 1] in w["UP_TO_NOW"]:
                    continue  # "for the past couple of days": up to now
                return True
            if self.norms[i] == "when" and i + 2 <= hi and self.norms[i + 1] in w["PERSONAL"] \
                    and self.norms[i + 2] in w["WAS_WERE"]:
                return True
            if (_YEAR.fullmatch(self.norms[i]) or self.norms[i] in w["MONTHS"]) and i > lo \
                    and self.norms[i - 1] in w["YEAR_CUE"]:
                return self.norms[i - 1] != "since"
        return False

    def now(self, start: int, skip: Tuple[int, int] = (0, 0), recent: bool = True) -> bool:
        """Words in the sentence (outside `skip`) that say "this is happening now";
        `recent`: a time just past ("last night") counts too."""
        for i in range(self.lo(start), self.hi(start) + 1):
            if skip[0] <= i < skip[1]:
                continue
            word = self.norms[i]
            if not recent and (word in self.w["RECENT"] or self._pair(i, self.recent_pairs)):
                continue
            if word in self.w["NOW"] and not (word == "now" and i + 1 < self.n and
                                              self.norms[i + 1] == "and") \
                    and not self.says_over(i):
                return True
            if self._pair(i, self.now_pairs):
                return True
        return False

    def says_over(self, i: int) -> bool:
        """A word of now that, with the words before it, says the sign is over: "none since",
        "fine ever since", "seizure-free on medication since", "fine now", "home now" (not
        "not peed since": a negation counts only right before "since")."""
        before = self.norms[i - 1] if i > 0 else ""
        if self.norms[i] == "since":
            return self._none_before(i) or self._fine_before(i)
        earlier = self.norms[i - 2] if i > 1 else ""
        return self.norms[i] == "now" and before in self.w["OVER_NOW"] and earlier not in self.w["NEG"]

    def _none_before(self, i: int) -> bool:
        """ "none since", "no more blood since", "no further bleeding since" before token `i`."""
        return (i > 0 and self.norms[i - 1] in self.w["NEG"]) or (
            i > 2 and self.norms[i - 3] in self.w["NEG"] and self.norms[i - 2] in ("more", "further"))

    def _fine_before(self, i: int) -> bool:
        """A word of being well (FINE_SINCE) up to three words before token `i`."""
        return any(word in self.w["FINE_SINCE"] for word in self.norms[max(0, i - 3):i])

    def fine_since(self, start: int) -> bool:
        """ "... it was a heart attack, I had a stent and I've been fine since": the phrase's
        sentence, or the next, says the person has been well since, and the phrase's
        sentence says nothing of now ("had chest pain this morning, fine since" still
        counts: a time-critical sign that passed still needs checking)."""
        last = self.sent_end[start]
        following = self.sent_end[last + 1] if last + 1 < self.n else last
        return (not self.now(start) and any(
            self.norms[i] == "since" and (
                (self._fine_before(i) and self.norms[i - 1] not in self.w["NEG"])
                or self._none_since(start, i))
            for i in range(self.sent_start[start], following + 1)))

    def _none_since(self, start: int, i: int) -> bool:
        """ "coughed up a streak of blood last week, the GP checked it, nothing since": "none /
        nothing since" in a later clause of the phrase's sentence (in the phrase's own clause
        past() reads it)."""
        return (self._none_before(i) and self.sent_start[i] == self.sent_start[start]
                and self.clause_bounds(i, i + 1)[0] > self.clause_bounds(start, start + 1)[1])

    def _settled(self, start: int, own: Tuple[int, int] = (0, 0)) -> bool:
        """The clause at `start` says nothing of now or of going on ("again", "still"),
        outside the span `own` (the veto's own words: "still passing wind"). A word of time
        in the veto's own clause dates the check ("ruled out by cardio yesterday"); a time
        just past ("an ambulance last night for chest pain, ... it was reflux") is over, and so
        is one dated today in the veto's own clause ("collapsed today and I did CPR until the
        ambulance came"); "still" or "again" there is not."""
        lo, hi = self.lo(start), self.hi(start)
        skip = (0, 0)
        if own != (0, 0):
            first, last = self.clause_bounds(*own)
            skip = (first, last + 1)
        return not self.now(start, skip, recent=False) and not any(
            self.norms[i] in self.w["ONGOING"] and not self.says_over(i)
            for i in range(lo, hi + 1)
            if not own[0] <= i < own[1]
            and not (skip[0] <= i < skip[1] and self.norms[i] in self.w["DAY_WORDS"]))
