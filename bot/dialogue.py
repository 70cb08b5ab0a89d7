"""What to say to one user turn: the routing every reply goes through.

Order matters and is the point of this module:
1. the safety layer (red flags, crisis wording) wins over everything;
2. empty, symbol-only or non-English text gets a kind, fixed path;
3. the classifier's intent picks an education answer, a safety answer (personal advice,
   out of scope), small talk or a clarifying question.
Pure functions over `Turn` and `AnswerIndex`, so they are tested without Rasa.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import List, Optional, Sequence, Tuple

from bot import safety
from bot.content.lookup import AnswerIndex
from bot.context import Turn, asks_what_it_is, library_style, term_asked_about, term_in_subject
from bot.messages import ENGLISH_ONLY
from bot.nlp.sentences import asks_something, focus
from bot.replies import Reply, choice_buttons, follow_up_buttons, from_answer
from bot.scope import NO_TOPIC, about_a_first_cancer, about_another_illness, asks_for_a_choice, names_spread
from bot.text import looks_non_english
from bot.urgent import compose
from bot.vocabulary import (
    BLOOD_ANSWERED,
    BLOOD_CANCER_TERMS,
    CONDITION_QUESTIONS,
    CONDITION_TERMS,
    DEFAULT_CHOICES,
    DEFINING_TOPICS,
    EDUCATION_TOPICS,
    OUTLOOK_TOPIC,
    PLACE_ONLY_CHOICES,
    REPORT_SPREAD_TOPIC,
    SEVERAL_PLACES_TOPIC,
    SIGNS_TOPIC,
    SMALLTALK_KEYS,
    SPREAD_ONLY_FRAMES,
    TERM_OVERRIDES,
    asks_outside_questions,
    frame_topic,
    names_other_illness,
    report_topic,
    term_topic,
)

logger = logging.getLogger(__name__)

#: A sentence ends and another begins: the message is more than one question.
_SENTENCE_BREAK = re.compile(r"[.?!]\s+\S")

MAX_CHOICES = 3
#: Small talk answers nothing, so a weak guess of it must not end the turn: "he's gone a
#: bit yellow" read as "goodbye" at 0.40 said goodbye to a worried carer. Below this, the
#: assistant asks instead (the dev conversations' two such turns were at 0.39 and 0.40).
SMALLTALK_MIN_CONFIDENCE = 0.6


def route(turn: Turn, index: AnswerIndex) -> Reply:
    """The reply for one turn. Raises SQLAlchemyError when the database is unreachable."""
    reply = guarded_reply(turn, index)
    if reply is not None:
        return reply
    intent = not_small_talk(turn, one_place(turn, named_aspect(turn, in_context(turn))))
    if intent == "crisis":  # the safety layer read no crisis: the classifier's next guess
        intent = next(iter(answerable_guesses(turn, intent)), None)
    if (intent == "follow_up" and not (turn.sites or turn.cancer_types or turn.terms)
            and not (turn.previous.get("topic") in EDUCATION_TOPICS and turn.refers_back
                     and turn.adds_something)):
        # Nothing named and no answered topic to follow ("why?"): ask which part. With
        # one, "what about diet?" after a prevention answer stays on prevention.
        intent = None
    if (turn.cancer_type() == "blood" and intent not in BLOOD_ANSWERED + (
            "personal_advice", *SMALLTALK_KEYS)
            and not set(turn.terms) & set(BLOOD_CANCER_TERMS)):
        return scoped_answer(turn, index, "out_of_scope")  # out_of_scope.blood: honest scope
    if ((intent in EDUCATION_TOPICS
         or intent in (*NO_TOPIC, "emergency", "crisis", "personal_advice"))
            and (asks_outside_questions(turn.text)  # "do dogs get metastases"
                 or about_another_illness(turn))):
        return scoped_answer(turn, index, "out_of_scope")
    if (intent in EDUCATION_TOPICS or intent in NO_TOPIC) and asks_for_a_choice(focus(turn.text)):
        return scoped_answer(turn, index, "personal_advice")  # "which one should he pick?"
    if about_a_first_cancer(turn, intent):
        return scoped_answer(turn, index, "out_of_scope")  # "what causes cervical cancer"
    reported = report_topic(turn.text) if intent in EDUCATION_TOPICS + list(TERM_OVERRIDES) else None
    if reported is not None:  # "the CT says 'metastasis not excluded'": what the words mean
        topic, term = reported
        if topic == REPORT_SPREAD_TOPIC and term is None and (
                len(set(turn.sites)) > 1 or _MANY_DEPOSITS.search(turn.text)):
            topic = SEVERAL_PLACES_TOPIC  # "'widespread metastatic disease in liver and lungs'"
        return answer(turn, index, topic, term=term)
    named = medical_word(turn, intent)
    if named is not None:
        topic, term = named
        return answer(turn, index, topic, term=term)
    framed = library_frame(turn, intent)
    if framed is not None:
        return answer(turn, index, framed)
    if intent in EDUCATION_TOPICS or intent == "follow_up":
        return answer(turn, index, intent)
    if (intent == "out_of_scope" and turn.confidence < OUT_OF_SCOPE_MIN
            and not (turn.sites or turn.cancer_types or turn.terms)):
        return clarify(turn, index, likely_topics(turn))  # "qwzx plorb": ask, with choices
    if intent in ("personal_advice", "out_of_scope"):
        return scoped_answer(turn, index, intent)
    if intent in ("emergency", "crisis"):
        # The safety layer judged this to be a question about a symptom: education.
        return answer(turn, index, SIGNS_TOPIC)
    if intent in SMALLTALK_KEYS and turn.confidence >= SMALLTALK_MIN_CONFIDENCE:
        return small_talk(turn, index, intent)
    return clarify(turn, index, likely_topics(turn))


def guarded_reply(turn: Turn, index: AnswerIndex) -> Optional[Reply]:
    """The paths that win over the classifier: emergency, crisis, empty or foreign text."""
    flag = safety.assess(turn.text, turn.intent, turn.confidence)
    if flag is not None:
        logger.info("safety layer: %s (%s)", flag.topic, flag.condition)
        found = index.best(flag.topic, turn.site(), turn.cancer_type())
        if found is None:  # never let a missing entry route an emergency to the classifier
            raise LookupError(f"no approved {flag.topic} entry")
        return compose(flag, safety.condition(flag.condition), found, turn.site(),
                       turn.cancer_type())
    if not any(c.isalnum() for c in turn.text):
        return clarify(turn, index, DEFAULT_CHOICES)
    if looks_non_english(turn.text):
        return scoped_answer(turn, index, "out_of_scope", preface=ENGLISH_ONLY)
    return None


#: A short search that names a medical word and another topic ("oligometastatic prostate
#: cancer outlook") asks about that topic when the classifier is this sure of it.
SURE_OF_ANOTHER_TOPIC = 0.9


def medical_word(turn: Turn, intent: Optional[str]) -> Optional[Tuple[str, str]]:
    """(topic, term) when a medical word decides the answer ("What is ascites?"), else None.

    The word's own topic is used when the classifier found no topic of its own, agrees, or
    the message is short or library-style (unless a short search without "what is" is one
    the classifier is sure asks about another topic). A condition ("ascites") also answers a question
    about its signs or treatment, since its entry says what it is, why it happens and how it
    is treated: the topic stays the one asked about. Personal advice and small talk keep
    their own path."""
    framed = frame_topic(turn.text)
    if not turn.terms or framed == OUTLOOK_TOPIC:
        return None  # a word's entry says what it is and how it is treated, not the outlook
    asked = term_asked_about(turn.text) or term_in_subject(turn.text)
    if asked is not None and (intent in EDUCATION_TOPICS or intent in TERM_OVERRIDES):
        return term_topic(asked), asked
    term = turn.terms[0]
    home = term_topic(term)
    if term in CONDITION_TERMS and framed in CONDITION_QUESTIONS:
        return framed, term  # "What are the treatments for leptomeningeal metastases?"
    if intent in TERM_OVERRIDES or intent == home:
        return home, term
    if intent in EDUCATION_TOPICS and library_style(turn.text) and not (
            turn.confidence >= SURE_OF_ANOTHER_TOPIC and not asks_what_it_is(turn.text)):
        return home, term
    if term in CONDITION_TERMS and intent in CONDITION_QUESTIONS:
        return intent, term
    if term in CONDITION_TERMS and intent in DEFINING_TOPICS:
        return home, term
    return None


#: In a conversation about a cancer, "out of scope" or small talk must win clearly: an
#: education topic this close behind is what a message that keeps the context is about
#: ("how are they found" read as greet 0.33, diagnosis 0.33, after liver spread).
CONTEXT_MARGIN = 0.15
CONTEXT_MIN_CONFIDENCE = 0.25
#: Two guesses closer than this are level (config.yml's ambiguity_threshold).
AMBIGUITY = 0.03


def education_guesses(turn: Turn) -> List[Tuple[str, float]]:
    """The classifier's guesses that are education topics, most likely first."""
    return [(name, p) for name, p in turn.ranking if name in EDUCATION_TOPICS]


