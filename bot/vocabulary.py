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
#: Questions about a blood cancer that are answered like any other (not about spread).
BLOOD_ANSWERED = ("support", "contagious", "when_to_see_doctor")
#: A condition's entry also answers a question about its signs or its treatment...
CONDITION_QUESTIONS = ("symptoms", "treatment")
#: ...and replaces these readings of "what is it / why does it happen".
DEFINING_TOPICS = ("what_is_metastasis", "how_cancer_spreads", "complications", "early_spread",
                   "recurrence", "invasion_vs_metastasis", "steps_of_metastasis")
#: Topics a question about the cause of a first cancer is mistaken for.
FIRST_CANCER_TOPICS = ("how_cancer_spreads", "risk_factors", "prevention", "out_of_scope")
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


def _norm(word: str) -> str:
    return _SPACE.sub(" ", word.strip().lower())


def _index(table: Dict[str, List[str]]) -> Dict[str, str]:
    index: Dict[str, str] = {}
    for key, words in table.items():
        index[_norm(key)] = key
        index[_norm(key.replace("_", " "))] = key
        for word in words:
            index[_norm(word)] = key
    return index


_SITE_INDEX = _index(SITES)
_TYPE_INDEX = _index(CANCER_TYPES)


def site_key(text: Optional[str]) -> Optional[str]:
    """Map a matched phrase ("bones", "spine") or a key to its site key, else None."""
    return _SITE_INDEX.get(_norm(text)) if text else None


_NOTE_INDEX = _index(CANCER_NOTES)
_NOTE_PHRASES = re.compile(
    r"\b(" + "|".join(re.escape(p) for p in sorted(_NOTE_INDEX, key=len, reverse=True)) + r")\b")


def cancer_note_key(text: Optional[str]) -> Optional[str]:
    """The note group of a matched cancer name ("skin cancer" -> skin_cancer), else None."""
    return _NOTE_INDEX.get(_norm(text)) if text else None


def cancer_notes_in(text: str) -> List[str]:
    """Note groups named anywhere in `text`, in order ("can skin cancer spread" -> skin_cancer).

    Read from the text, not the entities: Rasa's synonym mapper has already turned
    "skin cancer" into `other` by the time the action sees it."""
    found = (_NOTE_INDEX[m.group(1)] for m in _NOTE_PHRASES.finditer(_norm(text)))
    return list(dict.fromkeys(found))


def cancer_type_key(text: Optional[str]) -> Optional[str]:
    """Map a matched phrase ("bowel cancer") or a key to its cancer-type key, else None."""
    return _TYPE_INDEX.get(_norm(text)) if text else None


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

_TERM_INDEX: Dict[str, str] = {_norm(w): key for key, (_, words) in MEDICAL_TERMS.items()
                               for w in [key.replace("_", " "), *words]}


def _phrase_regex(phrases: List[str]) -> "re.Pattern[str]":
    """Whole-word, longest-first alternation; spaces and hyphens are interchangeable."""
    ordered = sorted({_norm(p) for p in phrases}, key=len, reverse=True)
    body = "|".join(re.escape(p).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]+")
                    for p in ordered)
    # An apostrophe inside a word ("don't", "mum's") joins it; a quote around a phrase
    # ("'lytic lesions'") does not.
    return re.compile(r"(?<!\w)(?<!\w')(" + body + r")(?!\w)(?!'\w)")


_TERMS = _phrase_regex(list(_TERM_INDEX))
_NON_CANCER = _phrase_regex(NON_CANCER_CONDITIONS)
_OUTSIDE = _phrase_regex(OUTSIDE_QUESTIONS)
_AFTER_EFFECTS = _phrase_regex(TREATMENT_AFTER_EFFECTS)


def terms_in(text: str) -> List[str]:
    """Medical-word keys named in `text`, in order ("what is ascites" -> ["ascites"])."""
    found = (_TERM_INDEX.get(_SPACE.sub(" ", m.group(1).replace("-", " ")))
             or _TERM_INDEX.get(m.group(1)) for m in _TERMS.finditer(_norm(text)))
    return list(dict.fromkeys(k for k in found if k))


