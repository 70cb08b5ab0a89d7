"""The keys of the conversation contract and the everyday words that mean them.

Keys live here (the one code file that spells a topic key); the words live in
data/vocabulary.yml, read once when this module is imported. The spaCy pipeline, the Rasa
lookup tables, the domain's intents and rules, and the content loader all follow from
these two, so a new synonym is added to the data file only.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

import yaml

from bot.paths import VOCABULARY

#: Education topics (contract section 3), each with the short label of its button when the
#: assistant offers choices. The one place a topic key is spelled in code: the domain's
#: intents and the rules are generated from it (bot/rasa_files.py).
EDUCATION_TOPIC_LABELS: Dict[str, str] = {
    "what_is_metastasis": "What metastasis means",
    "invasion_vs_metastasis": "Invasion vs spread",
    "how_cancer_spreads": "How cancer spreads",
    "steps_of_metastasis": "The steps of spread",
    "common_sites": "Where cancer spreads",
    "symptoms": "Signs of spread",
    "diagnosis": "How spread is found",
    "treatment": "How it is treated",
    "prevention": "Can spread be prevented?",
    "prognosis": "Outlook",
    "naming": "Why the name stays the same",
    "recurrence": "Cancer coming back",
    "early_spread": "Spread at an early stage",
    "speed": "How fast it spreads",
    "lymph_nodes": "Lymph nodes",
    "complications": "Why spread is serious",
    "microenvironment": "What helps or blocks spread",
    "tumor_differences": "How a spread tumour can differ",
    "multiple_sites": "Spread to several places",
    "propensity": "Which cancers spread most",
    "staging": "Stages and stage 4",
    "unknown_primary": "Unknown starting place",
    "research": "Research and trials",
    "support": "Support and help lines",
    "risk_factors": "What makes spread more likely",
    "when_to_see_doctor": "When to call your care team",
    "contagious": "Can it pass to others?",
}

EDUCATION_TOPICS: List[str] = list(EDUCATION_TOPIC_LABELS)

#: Safety and flow topics (contract section 4).
SAFETY_TOPICS: List[str] = ["emergency", "crisis", "personal_advice", "out_of_scope", "clarify"]

#: Small talk: answered from the content database, but the `topic` slot stays null.
SMALLTALK_KEYS: List[str] = ["greet", "goodbye", "thanks", "bot_identity"]

#: Content that is not an answer of its own: a short note put before an answer, such as
#: "most skin cancers rarely spread" when someone says "skin cancer" (id `cancer_note.<name>`).
NOTE_KEYS: List[str] = ["cancer_note"]

#: Intents the classifier knows: the topics, the safety and small-talk keys, and
#: "follow_up" ("and the liver?"). `clarify` is a reply, never an intent.
INTENTS: List[str] = (EDUCATION_TOPICS + ["follow_up"]
                      + [k for k in SAFETY_TOPICS if k != "clarify"] + SMALLTALK_KEYS)

#: A question about a red-flag sign ("what causes cord compression?") is answered here.
SIGNS_TOPIC = "symptoms"
#: Where distress is talked about ("how do I cope"): the safety layer's second net keeps
#: its crisis reading against a confident guess of this topic (bot/safety/__init__.py).
COPING_TOPIC = "support"

# ---- routing groups (bot/dialogue.py): keys only, so they are spelled here ----------------
#: Spread to several places: needs more than one place in the message (bot/dialogue.py).
SEVERAL_PLACES_TOPIC = "multiple_sites"
#: "What is the outlook for <a medical word>?": the outlook, not the word's own entry.
OUTLOOK_TOPIC = "prognosis"
#: Questions about a blood cancer that are answered like any other (not about spread).
BLOOD_ANSWERED = ("support", "contagious", "when_to_see_doctor")
#: A condition's entry also answers a question about its signs or its treatment...
CONDITION_QUESTIONS = ("symptoms", "treatment")
#: ...and replaces these readings of "what is it / why does it happen".
DEFINING_TOPICS = ("what_is_metastasis", "how_cancer_spreads", "complications", "early_spread",
                   "recurrence", "invasion_vs_metastasis", "steps_of_metastasis")
#: Topics a question about the cause of a first cancer is mistaken for.
FIRST_CANCER_TOPICS = ("how_cancer_spreads", "risk_factors", "prevention", "support",
                       "out_of_scope")
#: Topics a question about the early signs or screening of a first cancer is mistaken for.
FIRST_SIGNS_TOPICS = ("symptoms", "diagnosis", "when_to_see_doctor", "early_spread",
                      "risk_factors", "personal_advice")
#: Topics a question about the after-effects of treating a first cancer is mistaken for,
#: and out of scope itself (a treatment's name in it must not turn it into that treatment).
AFTER_EFFECTS_TOPICS = ("personal_advice", "support", "when_to_see_doctor", "symptoms",
                        "treatment", "recurrence", "complications", "out_of_scope")
#: Topics a question about treating or the outlook of an early first cancer is mistaken for
#: ("treatments for early prostate cancer" is not about spread).
EARLY_CANCER_TOPICS = ("treatment", "prognosis", "symptoms", "diagnosis", "research", "staging")
#: Intents a named medical word overrides: the classifier found no topic of its own.
TERM_OVERRIDES = (None, "nlu_fallback", "out_of_scope", "bot_identity", "follow_up")

#: Library-style frames that, about a first cancer, ask something outside metastasis ("how
#: to prevent breast cancer", "what causes it"): they decide only when the question names a
#: place or spread.
SPREAD_ONLY_FRAMES = ("risk_factors", "prevention", "how_cancer_spreads")

#: Offered when there is nothing better to suggest (an empty message, say).
DEFAULT_CHOICES: Tuple[str, ...] = ("what_is_metastasis", "symptoms", "treatment")
#: Offered when someone names only a place or cancer ("bones?") with no topic yet.
PLACE_ONLY_CHOICES: Tuple[str, ...] = ("symptoms", "treatment", "diagnosis", "what_is_metastasis")

#: Every key a content entry may carry.
CONTENT_KEYS: List[str] = EDUCATION_TOPICS + SAFETY_TOPICS + SMALLTALK_KEYS + NOTE_KEYS

#: The words (data/vocabulary.yml, reviewed data): sites, cancer names, medical words.
_WORDS: Dict[str, Any] = yaml.safe_load(VOCABULARY.read_text(encoding="utf-8"))

#: Site keys (contract section 5) with everyday words, typos included. Lowercase.
SITES: Dict[str, List[str]] = _WORDS["sites"]
#: "Skin cancer" is not melanoma unless the person says so: most skin cancers (basal and
#: squamous cell) rarely spread. These names map to `other` and carry a note.
SKIN_CANCER_NAMES: List[str] = _WORDS["skin_cancer_names"]
#: Solid tumours without answers of their own (cancer type `other`), after NCI's list; the
#: key is the name a reply may use ("I don't have answers written for sarcoma").
OTHER_CANCERS: Dict[str, List[str]] = _WORDS["other_cancers"]
#: Blood cancers (cancer type `blood`): not "metastatic" in the usual sense.
BLOOD_CANCERS: Dict[str, List[str]] = _WORDS["blood_cancers"]
#: Cancer-type keys (contract section 6) with everyday words, plus `other` and `blood`.
#: Operations that name the cancer they treat ("after my mastectomy" -> breast).
CANCER_OPERATIONS: Dict[str, List[str]] = _WORDS["cancer_operations"]
CANCER_TYPES: Dict[str, List[str]] = {
    **{key: words + CANCER_OPERATIONS.get(key, []) for key, words in _WORDS["cancer_types"].items()},
    "other": SKIN_CANCER_NAMES + [w for words in OTHER_CANCERS.values() for w in words],
    "blood": [w for words in BLOOD_CANCERS.values() for w in words],
}

#: The 13 cancer types with answers of their own.
KEYED_CANCER_TYPES: List[str] = [k for k in CANCER_TYPES if k not in ("other", "blood")]

#: Names that carry a note (content id `cancer_note.<group>`) before the answer.
CANCER_NOTES: Dict[str, List[str]] = {
    "skin_cancer": SKIN_CANCER_NAMES,
}

_SPACE = re.compile(r"\s+")


def normalise(word: str) -> str:
    """Lowercase, one space between words: how every phrase table is matched."""
    return _SPACE.sub(" ", word.strip().lower())


def _index(table: Dict[str, List[str]]) -> Dict[str, str]:
    index: Dict[str, str] = {}
    for key, words in table.items():
        index[normalise(key)] = key
        index[normalise(key.replace("_", " "))] = key
        for word in words:
            index[normalise(word)] = key
    return index


_SITE_INDEX = _index(SITES)
_TYPE_INDEX = _index(CANCER_TYPES)


def site_key(text: Optional[str]) -> Optional[str]:
    """Map a matched phrase ("bones", "spine") or a key to its site key, else None."""
    return _SITE_INDEX.get(normalise(text)) if text else None


_NOTE_INDEX = _index(CANCER_NOTES)
_NOTE_PHRASES = re.compile(
    r"\b(" + "|".join(re.escape(p) for p in sorted(_NOTE_INDEX, key=len, reverse=True)) + r")\b")


def cancer_note_key(text: Optional[str]) -> Optional[str]:
    """The note group of a matched cancer name ("skin cancer" -> skin_cancer), else None."""
    return _NOTE_INDEX.get(normalise(text)) if text else None


def cancer_notes_in(text: str) -> List[str]:
    """Note groups named anywhere in `text`, in order ("can skin cancer spread" -> skin_cancer).

    Read from the text, not the entities: Rasa's synonym mapper has already turned
    "skin cancer" into `other` by the time the action sees it."""
    found = (_NOTE_INDEX[m.group(1)] for m in _NOTE_PHRASES.finditer(normalise(text)))
    return list(dict.fromkeys(found))


def cancer_type_key(text: Optional[str]) -> Optional[str]:
    """Map a matched phrase ("bowel cancer") or a key to its cancer-type key, else None."""
    return _TYPE_INDEX.get(normalise(text)) if text else None


#: Medical words of spread, each answered under the nearest topic key (contract section 3).
#: key -> (topic, everyday words and misspellings). A content entry with `term: <key>` is the
#: answer for (topic, term); without one the topic's general answer is served.
MEDICAL_TERMS: Dict[str, Tuple[str, List[str]]] = {
    key: (entry["topic"], entry["words"]) for key, entry in _WORDS["medical_terms"].items()}
#: Terms that name a condition: their answer covers what it is, why and how it is treated,
#: so they win over the classifier's topic ("how is ascites treated" -> the ascites answer).
CONDITION_TERMS: List[str] = _WORDS["condition_terms"]
#: Medical words answered for a blood cancer too ("lytic lesions" with myeloma).
BLOOD_CANCER_TERMS: List[str] = _WORDS["blood_cancer_terms"]
#: Other illnesses: a question about these (and no cancer) is out of scope.
NON_CANCER_CONDITIONS: List[str] = _WORDS["non_cancer_conditions"]
OUTSIDE_QUESTIONS: List[str] = _WORDS["outside_questions"]
TREATMENT_AFTER_EFFECTS: List[str] = _WORDS["treatment_after_effects"]

_TERM_INDEX: Dict[str, str] = {normalise(w): key for key, (_, words) in MEDICAL_TERMS.items()
                               for w in [key.replace("_", " "), *words]}


def phrase_regex(phrases: List[str]) -> "re.Pattern[str]":
    """Whole-word, longest-first alternation; spaces and hyphens are interchangeable."""
    ordered = sorted({normalise(p) for p in phrases}, key=len, reverse=True)
    body = "|".join(re.escape(p).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]+")
                    for p in ordered)
    # An apostrophe inside a word ("don't", "mum's") joins it; a quote around a phrase
    # ("'lytic lesions'") does not.
    return re.compile(r"(?<!\w)(?<!\w')(" + body + r")(?!\w)(?!'\w)")


_TERMS = phrase_regex(list(_TERM_INDEX))
_NON_CANCER = phrase_regex(NON_CANCER_CONDITIONS)
_OUTSIDE = phrase_regex(OUTSIDE_QUESTIONS)


def terms_in(text: str) -> List[str]:
    """Medical-word keys named in `text`, in order ("what is ascites" -> ["ascites"])."""
    found = (_TERM_INDEX.get(_SPACE.sub(" ", m.group(1).replace("-", " ")))
             or _TERM_INDEX.get(m.group(1)) for m in _TERMS.finditer(normalise(text)))
    return list(dict.fromkeys(k for k in found if k))


def term_topic(term: str) -> str:
    """The topic key a medical word is answered under."""
    return MEDICAL_TERMS[term][0]


def asks_outside_questions(text: str) -> bool:
    """True when the text asks about an animal's cancer, money and insurance ("will my
    travel insurance cover me now it has spread"), for a particular doctor ("the best
    oncologist near Columbus") or for the clinic's office (prescriptions, records, bills):
    outside what the assistant answers."""
    return bool(_OUTSIDE.search(normalise(text)))


def names_other_illness(text: str) -> bool:
    """True when the text names a non-cancer illness ("treatment for diabetes")."""
    return bool(_NON_CANCER.search(normalise(text)))


_OTHER_SPREADS = re.compile(_NON_CANCER.pattern + r"\s+(?:(?!cancer|tumou?r|mets|metasta|it\b|the\b)\w+\s+){0,2}?"
                            r"(?:spread\w*|go(?:es)? everywhere)\b")


def other_illness_spreads(text: str) -> bool:
    """True when the spread asked about is another illness's: "can endometriosis spread to
    other organs like cancer does?" (whatever cancer or place the story names)."""
    return bool(_OTHER_SPREADS.search(normalise(text)))