def in_context(turn: Turn) -> Optional[str]:
    """The classifier's intent, or the education topic level with (or just behind) an
    out-of-scope or small-talk guess when the message continues a conversation about cancer.
    Two education topics level with each other still get a clarifying question."""
    previous = turn.previous
    ongoing = (previous.get("topic") in EDUCATION_TOPICS or previous.get("site")
               or previous.get("cancer_type"))
    noise = ("out_of_scope", *SMALLTALK_KEYS)
    if (turn.intent not in (*noise, "nlu_fallback") or not ongoing or not turn.keeps_context
            or names_other_illness(turn.text)):
        return turn.intent
    guesses = [(name, p) for name, p in turn.ranking if name != "nlu_fallback"]
    topics = education_guesses(turn)
    rivals = [p for name, p in guesses if name in noise]
    if not topics or not rivals:
        return turn.intent
    best, p = topics[0]
    runner_up = topics[1][1] if len(topics) > 1 else 0.0
    if (p >= CONTEXT_MIN_CONFIDENCE and max(rivals) - p <= CONTEXT_MARGIN
            and max(rivals) >= p - AMBIGUITY and p - runner_up >= AMBIGUITY):
        return best
    return turn.intent


#: A weak "out of scope" that names nothing is more likely noise than a question about
#: something else ("qwzx plorb vintage trombone" read as out_of_scope 0.46 after batch 7):
#: ask instead. On the 22 held-out question sets (2026-12-01), 11 of the 209 read as out of
#: scope named nothing and were below this: another illness, an animal or a side effect
#: gives the scoped reply for all but one, which was not out of scope.
OUT_OF_SCOPE_MIN = 0.55
#: A short follow-up whose runner-up is an education topic this likely names that topic:
#: "and the treatment?" read as follow_up 0.64, treatment 0.33, after a diagnosis answer.
NAMED_ASPECT_MIN = 0.3
NAMED_ASPECT_MAX_WORDS = 4


