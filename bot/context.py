"""What one user turn is about: topic, site and cancer type, with conversation context.

Pure functions over plain data, so they are unit-tested without Rasa. The actions build a
`Turn` from the tracker and ask it what to answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from bot import vocabulary
from bot.nlp import entities as reading
from bot.nlp.sentences import focus
from bot.text import clean_message, was_truncated

#: Words that point back at what was said before ("how is *that* treated?").
_BACK_REFERENCE = re.compile(
    r"\b(it|its|it's|that|this|those|these|there|them|they|same|also|too|what about|how about)\b"
    r"|^\W*(and|so|but|or|then)\b",  # "and the liver?": a leading "and", not "X and Y"
    re.IGNORECASE,
)
#: A short question ("symptoms?") is read in the context of the conversation.
SHORT_MESSAGE_WORDS = 5
#: Words that make a message a question about cancer in general ("how is metastatic cancer
#: treated?"): without them, a message that names no place or cancer ("what signs should
#: we watch for at home", "does exercise help") is still about the conversation's.
_GOES_GENERAL = re.compile(
    r"\b(cancers?|tumou?rs?|metasta\w*|mets|secondar(?:y|ies)|in general|generally)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z]{3,}")
#: The words of a follow-up that names nothing ("and why is that?", "tell me more").
_FOLLOW_UP_ONLY = frozenset(
    "and but then what whats about how why come the for that this its it's does can you "
    "tell more again please okay really mean means meant sorry".split())
#: "the cancer", "the mets": the definite article points back at the one already named.
_THE_ONE_NAMED = re.compile(r"\b(?:the|her|his|my|their|your) (?:cancer|tumou?rs?|mets|spots?|"
                            r"secondar(?:y|ies)|lumps?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Turn:
    """The facts of one user message plus what the conversation said before it."""

    raw_text: str
    text: str
    intent: Optional[str]
    confidence: float
    ranking: Tuple[Tuple[str, float], ...]
    sites: Tuple[str, ...]
    cancer_types: Tuple[str, ...]
    previous: Dict[str, Optional[str]] = field(default_factory=dict)
    channel: str = ""
    notes: Tuple[str, ...] = ()  # cancer names that carry a note ("skin cancer")
    terms: Tuple[str, ...] = ()  # medical words named ("ascites"), vocabulary.MEDICAL_TERMS
    cancer_name: Optional[str] = None  # the vocabulary's name of an `other`/`blood` cancer

    @property
    def truncated(self) -> bool:
        return was_truncated(self.raw_text)

    @property
    def refers_back(self) -> bool:
        """True when the message leans on the conversation (follow-up, pronoun, fragment)."""
        return (
            self.intent == "follow_up"
            or bool(_BACK_REFERENCE.search(self.text))
            or len(self.text.split()) <= SHORT_MESSAGE_WORDS
        )

    @property
    def adds_something(self) -> bool:
        """True when a follow-up says what it is about ("what about diet?"), not only that
        it follows ("why?", "and?", "tell me more"): those ask which part was meant."""
        return any(word not in _FOLLOW_UP_ONLY for word in _WORD.findall(self.text.lower()))

    @property
    def keeps_context(self) -> bool:
        """True when the conversation's place and cancer still apply: the message refers
        back, or it names no place, no cancer and nothing general (a carer's "he's gone a
        bit yellow" after talk of the liver is about the liver)."""
        return (self.refers_back or bool(_THE_ONE_NAMED.search(self.text))
                or not _GOES_GENERAL.search(self.text))

    def site(self) -> Optional[str]:
        """The site said now, else the one from context when the message keeps it."""
        if self.sites:
            return self.sites[0]
        return self.previous.get("site") if self.keeps_context else None

    def cancer_type(self) -> Optional[str]:
        """The cancer type said now, else the one from context when the message keeps it."""
        if self.cancer_types:
            return self.cancer_types[0]
        return self.previous.get("cancer_type") if self.keeps_context else None


def _entity_keys(entities: List[Dict[str, Any]], name: str) -> Tuple[str, ...]:
    to_key = vocabulary.site_key if name == "site" else vocabulary.cancer_type_key
    keys = [to_key(str(e.get("value", ""))) for e in entities if e.get("entity") == name]
    return tuple(dict.fromkeys(k for k in keys if k))


def _question_first(entities: List[Dict[str, Any]], text: str) -> List[Dict[str, Any]]:
    """The entities of the question inside a long message first, then the story's: "chemo
    into his spine to protect his brain. Can leukaemia spread to the brain?" asks about
    the brain. A message without a story keeps its order. Used for sites: the cancer
    type is where it started, which the story usually names."""
    question = focus(text)
    at = text.rfind(question[:40]) if question != text else -1
    if at <= 0:
        return entities
    asked = [e for e in entities if int(e.get("start") or 0) >= at]
    return asked + [e for e in entities if e not in asked]


def _organ_cancer_in_context(text: str, sites: Tuple[str, ...], cancer_types: Tuple[str, ...],
                             previous: Dict[str, Optional[str]]) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """"Is it bone cancer now?" after "it spread to her bones": the organ is where the
    cancer went (the naming question), not a new cancer type."""
    before_site, before_type = previous.get("site"), previous.get("cancer_type")
    for mention in reading.read(text):
        if (mention.entity == "cancer_type" and mention.organ and mention.organ == before_site
                and mention.value != before_type and mention.value in cancer_types):
            cancer_types = tuple(k for k in cancer_types if k != mention.value)
            sites = tuple(dict.fromkeys((*sites, mention.organ)))
    return sites, cancer_types


def turn_from_message(message: Dict[str, Any], previous: Dict[str, Optional[str]],
                      channel: str = "") -> Turn:
    """Build a Turn from Rasa's parse data (tracker.latest_message) and the slots before it."""
    raw = message.get("text")
    raw_text = raw if isinstance(raw, str) else ""
    intent = message.get("intent") or {}
    ranking = tuple(
        (str(r.get("name")), float(r.get("confidence") or 0.0))
        for r in message.get("intent_ranking") or []
        if r.get("name")
    )
    entities = message.get("entities") or []
    sites = _entity_keys(_question_first(entities, raw_text), "site")
    cancer_types = _entity_keys(entities, "cancer_type")
    text = clean_message(raw_text)
    sites, cancer_types = _organ_cancer_in_context(text, sites, cancer_types, previous)
    return Turn(
        raw_text=raw_text,
        text=text,
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        ranking=ranking,
        sites=sites,
        cancer_types=cancer_types,
        previous=dict(previous),
        channel=channel,
        notes=tuple(vocabulary.cancer_notes_in(text))
        if "other" in cancer_types else (),
        terms=tuple(vocabulary.terms_in(text)),
        cancer_name=reading.cancer_name(text),
    )


#: Library-style wording: the message asks about the thing it names ("What is ascites?",
#: "Do you have information about hospice?"), so a medical word decides the topic.
LIBRARY_ASK = re.compile(
    r"^\W*(?:(?:do|have) you (?:have|got)|got|any|is there)\b.*\b(?:info|information|anything|"
    r"something|details|leaflets?)\b|^\W*(?:what|whats|what's)\s+(?:is|are|r|does)\b|"
    r"^\W*what\s+causes\b|^\W*how\s+(?:to|do (?:you|they))\s+(?:diagnose|treat)\b|"
    r"^\W*what\s+(?:is|are)\s+the\s+outlook\b|^\W*what\s+to\s+do\s+(?:for|about)\b|"
    r"^\W*(?:tell me about|info on|information on|information about)\b",
    re.IGNORECASE,
)


#: In a longer message, a question that asks what the named thing is ("...discharging me
#: with something called a survivorship care plan. what is that and what is it for").
_WHAT_IT_IS = re.compile(
    r"(?:^|[.?!,]\s+)\W*(?:and\s+|so\s+|but\s+)?(?:what|whats|what's)\s+(?:is|are|r|'s)?\s*"
    r"(?:that|it|this|these|those)\b(?!\s+(?:like|mean|going|for))"
    r"|\bwhat\s+(?:does|do)\s+(?:that|it|this|these|those)\s+(?:words?\s+)?mean\b(?!\s+for)",
    re.IGNORECASE,
)


def asks_what_it_is(text: str) -> bool:
    """True for a library-style opening ("What is X?", "Do you have information about X?")."""
    return bool(LIBRARY_ASK.search(text))


def library_style(text: str) -> bool:
    """True for a short or library-style question that is about the thing it names."""
    return len(text.split()) <= SHORT_MESSAGE_WORDS or asks_what_it_is(text)


#: A form's or an e-mail's subject line: "Subject: survivorship care plan. my nurse gave me...".
_SUBJECT_LINE = re.compile(r"^\W*(?:subject|subj|re|topic)\s*:\s*(.{3,80}?)(?:[.?!]|\s{2,}|$)",
                           re.IGNORECASE)


def term_in_subject(text: str) -> Optional[str]:
    """The condition a subject line names ("Subject: survivorship care plan"): what the
    message is about, whatever the story after it says."""
    line = _SUBJECT_LINE.match(text)
    named = [t for t in vocabulary.terms_in(line.group(1)) if t in vocabulary.CONDITION_TERMS] \
        if line else []
    return named[0] if named else None


def term_asked_about(text: str) -> Optional[str]:
    """The medical word a longer message asks about ("...something called a survivorship
    care plan. what is that and what is it for"): named in the question or the sentence
    before it (the story's earlier words, "chemo, the lot", are not what is asked)."""
    if not _WHAT_IT_IS.search(text):
        return None
    named = vocabulary.terms_in(focus(text))
    return named[-1] if named else None