#: Words quoted from a letter or report (data/vocabulary.yml): (topic, words) groups in order.
REPORT_WORDS: List[Tuple[str, "re.Pattern[str]"]] = [
    (group["topic"], phrase_regex(group["words"])) for group in _WORDS["report_words"]]
#: The last group's topic: spread in a report's words (at several places: spread to several).
REPORT_SPREAD_TOPIC = REPORT_WORDS[-1][0]
#: The groups before a medical word in the quote: a finding not yet sure, a stage, nodes.
REPORT_GROUPS_BEFORE_TERMS = 3
_REPORT_MEANS = phrase_regex(_WORDS["report_means"])
_REPORT_QUESTION = phrase_regex(_WORDS["report_question_words"])
_REPORT_ASKS_MORE = phrase_regex(_WORDS["report_asks_more"])
#: A quote opens after the start, a space, a colon or a bracket and closes before the end, a
#: space or punctuation, so the apostrophe of "mum's" opens nothing.
_QUOTED = re.compile(r"(?:^|(?<=[\s:(]))['\u2018\"\u201c]([^'\u2018\u2019\"\u201c\u201d]{2,160}?)"
                     r"['\u2019\"\u201d](?=$|[\s.,;:?!)])")


def report_topic(text: str) -> Optional[Tuple[str, Optional[str]]]:
    """(topic, medical word or None) for words quoted from a letter or report ("the CT says
    'in keeping with lymphangitis carcinomatosa'") when the rest of the message asks only
    what they mean; else None, and the classifier decides."""
    low = normalise(text)
    quotes = [m.group(1) for m in _QUOTED.finditer(low)]
    rest = _QUOTED.sub(" ", low)
    if not quotes or _REPORT_ASKS_MORE.search(rest) or not (
            _REPORT_MEANS.search(rest) or not _REPORT_QUESTION.search(rest)):
        return None
    quoted = " ".join(quotes)
    for at, (topic, words) in enumerate(REPORT_WORDS):
        if at == REPORT_GROUPS_BEFORE_TERMS:
            named = terms_in(quoted)
            if named:
                return term_topic(named[0]), named[0]
        if words.search(quoted):
            return topic, None
    return None


#: Library-style question frames (data/vocabulary.yml): topic -> openings that ask for it.
QUESTION_FRAMES: Dict[str, List[str]] = _WORDS["question_frames"]
_FRAMES: List[Tuple[str, "re.Pattern[str]"]] = [
    (topic, re.compile(r"^\W*(?:" + pattern + ")"))
    for topic, patterns in QUESTION_FRAMES.items() for pattern in patterns]


def frame_topic(text: str) -> Optional[str]:
    """The topic a library-style question's opening asks for ("Who is at risk for X?" ->
    risk_factors), else None."""
    low = normalise(text)
    return next((topic for topic, frame in _FRAMES if frame.search(low)), None)