def named_aspect(turn: Turn, intent: Optional[str]) -> Optional[str]:
    """The topic a short follow-up names ("and the treatment?"), else the intent as it was.
    A follow-up naming a place or cancer ("and the liver?") keeps the answered topic."""
    if (intent != "follow_up" or turn.sites or turn.cancer_types
            or len(turn.text.split()) > NAMED_ASPECT_MAX_WORDS):
        return intent
    topics = education_guesses(turn)
    if topics and topics[0][1] >= NAMED_ASPECT_MIN and topics[0][0] != turn.previous.get("topic"):
        return topics[0][0]
    return intent


#: A report's words for spread at many places ("'multiple metastases'", "'widespread'").
_MANY_DEPOSITS = re.compile(r"\b(multiple|widespread|numerous|disseminated)\b", re.IGNORECASE)
#: Words that speak of more than one place ("all over", "several organs").
_SEVERAL_PLACES = re.compile(
    r"\b(several|multiple|many|lots of|a lot of|all over|everywhere|other organs|other places|"
    r"more than one|different (organs|places|parts)|widespread|spread widely|both|few places|"
    r"two places|three places|at once|same time|and (the |her |his |my )?(liver|lungs?|bones?|"
    r"brain))\b", re.IGNORECASE)


def one_place(turn: Turn, intent: Optional[str]) -> Optional[str]:
    """The next education guess when the classifier says "spread to several places" about a
    message that names one place and nothing of several ("kidney cancer and the scan shows
    spots on my lungs" is about what spread to the lungs means, not several organs)."""
    if (intent != SEVERAL_PLACES_TOPIC or len(set(turn.sites)) > 1
            or _SEVERAL_PLACES.search(turn.text)):
        return intent
    others = answerable_guesses(turn, intent)
    return others[0] if others else intent