def term_topic(term: str) -> str:
    """The topic key a medical word is answered under."""
    return MEDICAL_TERMS[term][0]


def asks_outside_questions(text: str) -> bool:
    """True when the text asks about an animal's cancer, money and insurance ("will my
    travel insurance cover me now it has spread"), or for a particular doctor ("the best
    oncologist near Columbus"): outside what the assistant answers."""
    return bool(_OUTSIDE.search(_norm(text)))


def names_other_illness(text: str) -> bool:
    """True when the text names a non-cancer illness ("treatment for diabetes")."""
    return bool(_NON_CANCER.search(_norm(text)))


#: Words that make a question about spread (or advanced cancer), not about a first cancer.
_SPREAD_WORDS = re.compile(
    r"\b(spread\w*|spred\w*|metasta\w*|mets|secondar\w*|advanced|stage (?:4|iv|four)|"
    r"gone to|moved to|travel\w*|come back|came back|coming back|recur\w*|relapse\w*|"
    r"return\w*|elsewhere|other parts?|other organs?|terminal|incurable)\b")
#: "What causes X cancer", "how do you get X cancer", "is X cancer inherited": the cause of
#: a first cancer.
_CAUSE_OF_CANCER = re.compile(
    r"\b(causes?|caused|cause of|get|gets|getting|risk of getting|chance of getting|"
    r"prevent getting|why do people get|reasons? for|inherit\w*|hereditary|genetic|"
    r"runs? in (?:the |my |our )?famil\w*|passed down)\b")


#: "Mine hasn't spread", "it was caught before it spread": spread denied, so the question is
#: about a first cancer. Only these words are set aside; "it hasn't spread yet, how likely
#: is it to spread" still speaks of spread.
_SPREAD_DENIED = re.compile(
    r"\b(?:has ?n.?t|has not|have ?n.?t|have not|did ?n.?t|did not|had not|had ?n.?t|not|never|"
    r"no sign of|no|before (?:it|they)(?: had)?|without(?: any)?)\s+(?:\w+\s+)?"
    r"(?:spread\w*|metasta\w*|mets)\b")


def names_spread(text: str) -> bool:
    """True when the text speaks of spread or advanced cancer ("metastatic", "stage 4"),
    leaving out spread that is denied ("it hasn't spread")."""
    return bool(_SPREAD_WORDS.search(_SPREAD_DENIED.sub(" ", _norm(text))))


#: Words quoted from a letter or report (data/vocabulary.yml): (topic, words) groups in order.
REPORT_WORDS: List[Tuple[str, "re.Pattern[str]"]] = [
    (group["topic"], _phrase_regex(group["words"])) for group in _WORDS["report_words"]]
#: The last group's topic: spread in a report's words (at several places: spread to several).
REPORT_SPREAD_TOPIC = REPORT_WORDS[-1][0]
#: The groups before a medical word in the quote: a finding not yet sure, a stage, nodes.
REPORT_GROUPS_BEFORE_TERMS = 3
_REPORT_MEANS = _phrase_regex(_WORDS["report_means"])
_REPORT_QUESTION = _phrase_regex(_WORDS["report_question_words"])
_REPORT_ASKS_MORE = _phrase_regex(_WORDS["report_asks_more"])
#: A quote opens after the start, a space, a colon or a bracket and closes before the end, a
#: space or punctuation, so the apostrophe of "mum's" opens nothing.
_QUOTED = re.compile(r"(?:^|(?<=[\s:(]))['\u2018\"\u201c]([^'\u2018\u2019\"\u201c\u201d]{2,160}?)"
                     r"['\u2019\"\u201d](?=$|[\s.,;:?!)])")


def report_topic(text: str) -> Optional[Tuple[str, Optional[str]]]:
    """(topic, medical word or None) for words quoted from a letter or report ("the CT says
    'in keeping with lymphangitis carcinomatosa'") when the rest of the message asks only
    what they mean; else None, and the classifier decides."""
    low = _norm(text)
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
    low = _norm(text)
    return next((topic for topic, frame in _FRAMES if frame.search(low)), None)


