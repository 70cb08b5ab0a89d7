"""How a matched phrase is read in its sentence: reported now, or negated, past, over,
hypothetical, or asked about; and whether the person at risk is the writer or someone else.

Why: "coughing up blood" is an emergency, "is coughing up blood a symptom of lung mets"
is education, "no blood when I cough any more" is neither. The cue words are data
(words.yml); the order of the checks is the logic here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, List, Optional, Tuple

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
_FEVER = re.compile(TEMP_RE)


@dataclass
class Hit:
    """One matched phrase of one rule."""

    rule: Rule
    pattern: str  # which pattern of the rule matched: two soft signs must differ
    start: int
    end: int
    text: str = ""


class Reader:
    """Per-message helpers over one Doc: sentences, clauses and the cue scans."""

    def __init__(self, doc: "Doc", data: SafetyData) -> None:
        self.doc = doc
        self.w = data.words
        self.now_pairs, self.past_pairs = data.now_pairs, data.past_pairs
        self.future_pairs = data.future_pairs
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
        for i, word in enumerate(later):
            near = later[max(0, i - 2):i + 3]
            if word == "now" and (set(near) & w["RESOLVED_NOW"] or any(
                    _LOW_SCORE.fullmatch(x) for x in near)):
                return True
            if word in w["RESOLVED"] and word != "passed" and any(
                    x in w["RESOLVED_SUBJ"] for x in later[max(0, i - 3):i]):
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
        if not words & w["FEVER_TREATED"] or words & w["FEVER_MASKED"]:
            return False
        if any(_FEVER.match(x) for x in later):
            return False
        if any(x in w["STILL_BAD"] and not (x == "back" and later[i + 1:i + 2] == ["to"])
               for i, x in enumerate(later)):
            return False
        return any(NORMAL_TEMP.match(x) for x in later) or "normal" in words or (
            bool(words & w["RESOLVED_NOW"]) and "home" in words)

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
        if any(word in w["ONGOING"] for word in words):
            return False
        if not explicit and any(word in w["PAST_WORDS"] for word in words):
            return True
        for i in range(lo, hi + 1):
            if self._pair(i, self.past_pairs):
                if self.norms[i] == "as" and (i + 2 > hi or self.norms[i + 2] not in w["YOUNG"]):
                    continue
                return True
            if self.norms[i] == "when" and i + 2 <= hi and self.norms[i + 1] in w["PERSONAL"] \
                    and self.norms[i + 2] in w["WAS_WERE"]:
                return True
            if (_YEAR.fullmatch(self.norms[i]) or self.norms[i] in w["MONTHS"]) and i > lo \
                    and self.norms[i - 1] in w["YEAR_CUE"]:
                return self.norms[i - 1] != "since"
        return False

    def now(self, start: int) -> bool:
        """Words in the sentence that say "this is happening now"."""
        for i in range(self.lo(start), self.hi(start) + 1):
            word = self.norms[i]
            if word in self.w["NOW"] and not (word == "now" and i + 1 < self.n and
                                              self.norms[i + 1] == "and"):
                return True
            if self._pair(i, self.now_pairs):
                return True
        return False

    def hypothetical(self, start: int, end: int) -> bool:
        """ "if I get ...", "can I get ...", "how do I know if ..." before or in the phrase."""
        w = self.w
        if any(word in w["HYPO_SENTENCE"] for word in self.norms[self.lo(start):start]):
            return True  # "Hypothetically, if I felt a crack in my leg, would I ..."
        lo, hi = self.clause_bounds(start, end)
        if any(word in w["MAYBE"] for word in self.norms[lo:start]) and any(
                self._pair(i, self.future_pairs) for i in range(lo, hi + 1)):
            return True  # "the doctor said she could have a seizure one day"
        before = self.norms[self.lo(start):start]
        warned = [i for i, word in enumerate(before) if word in w["WARNED"]]
        if warned and any(word in w["MAYBE"] for word in before[warned[0]:]):
            return True  # "they warned her she could break a bone easily"
        lo = max(self.lo(start), start - 8)
        for i in range(start - 1, lo - 1, -1):  # the frame must be in the phrase's clause
            if self.norms[i] in w["CLAUSE_BREAK"]:
                lo = i + 1
                break
        for i in range(lo, end):
            word = self.norms[i]
            if word in w["IF_WORDS"]:
                if i > 0 and self.norms[i - 1] in w["KNOW_WORDS"]:
                    return True
                if i > 0 and self.norms[i - 1] == "do" and not self.progressive(i + 1, end):
                    return True  # "what do I do if he has a seizure" (not "... is having")
                if any(v in w["HYPO_VERBS"] | w["IF_ALSO"]
                       for v in self.norms[i + 1:min(end, i + 5)]):
                    return True
            if word == "to" and 0 < i < start and self.norms[i - 1] in w["GENERIC_ADJ"] and \
                    i + 1 < self.n and self.norms[i + 1] in w["HYPO_VERBS"] | {"have", "catch"}:
                return True  # "is it dangerous to get a fever on chemo"
            if word in w["MODAL_Q"] and i + 2 < self.n and (
                    i == self.sent_start[start] or self.norms[i - 1] in w["QSTART"] | w["EDU"]):
                if self.norms[i + 1] in w["PERSONAL"] | {"you"} and \
                        self.norms[i + 2] in w["HYPO_VERBS"]:
                    return True
                if self.norms[i + 1] in w["POSSESSIVE"] and any(  # "can my legs go numb"
                        v in w["HYPO_VERBS"] | {"be"} for v in self.norms[i + 2:min(end, i + 5)]):
                    return True
        return False

    def progressive(self, lo: int, hi: int) -> bool:
        """ "is having", "am coughing": an -ing form after a present "be"."""
        return any(self.norms[i] in self.w["BE_NOW"] and self.norms[i + 1].endswith("ing")
                   for i in range(lo, min(hi, self.n - 1)))

    def personal_in(self, start: int, end: int) -> bool:
        return any(word in self.w["PERSONAL"] for word in self.norms[start:end])

    def nearest_cue(self, start: int) -> Optional[str]:
        """Scan back from the phrase: the first person word or education word wins."""
        w = self.w
        for i in range(start - 1, self.lo(start) - 1, -1):
            word = self.norms[i]
            if word in w["SIGN_WORDS"] and i > 0:
                owner = self.norms[i - 2] if self.norms[i - 1] in ("'s", "s") and i > 1 \
                    else self.norms[i - 1]
                if owner in w["POSSESSIVE"] | w["FAMILY"]:  # "my symptoms", "mum's signs"
                    return "personal"
            if word in w["PERSONAL"]:
                return "personal"
            if word in w["SPEECH_VERBS"] and i > 0 and self.norms[i - 1] in w["PERSONAL"]:
                return "personal"  # "my husband says it hurts", not "the leaflet says"
            if word in w["SPEECH_VERBS"] and i > 0 and self.norms[i - 1] in w["NEW_CLAUSE"] and \
                    self.personal_in(self.lo(start), i - 1):
                return "personal"  # "she's suddenly breathless and says it hurts ..."
            if word in w["EDU"]:
                return "edu_weak" if word in w["EDU_WEAK"] else "edu"
            if word in w["NEW_CLAUSE"] and i + 1 < start and self.norms[i + 1] == "the":
                return None
        return None

    def question_about(self, start: int, end: int) -> bool:
        """A question that opens with a question word, has no person in it, and asks
        about the phrase ("are seizures common with brain mets?")."""
        lo, hi = self.lo(start), self.hi(start)
        first = next((i for i in range(lo, hi + 1) if self.norms[i] not in self.w["OPENERS"]),
                     lo)
        if self.norms[first] not in self.w["QSTART"]:
            return False
        if any(word in self.w["PERSONAL"] for word in self.norms[lo:hi + 1]):
            return False
        if any(self.norms[i] in self.w["GENERIC_Q"] and self.norms[i + 1] == "for"
               for i in range(first, start - 1)):
            return True  # "is it normal for back pain to be worse at night?"
        # The phrase's own gap words count too: "can a PICC line cause arm swelling?"
        return any(word in self.w["EDU"] for word in self.norms[start + 1:hi + 1])

    def framed_as_topic(self, start: int, end: int) -> bool:
        """ "chest pain as a symptom of ...", or with no person in the sentence "back pain
        at night can be a sign of what": the phrase is named as a topic."""
        after = self.norms[end:min(self.n, end + 4)]
        if len(after) >= 2 and after[0] == "as" and set(after[1:]) & self.w["TOPIC_FRAME"]:
            return True
        lo, hi = self.lo(start), self.hi(start)
        later = self.norms[end:min(hi + 1, end + 8)]
        modal = next((i for i, word in enumerate(later) if word in self.w["MODAL_Q"]), None)
        return modal is not None and bool(set(later[modal:]) & self.w["TOPIC_FRAME"]) and \
            not any(word in self.w["PERSONAL"] for word in self.norms[lo:hi + 1])

    def normal_reading(self, end: int) -> bool:
        """ "a fever of 37.5": the reading that follows is not a fever."""
        return any(NORMAL_TEMP.match(word) for word in self.norms[end:min(self.n, end + 3)])

    def normal_in_sentence(self, start: int) -> bool:
        """ "shivering after my shower, temp is 36.5": the sentence gives a normal reading
        and no fever reading, so a soft sign of fever in it is not one."""
        words = self.norms[self.lo(start):self.hi(start) + 1]
        return (any(NORMAL_TEMP.match(word) for word in words)
                and not any(_FEVER.match(word) for word in words))

    def mild(self, start: int) -> bool:
        """ "a few mild headaches", "a bit breathless": a soft sign said to be slight."""
        return any(word in self.w["MILD"]
                   for word in self.norms[max(self.lo(start), start - 3):start])

    def reported(self, hit: Hit) -> bool:
        """Is this phrase about a real person now (and not negated, past or hypothetical)?"""
        start, end, rule = hit.start, hit.end, hit.rule
        if self.negated(start, end):
            return False
        if rule.not_after and end < self.n and self.norms[end] in rule.not_after:
            return False
        if rule.not_before and start > 0 and self.norms[start - 1] in rule.not_before:
            return False
        if rule.temperature and (self.normal_reading(end) or self.fever_over(start, end) or (
                not rule.strong and self.normal_in_sentence(start))):
            return False
        if rule.not_in_sentence and any(word in rule.not_in_sentence for word in
                                        self.norms[self.lo(start):self.hi(start) + 1]):
            return False
        if rule.only_with and not any(word in rule.only_with for word in self.norms):
            return False
        if rule.kind == "crisis":  # counts even in a question; not when said to be long past
            return not self.past(start, end, explicit=True)
        if rule.kind in ("denial", "ruled_out"):
            return False
        if self.past(start, end) or self.resolved_later(start, end, rule) or \
                self.stopped_after(start, end, rule):
            return False
        now = self.now(start)
        if self.hypothetical(start, end) and not now:
            return False
        if rule.kind == "name":
            return self.claims_name(start)
        if not rule.strong and self.mild(start):
            return False
        if self.framed_as_topic(start, end):
            return now
        # A phrase that opens with its subject ("she's confused") starts a clause of its
        # own: an education word earlier in the sentence does not reach it.
        cue = "personal" if self.norms[start] in self.w["PERSONAL"] else self.nearest_cue(start)
        if cue == "personal" or (self.personal_in(start, end) and cue != "edu"):
            return True
        if cue in ("edu", "edu_weak"):
            return now
        if self.question_about(start, end):
            return now
        return True  # a bare report: "coughing up blood", "chest pian"

    def ruled_out(self, hit: Hit, other: Hit) -> bool:
        """`hit` (a ruled_out phrase: "the scan showed no clot") vetoes `other` in the same
        sentence, unless that sentence says it is happening again now. A `whole_message`
        rule ("my doctor checked my heart and said it's anxiety") reaches the other
        sentences too, unless the vetoed phrase's own sentence says it is now or ongoing."""
        if self.sent_start[hit.start] != self.sent_start[other.start] and not (
                hit.rule.whole_message and self._settled(other.start)):
            return False
        return self._settled(hit.start, (hit.start, hit.end))

    def _settled(self, start: int, own: Tuple[int, int] = (0, 0)) -> bool:
        """The clause at `start` says nothing of now or of going on ("again", "still"),
        outside the span `own` (the veto's own words: "still passing wind")."""
        lo, hi = self.lo(start), self.hi(start)
        return not self.now(start) and not any(
            self.norms[i] in self.w["ONGOING"] for i in range(lo, hi + 1)
            if not own[0] <= i < own[1])

    def claims_name(self, start: int) -> bool:
        """ "I think I have cord compression", "is this SVC syndrome": a name said as a
        suspicion about someone now, not asked about."""
        if self.queried(start):
            return True
        if self.nearest_cue(start) != "personal":
            return False
        skip = self.w["NAME_SKIP"] - {"having", "got"}
        i = start - 1
        while i >= self.sent_start[start] and self.norms[i] in skip:
            i -= 1
        return i >= self.sent_start[start] and self.norms[i] in self.w["NAME_HAVE"]

    def queried(self, start: int) -> bool:
        """ "?MSCC", "?raised ICP", "query pathological fracture": a clinician's shorthand
        for a suspected diagnosis (a "?" written onto the name, or "query"/"suspected" just
        before it, a word or two allowed between)."""
        i = start - 1
        if i >= 0 and self.doc[i].text == "?" and not self.doc[i].whitespace_ and (
                i == 0 or self.doc[i - 1].whitespace_ or self.doc[i - 1].is_punct):
            return True
        for j in range(start - 1, max(self.sent_start[start], start - 3) - 1, -1):
            if self.norms[j] in self.w["QUERY"]:
                return True
            if self.norms[j] in self.w["EDU"] or self.doc[j].is_punct:
                break  # "a query about fractures" is a question
        return False

    def someone_else(self, start: int, end: int) -> bool:
        """Is the person at risk someone other than the writer? ("dad can't walk", "he's
        coughing up blood", "my mum wants to die"). Reads the phrase itself first (someone
        else named in it wins: "asking me to help her die"), then back through the message
        to the nearest person word, then on after it ("blood pouring from her nose"); "my"
        before a family word ("my husband") points to that person."""
        w = self.w
        # "my sister texted me goodbye": "me" after a verb of messaging is who received it.
        inside = [word for i, word in enumerate(self.norms[start:end], start)
                  if not (word in w["SELF_REF"] and i > 0 and self.norms[i - 1] in w["MESSAGE_VERBS"])]
        if any(word in w["OTHER_REF"] for word in inside):
            return True
        if any(word in w["SELF_REF"] for word in inside):
            return False
        for i in list(range(start - 1, -1, -1)) + list(range(end, self.n)):
            word = self.norms[i]
            nxt = self.norms[i + 1] if i + 1 < self.n else ""
            if word in ("my", "our") and nxt in w["FAMILY"]:
                return True
            if word in w["OTHER_REF"]:
                return True
            if word in w["SELF_REF"]:
                return False
        return False