#: A message longer than this that asks something is a question, whatever its greeting or
#: sign-off: "Dear Sir or Madam, I wish to ask whether ... can be cured. With thanks" read
#: as thanks 0.91 (question set 22).
SMALLTALK_MAX_WORDS = 12
#: The classifier's next guess must be at least this likely to be answered instead; below
#: it the assistant asks (the classifier's own fallback threshold, config.yml).
NEXT_GUESS_MIN = 0.3


def not_small_talk(turn: Turn, intent: Optional[str]) -> Optional[str]:
    """The next answerable guess (or None: ask) for small talk that is really a question."""
    if (intent not in SMALLTALK_KEYS or len(turn.text.split()) <= SMALLTALK_MAX_WORDS
            or not asks_something(turn.text)):
        return intent
    answerable = answerable_guesses(turn, intent)
    return next((name for name, p in turn.ranking if name in answerable and p >= NEXT_GUESS_MIN),
                None)


def answerable_guesses(turn: Turn, intent: Optional[str]) -> List[str]:
    """The classifier's other guesses that have an answer: education, advice, scope."""
    return [name for name, _ in turn.ranking if name != intent
            and (name in EDUCATION_TOPICS or name in ("personal_advice", "out_of_scope"))]


#: A library-style question is short and asks one thing ("What is the outlook for X?").
FRAME_MAX_WORDS = 16


def library_frame(turn: Turn, intent: Optional[str]) -> Optional[str]:
    """The topic a library-style question's frame asks for, when it wins over the classifier.

    "Is metastatic prostate cancer inherited?": the classifier reads the long name and says
    what_is_metastasis; the frame says risk_factors. A frame decides only for one short
    question that names a cancer, a place or spread, and never over personal advice, small
    talk or the safety intents."""
    if intent not in EDUCATION_TOPICS + ["follow_up", "out_of_scope", "nlu_fallback", None]:
        return None
    if len(turn.text.split()) > FRAME_MAX_WORDS or _SENTENCE_BREAK.search(turn.text):
        return None
    topic = frame_topic(turn.text)
    if topic is None or topic == intent:
        return None
    spread = bool(turn.sites) or names_spread(turn.text)
    if not spread and (topic in SPREAD_ONLY_FRAMES or not turn.cancer_types):
        return None
    return topic