#: "What are the early signs of ovarian cancer", "What are the symptoms of breast cancer?",
#: "is a mammogram painful": finding a first cancer, not its spread.
_EARLY_SIGNS = re.compile(r"\b(early|first) (signs?|symptoms?)\b"
                          r"|^\W*(?:what are )?(?:the )?(?:signs?|symptoms?)(?: and symptoms)? of\b")
_SCREENING = re.compile(r"\b(screening|mammograms?|smear tests?|colonoscopy)\b")
#: "How to diagnose ovarian cancer?": finding a first cancer when it names no spread.
_DIAGNOSING = re.compile(r"\bhow (?:to|do (?:you|they|doctors)|is|are|can (?:you|they)|would (?:you|they)) "
                         r"(?:\w+ ){0,4}?(?:diagnos\w*|detect\w*|test(?:ed)? for)\b")


def asks_about_finding_a_first_cancer(text: str, names_a_cancer: bool) -> bool:
    """True for the early signs or the diagnosis of a named first cancer, or for screening,
    with nothing about spread ("what are the warning signs to call about" stays a question about spread)."""
    low = _norm(text)
    asks = _SCREENING.search(low) or (names_a_cancer and (
        _EARLY_SIGNS.search(low) or _DIAGNOSING.search(low)))
    return bool(asks) and not names_spread(low)


#: "Should I stop tamoxifen because of the side effects": a decision about one's own
#: treatment, which the personal-advice reply answers, whatever it is about.
_DECISION = re.compile(
    r"\bshould (i|we|he|she|they|my \w+) (stop|start|keep|take|have|skip|change|switch|"
    r"refuse|continue|carry on|come off|go)\b")


#: "Early prostate cancer", "stage 2 bowel cancer", "localised kidney cancer": a first
#: cancer said to be at an early stage.
_EARLY_CANCER = re.compile(
    r"\b(?:early|early[- ]stage|locali[sz]ed|stage (?:0|1|2|i|ii|one|two)|non[- ]?metastatic)"
    r"\s+(?:\w+\s+){0,2}(?:cancer|carcinoma|tumou?r)s?\b")


def asks_about_an_early_first_cancer(text: str) -> bool:
    """True for a question about a first cancer said to be early, with nothing about spread
    ("what are the treatments for early prostate cancer?")."""
    low = _norm(text)
    return bool(_EARLY_CANCER.search(low)) and not names_spread(low)


#: "Which one should he pick?", "should she join the trial?", "what would you recommend we
#: decide for her?": a choice for one's own care, which only the care team can help make.
_CHOICE = re.compile(
    r"\bwhich (?:one |option |treatment |trial |drug |way )?should (?:i|we|he|she|they|my \w+) "
    r"(?:pick|choose|go for|take|have|do|opt for)\b"
    r"|\bwhat would you (?:recommend|advise|suggest) (?:we|i|they|he|she)\b"
    r"|\bwhat (?:should|do) (?:we|i) (?:decide|choose)\b"
    r"|\bshould (?:i|we|he|she|they|my \w+) (?:pick|choose|go for|opt for|join|enter|do|accept|"
    r"sign up for|take part in) (?:the|a|this|that) (?:clinical )?(?:trial|study|option)\b")


def asks_for_a_choice(text: str) -> bool:
    """True when the question asks which option to take in one's own care."""
    return bool(_CHOICE.search(_norm(text)))


def asks_about_after_effects_of_a_first_cancer(text: str) -> bool:
    """True for the side effects or after-effects of treating a first cancer ("will I lose
    my hair", "my mastectomy scar is still tight"), with nothing about spread and no
    decision asked for."""
    low = _norm(text)
    return (bool(_AFTER_EFFECTS.search(low)) and not names_spread(low)
            and not _DECISION.search(low))


def asks_cause_of_a_first_cancer(text: str) -> bool:
    """True for "what causes cervical cancer": a first cancer's cause, nothing about spread."""
    low = _norm(text)
    return bool(_CAUSE_OF_CANCER.search(low)) and not names_spread(low)
