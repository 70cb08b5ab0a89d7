"""Sentences of a message, and the question inside a long one.

Why one module: the classifier (which reads the question of a long message) and the
safety net (which reads a long message in windows of sentences) must split a message the
same way and agree on what a closing line is. A letter's "Yours faithfully, R. Okonkwo"
is neither the question nor a goodbye.
"""

from __future__ import annotations

import functools
import re
from typing import List, Pattern

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
#: A form's fields run together with " | ".
_FIELD_BAR = re.compile(r"\s\|\s")
#: A web form's or an email's field labels ("SUBJECT: bone mets MESSAGE: my father...",
#: "Question: ... Details: ..."): each starts a sentence and is not read as words.
_LABELS = r"(?:subject|message|question|details|title|re|name|topic|category)\s*:\s*"
_FIELD_LABEL = re.compile(rf"(?:^|(?<=[.!?])\s+|\n\s*)(?i:{_LABELS})"
                          r"|\s(?:SUBJECT|MESSAGE|QUESTION|DETAILS|TITLE|NAME|TOPIC)\s*:\s*")
#: A message with more sentences than this is a story with a question in it.
STORY_SENTENCES = 2
#: A question shorter than this ("Can you tell me?") keeps the sentence before it.
SHORT_QUESTION_WORDS = 6
#: Questions in a row at the end ("How can the same cancer be different? Could the lab
#: have made a mistake?") are read together, up to this many.
QUESTIONS_IN_A_ROW = 3
#: A closing line may be followed by a name of up to this many words ("R. Okonkwo").
_NAME_WORDS = 3

#: A sentence that opens like this asks something, question mark or not: people write
#: "what other symptoms does it cause so we know what to expect" without one.
_ASKS = re.compile(
    r"^\W*(and |but |so |also |please )?(what|whats|how|why|when|where|which|who|can|could|"
    r"does|do|did|is|are|will|would|should|has|have|any|tell me|explain|i wonder|"
    r"i('d| would) like to know|i want to know|i need to know|"
    r"i('d| would| should) be (very |most )?grateful|please (explain|tell|outline|help|describe)|"
    r"i wish to (ask|know|enquire|inquire)|i (was )?wonder(ed|ing)?|i would like to ask)\b",
    re.IGNORECASE)
#: A letter's or a chat's greeting at the start of a sentence ("Dear Sir or Madam, ...",
#: "Hello, ...", "Good afternoon."): not part of the question.
_GREETING = re.compile(
    r"^\W*(dear [^,.!?]{1,40}|hello|hi|hey|hiya|good (morning|afternoon|evening)|greetings)"
    r"( there| all| everyone)?\s*[,.!:-]+\s*", re.IGNORECASE)
#: A letter's formal closing, and friendlier ones.
_LETTER = (r"yours (faithfully|sincerely|truly)|(kind |best |warm )?regards|sincerely|"
           r"with (many |best )?thanks")
_FRIENDLY = (r"many thanks|thanks?( you)?( so much| very much| in advance)?|best wishes|cheers|"
             r"god bless|x+")


def _closing(words: str) -> Pattern[str]:
    """A line that is one of `words`, maybe followed by a short name."""
    return re.compile(rf"^\W*({words})\W*(\w+\W*){{0,{_NAME_WORDS}}}(\([^)]*\)\W*)?$",
                      re.IGNORECASE)


#: Dropped before the safety net reads a message: only a letter's closing, since "thank
#: you for everything" at the end of a message can be a goodbye that matters.
LETTER_CLOSING = _closing(_LETTER)
#: Any closing line: not the question ("Yours faithfully", "thanks in advance").
SIGN_OFF = _closing(f"{_LETTER}|{_FRIENDLY}")
#: A question that refers back ("Is it only for the last days?", "Where has it been all
#: this time?") keeps the sentence before it, where the thing it means is named.
_REFERS_BACK = re.compile(
    r"^\W*(and |but |so |also )?((is|does|did|was|will|can|could|would|has|have|should) |"
    r"(how|where|why|what|when) (\w+ )?)(?P<pronoun>it|this|that|they|these|those)\b", re.IGNORECASE)


