"""How a matched phrase is read in its sentence: reported now, or negated, past, over,
hypothetical, or asked about; and whether the person at risk is the writer or someone else.

Why: "coughing up blood" is an emergency, "is coughing up blood a symptom of lung mets"
is education, "no blood when I cough any more" is neither. The cue words are data
(words.yml); the order of the checks is the logic here. The checks of time (negated, over,
past, now) are in clauses.py.
"""

from __future__ import annotations

from typing import Optional

from bot.safety.clauses import FEVER, Clauses, Hit
from bot.safety.patterns import LOW_TEMP, NORMAL_TEMP

__all__ = ["Hit", "Reader"]


class Reader(Clauses):
    """How each matched phrase is read, over the sentences and clauses of one message."""

    def hypothetical(self, start: int, end: int) -> bool:
        """ "if I get ...", "can I get ...", "how do I know if ..." before or in the phrase."""
        w = self.w
        if any(word in w["HYPO_SENTENCE"] for word in self.norms[self.lo(start):start]):
            return True  # "Hypothetically, if I felt a crack in my leg, would I ..."
        first = self.sent_start[start]
        if first + 1 < start and self.norms[first] in w["MODAL_Q"] and \
                self.norms[first + 1] in w["GERUND_Q"]:
            return True  # "would being sick with a swollen tummy be a bowel obstruction?"
        lo, hi = self.clause_bounds(start, end)
        if any(word in w["MAYBE"] for word in self.norms[lo:start]) and any(
                self._pair(i, self.future_pairs) for i in range(lo, hi + 1)):
            return True  # "the doctor said she could have a seizure one day"
        before = self.norms[self.lo(start):start]
        warned = [i for i, word in enumerate(before) if word in w["WARNED"]]
        if warned and any(word in w["MAYBE"] for word in before[warned[0]:] + self.norms[start:end]):
            return True  # "they warned her she could break a bone easily", "... might swell"
        if any(word in w["MAYBE"] for word in self.norms[start:end]) and any(
                word in w["IF_WORDS"] for word in self.norms[end:self.hi(start) + 1]):
            return True  # "her face might swell if the tumour presses on the vein"
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
                between = self.norms[i + 1:start]
                if (0 < len(between) <= 3 and not self.doc[start].lower_.endswith(("ing", "ed"))
                        and all(x in w["PERSONAL"] | w["POSSESSIVE"] | w["FAMILY"] | {"'s", "s"}
                                for x in between)):
                    return True  # "if my daddy collapse at night", "if my wife's speech went"
                if i > 0 and self.norms[i - 1] == "do" and not self.progressive(i + 1, end):
                    return True  # "what do I do if he has a seizure" (not "... is having")
                if any(v in w["HYPO_VERBS"] | w["IF_ALSO"]  # "in case her wound ever bleeds"
                       for v in self.norms[i + 1:max(min(end, i + 5), start)]):
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
            if word in w["SIGN_WORDS"] and i + 1 < start and self.norms[i + 1] in (":", "-", "–") \
                    and "?" not in self.norms:
                return "personal"  # "hypercalcaemia symptoms - vomiting, v thirsty": a list given
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
        and no fever reading, so a soft sign of fever in it is not one. Not across a "but":
        "thermometer says 37.3 but I feel shivery and really unwell" (NICE: feeling unwell
        on chemotherapy counts without a fever)."""
        lo, hi = self.lo(start), self.hi(start)
        words = self.norms[lo:hi + 1]
        normal = [i for i in range(lo, hi + 1)
                  if NORMAL_TEMP.match(self.norms[i]) and not LOW_TEMP.match(self.norms[i])]
        return (any(not any(self.norms[k] in self.w["CONTRAST"]
                            for k in range(min(i, start), max(i, start)))
                    for i in normal)
                and not any(FEVER.match(word) for word in words))

    def mild(self, start: int) -> bool:
        """ "a few mild headaches", "a bit breathless": a soft sign said to be slight."""
        return any(word in self.w["MILD"]
                   for word in self.norms[max(self.lo(start), start - 3):start])

    def _word_after(self, end: int) -> str:
        """The word after a phrase, past a closing quote ("'wants to die' of embarrassment")."""
        while end < self.n and self.norms[end] in self.w["QUOTES"]:
            end += 1
        return self.norms[end] if end < self.n else ""

    def reported(self, hit: Hit) -> bool:
        """Is this phrase about a real person now (and not negated, past or hypothetical)?"""
        start, end, rule = hit.start, hit.end, hit.rule
        if self.negated(start, end):
            return False
        if rule.not_after and self._word_after(end) in rule.not_after:
            return False
        if rule.not_before and start > 0 and self.norms[start - 1] in rule.not_before:
            return False
        if rule.temperature and (self.normal_reading(end) or self.fever_over(start, end) or (
                not rule.strong and self.normal_in_sentence(start))):
            return False
        if rule.not_in_sentence and any(word in rule.not_in_sentence for word in
                                        self.norms[self.lo(start):self.hi(start) + 1]):
            return False
        if self.not_a_person(start):
            return False  # "my dog had a seizure", "the episode where the character has a fit"
        if self.quoted_term(start, end) or self.document_subject(start):
            return False  # "what does 'suicidal ideation' mean", "the leaflet says '...'"
        if rule.kind == "crisis":  # counts even in a question; not when said to be long past
            return rule.past_counts or not (self.past(start, end, explicit=True)
                                             or self.future_not_now(start, end))
        if rule.kind in ("denial", "ruled_out"):
            return False
        if self.past(start, end) or self.resolved_later(start, end, rule) or \
                self.stopped_after(start, end, rule) or self.fine_since(start):
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

    def quoted_term(self, start: int, end: int) -> bool:
        """The phrase stands inside quote marks in a sentence that names a document (notes,
        leaflet, questionnaire) or asks what a word means: "my dad's notes say 'bowel
        obstruction'", "is 'coffee ground vomit' a colour?"."""
        lo, hi = self.lo(start), self.hi(start)
        quotes = self.w["QUOTES"]
        if not (any(self.norms[i] in quotes for i in range(lo, start + 1)) and
                any(self.norms[i] in quotes for i in range(end - 1, hi + 1))):
            return False
        words = set(self.norms[lo:hi + 1])
        return bool(words & self.w["DOCUMENT"]) or (
            bool(words & self.w["EDU_WEAK"]) and self.norms[hi] == "?")

    def not_a_person(self, start: int) -> bool:
        """The nearest subject before the phrase, in its clause, is an animal ("my dog had
        a seizure") or, in a sentence about a film or show, a stranger ("watched a film
        where the guy coughs up blood", "... where the woman had brain mets and had a
        seizure"). A person word or a clause break first means a real person ("the dog
        jumped on me and I can't feel my legs"); past an "and", an animal no longer decides
        ("my dog died and chest pain started")."""
        w = self.w
        crossed = False
        for i in range(start - 1, self.lo(start) - 1, -1):
            word = self.norms[i]
            if word in w["ANIMALS"]:
                return not crossed
            if word in w["STRANGERS"]:
                return self.fiction(start)
            if word in ("she", "he", "it", "her", "his", "its"):
                # "Our dog has bone cancer and she can't ...", "a woman ... had her face swell"
                return (not crossed and self.animal_subject(i)) or (
                    self.fiction(start) and self.stranger_before(i))
            if (word in w["FAMILY"] and i > 0 and self.norms[i - 1] in ("the", "a", "an")
                    and self.fiction(start)):  # "a film where the mum with cancer took an overdose"
                return True
            if word in w["PERSONAL"] | w["SELF_REF"] | w["OTHER_REF"] | w["CLAUSE_BREAK"]:
                return False
            # "my dog has cancer and collapsed": a verb right after "and" keeps the subject.
            crossed = crossed or (word in w["NEW_CLAUSE"] and not self._verb_at(i + 1))
        return False

    def _verb_at(self, i: int) -> bool:
        """A past or running verb ("collapsed", "had", "keeps") opens the words at `i`."""
        word = self.norms[i] if i < self.n else ""
        return word.endswith("ed") or word in self.w["CARRIED_VERBS"]

    def fiction(self, start: int) -> bool:
        """The sentence is about a film, a show or a book."""
        return any(x in self.w["FICTION"] for x in self.norms[self.lo(start):self.hi(start) + 1])

    def stranger_before(self, pronoun: int) -> bool:
        """The nearest person before the pronoun, in its sentence, is a stranger ("a woman")."""
        for word in reversed(self.norms[self.sent_start[pronoun]:pronoun]):
            if word in self.w["STRANGERS"]:
                return True
            if word in self.w["FAMILY"] | self.w["SELF_REF"]:
                return False
        return False

    def animal_subject(self, pronoun: int) -> bool:
        """The sentence opens with an animal ("our dog", "the cat") and names no person
        before the pronoun at `pronoun`, so the pronoun is the animal."""
        w = self.w
        first = self.sent_start[pronoun]
        while first < pronoun and self.norms[first] in w["POSSESSIVE"] | {"the", "a"}:
            first += 1
        return self.norms[first] in w["ANIMALS"] and not any(
            word in w["FAMILY"] | w["SELF_REF"] | w["STRANGERS"]
            for word in self.norms[first + 1:pronoun])

    def document_subject(self, start: int) -> bool:
        """The phrase is what a document is about: "thanks for the sheet on neutropenic
        fever", "a leaflet about cord compression"."""
        w = self.w
        for at in range(start - 1, max(start - 4, 0), -1):  # up to two words between
            if self.norms[at] in ("on", "about", "for"):
                return self.norms[at - 1] in w["DOCUMENT"]
            if self.norms[at] in w["POSSESSIVE"] | w["PERSONAL"]:
                return False  # "the notes on his fever": his, a real person's
        return False

    def future_not_now(self, start: int, end: int) -> bool:
        """ "What if I feel suicidal one day ...? Not now, I'm ok": an "if" before the phrase,
        a time to come ("one day") in its clause and "not now" in the message."""
        lo, hi = self.clause_bounds(start, end)
        return any(word in self.w["IF_WORDS"] for word in self.norms[lo:start]) and any(
            self._pair(i, self.future_pairs) for i in range(lo, hi + 1)) and any(
            self.norms[i:i + 2] == ["not", "now"] for i in range(self.n))

    def ruled_out(self, hit: Hit, other: Hit) -> bool:
        """`hit` (a ruled_out phrase: "the scan showed no clot") vetoes `other` in the same
        sentence, unless that sentence says it is happening again now. A `whole_message`
        rule ("my doctor checked my heart and said it's anxiety") reaches the other
        sentences too, unless the vetoed phrase's own sentence says it is now or ongoing. A
        `holds_now` veto is a fact of now ("I'm passing wind") and holds even then."""
        if self.sent_start[hit.start] != self.sent_start[other.start] and not (
                hit.rule.whole_message and self._settled(other.start)):
            return False
        return hit.rule.holds_now or self._settled(hit.start, (hit.start, hit.end))

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
        # "wrote a letter to my wife", "I want to be with him": whom it is written to, or
        # whom the writer wants to be with, is not who is at risk.
        to_whom = set()
        for i in range(start, end - 1):
            if self.norms[i] in ("to", "for", "with") and self.norms[i + 1] in w["FAMILY"]:
                to_whom.add(i + 1)  # "to mum"
            elif self.norms[i] == "with" and self.norms[i + 1] in ("him", "her", "them"):
                to_whom.add(i + 1)  # "be with him"
            elif (self.norms[i] in ("to", "for", "with") and i + 2 < end and self.norms[i + 1] in
                  w["POSSESSIVE"] and self.norms[i + 2] in w["FAMILY"]):
                to_whom.update((i + 1, i + 2))  # "to my wife"
        # "my sister texted me goodbye", "he left us a note": "me" after a verb of messaging
        # is who received it.
        # "thinking about taking all his tablets myself": whose tablets, not who is at risk.
        whose = {i for i in range(start, end - 1)
                 if self.norms[i] in ("his", "her", "their") and self.norms[i + 1] in w["MEANS"]}
        inside = [word for i, word in enumerate(self.norms[start:end], start)
                  if i not in to_whom and i not in whose and not (
                      word in w["SELF_REF"] and i > 0 and self.norms[i - 1] in w["MESSAGE_VERBS"])]
        if any(word in w["OTHER_REF"] for word in inside):
            return True
        if any(word in w["SELF_REF"] for word in inside):
            return False
        for i in list(range(start - 1, -1, -1)) + list(range(end, self.n)):
            word = self.norms[i]
            nxt = self.norms[i + 1] if i + 1 < self.n else ""
            if word in ("my", "our") and nxt in w["FAMILY"]:
                return True
            if word in w["INDEFINITE"] and nxt in w["POSSESSIVE"]:
                continue  # "too much for someone my size": the person is the one named next
            if word in w["OTHER_REF"]:
                return True
            if word in w["SELF_REF"]:
                if i > 0 and self.norms[i - 1] in w["MESSAGE_VERBS"]:
                    continue  # "my mate texted me 'thanks for everything, bye'"
                return False
        return False