def answer(turn: Turn, index: AnswerIndex, intent: str, term: Optional[str] = None) -> Reply:
    """An education answer; a follow-up ("and the liver?") reuses the previous topic. A
    medical word's own entry is served for it, under the topic that was asked about."""
    topic = turn.previous.get("topic") if intent == "follow_up" else intent
    if topic not in EDUCATION_TOPICS:
        return clarify(turn, index, PLACE_ONLY_CHOICES)
    site, cancer_type = turn.site(), turn.cancer_type()
    found = index.best(term_topic(term), term=term) if term else None
    if found is None or found.term != term:
        found = index.best(topic, site, cancer_type)
    if found is None:
        return clarify(turn, index, PLACE_ONLY_CHOICES)
    return from_answer(found, topic, site, cancer_type, preface=cancer_note(turn, index))


def cancer_note(turn: Turn, index: AnswerIndex) -> Optional[str]:
    """The vetted note for a cancer named without answers of its own ("skin cancer"), or
    the general one for any other `other` cancer ("I don't have answers for sarcoma...")."""
    notes = [index.by_id(f"cancer_note.{name}") for name in turn.notes]
    if not any(notes) and turn.cancer_type() == "other" and turn.cancer_types:
        general = index.by_id("cancer_note.other")
        name = turn.cancer_name or "this cancer"
        notes = [general] if general is None else [replace(general, text=general.text.replace(
            "{cancer}", name))]
    return "\n\n".join(n.text for n in notes if n is not None) or None


def scoped_answer(turn: Turn, index: AnswerIndex, topic: str,
                  preface: Optional[str] = None) -> Reply:
    """Personal advice keeps the conversation's site and type; out of scope keeps only what
    this message named (a blood cancer gets its own scoped reply, `out_of_scope.blood`) and
    offers the closest metastasis topic the classifier saw as a button."""
    if topic == "personal_advice":
        site, cancer_type = turn.site(), turn.cancer_type()
    else:
        site = turn.sites[0] if turn.sites else None
        cancer_type = turn.cancer_types[0] if turn.cancer_types else None
    found = index.best(topic, site, cancer_type)
    if found is None:
        return clarify(turn, index, DEFAULT_CHOICES)
    buttons = None
    closest = [name for name, _ in education_guesses(turn)][:1]
    if topic == "out_of_scope" and closest and (site or cancer_type):
        buttons = choice_buttons(closest, site, cancer_type if cancer_type != "blood" else None)
        buttons += tuple(b for b in follow_up_buttons(found) if b.title not in
                         {x.title for x in buttons})[:2]
    return from_answer(found, topic, site, cancer_type, preface=preface, buttons=buttons)


def small_talk(turn: Turn, index: AnswerIndex, key: str) -> Reply:
    """Vetted text, but not an answer: `topic` and `answer_id` reset (contract section 2)."""
    found = index.best(key)
    if found is None:
        return clarify(turn, index, DEFAULT_CHOICES)
    return from_answer(found, None, turn.previous.get("site"), turn.previous.get("cancer_type"),
                       counts_as_answer=False, with_sources=False)


def likely_topics(turn: Turn) -> List[str]:
    """The classifier's best education guesses, padded with common topics to at least two."""
    topics = [name for name, _ in education_guesses(turn)][:MAX_CHOICES]
    for extra in DEFAULT_CHOICES:
        if len(topics) >= 2:
            break
        if extra not in topics:
            topics.append(extra)
    return topics


def clarify(turn: Turn, index: AnswerIndex, topics: Sequence[str]) -> Reply:
    """Ask which topic was meant, offering 2 to 4 likely ones as buttons (topic `clarify`)."""
    site, cancer_type = turn.site(), turn.cancer_type()
    buttons = choice_buttons(list(topics)[:4], site, cancer_type)
    found = index.best("clarify")
    if found is None:  # never without a reply: the buttons alone still help
        return Reply("Which of these is closest to what you want to know?", "clarify", site,
                     cancer_type, buttons=buttons)
    return from_answer(found, "clarify", site, cancer_type, buttons=buttons, with_sources=False,
                       preface=cancer_note(turn, index))