def split(text: str) -> List[str]:
    """The sentences of `text` (a full stop, question or exclamation mark, a new line, a
    form's " | " or field label starts the next), stripped, empty ones left out."""
    text = _FIELD_LABEL.sub("\n", _FIELD_BAR.sub("\n", text.strip()))
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def without_closing(sentences: List[str], closing: Pattern[str] = SIGN_OFF) -> List[str]:
    """`sentences` without a closing line (and a name after it) at the end. A message that
    is nothing but a closing line is kept: then it is what the person said."""
    for start in range(max(len(sentences) - 2, 1), len(sentences)):
        if closing.match(" ".join(sentences[start:])):
            return sentences[:start]
    return sentences


#: An opening question this long is a full question even with "it" in its first words.
OPENING_FULL_WORDS = 9
#: Words that make an opening question a question about the subject ("Can they operate on
#: brain mets?"), not a lead-in ("Can I ask you something?").
_SUBJECT_WORDS = re.compile(
    r"\b(cancers?|spread\w*|mets|metasta\w*|secondar\w*|stage|tumou?rs?|cur(e|ed|able)|"
    r"hospice|scans?|biopsy|chemo\w*|radio\w*|lymph|nodes?|primary|outlook|survival)\b",
    re.IGNORECASE)


def _opens_with_the_question(sentence: str) -> bool:
    """A long message that opens with a full question about the subject ("How can they not
    know where a cancer started? My husband ... How do you treat something you can't
    find?"): the opening question is what is asked; what follows is the story and
    afterthoughts (question sets 22 and 24). A pronoun can only point ahead to the story
    here: "Is it in her bones?" does, but "they" are the doctors ("Can they operate on brain
    mets?") and a long question's "it" is a dummy ("Why is it the spread that's dangerous
    and not the original tumour?")."""
    words = len(sentence.split())
    refers = _REFERS_BACK.match(sentence)
    points_ahead = (refers is not None and refers.group("pronoun").lower() != "they"
                    and words < OPENING_FULL_WORDS)
    return words >= SHORT_QUESTION_WORDS and not points_ahead and bool(_SUBJECT_WORDS.search(sentence))


def _asks(sentence: str) -> bool:
    return sentence.rstrip().endswith("?") or bool(_ASKS.match(_GREETING.sub("", sentence)))


def asks_something(text: str) -> bool:
    """Some sentence of `text` asks something (a question mark, or "what", "I wondered")."""
    return any(_asks(s) for s in split(text))


def last_question(text: str) -> str:
    """The last sentence that asks something, else the last sentence: what a short story
    then a question ("mum had chemo last year. can gout be passed on?") asks about."""
    sentences = without_closing(split(text)) or [text]
    asking = [s for s in sentences if _asks(s)]
    return (asking or sentences)[-1]


@functools.lru_cache(maxsize=256)
def focus(text: str) -> str:
    """The question inside a long message: the last sentence that asks something (a carer's
    story, then "what does that mean?"), with the questions just before it, else the last
    sentence. A very short first question, or one that refers back ("does it change as it
    goes?"), keeps the sentence before it. Messages of one or two sentences are kept whole.
    Why the questions in a row: the last one is often an afterthought ("Could the lab have
    made a mistake?", "I want to know what to look out for") and the real one is before it.
    Cached: in one process several readers ask for it per turn (the pipeline's focus
    component and the classifier; the action's site order and medical words)."""
    sentences = split(text)
    if len(sentences) <= STORY_SENTENCES:
        return text
    sentences = without_closing(sentences)
    asking = [i for i, s in enumerate(sentences) if _asks(s)]
    if asking and asking[0] == 0 and _opens_with_the_question(sentences[0]):
        return sentences[0]
    at = asking[-1] if asking else len(sentences) - 1
    first = at
    while first - 1 in asking and at - first + 1 < QUESTIONS_IN_A_ROW:
        first -= 1
    keeps_before = (len(sentences[first].split()) < SHORT_QUESTION_WORDS
                    or bool(_REFERS_BACK.match(sentences[first])))
    start = first - 1 if first > 0 and keeps_before else first
    return " ".join(sentences[start:at + 1])
