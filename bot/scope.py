"""What lies outside metastasis education, read from the words of a turn: spread named or
denied, a first cancer's cause, finding or early treatment, another illness, a choice in
one's own care.

Why a module of its own: the classifier reads "how to diagnose ovarian cancer" or "is
shingles contagious?" after a story about chemo as a topic it knows; these readings of
the words say the question is about a first cancer or another illness, and bot/dialogue.py
then gives the scoped reply instead of a metastasis answer dressed up as the answer.
"""

from __future__ import annotations

import re
from typing import Optional, Sequence

from bot.context import Turn
from bot.nlp import entities
from bot.nlp.sentences import last_question
from bot.vocabulary import (
    AFTER_EFFECTS_TOPICS,
    EARLY_CANCER_TOPICS,
    FIRST_CANCER_TOPICS,
    FIRST_SIGNS_TOPICS,
    SPREAD_ONLY_FRAMES,
    TREATMENT_AFTER_EFFECTS,
    frame_topic,
    names_other_illness,
    normalise,
    other_illness_spreads,
    phrase_regex,
    terms_in,
)

#: Words that ask about spread itself ("is the lump near my scar the cancer spreading?")...
_SPREAD_VERBS = (r"spread\w*|spred\w*|gone to|moved to|travel\w*|come back|came back|"
                 r"coming back|recur\w*|relapse\w*|return\w*|elsewhere|somewhere else")
_SPREAD_ASKED = re.compile(rf"\b({_SPREAD_VERBS})\b")
#: ...but not where a spread verb only says which cancer it is ("FOLFOX for bowel cancer
#: that's spread to my liver"): a relative clause after the cancer's name.
_SPREAD_DESCRIBED = re.compile(
    rf"\b(cancer|tumou?r|disease)\s+(that|which)(\s+has|\s+had|\s+is|\s*'?s)?\s+({_SPREAD_VERBS})")
#: ...and, with the words that only say which cancer it is ("chemo for my secondary breast
#: cancer"), the words that make a question about spread or advanced cancer at all.
_SPREAD_WORDS = re.compile(
    rf"\b({_SPREAD_VERBS}|metasta\w*|mets|secondar\w*|advanced|stage (?:4|iv|four)|"
    r"other parts?|another part|rest of the body|other organs?|terminal|incurable)\b")
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
    return bool(_SPREAD_WORDS.search(_SPREAD_DENIED.sub(" ", normalise(text))))


_AFTER_EFFECTS = phrase_regex(TREATMENT_AFTER_EFFECTS)


#: "What are the early signs of ovarian cancer", "What are the symptoms of breast cancer?",
#: "is a mammogram painful": finding a first cancer, not its spread.
_EARLY_SIGNS = re.compile(r"\b(early|first) (signs?|symptoms?)\b"
                          r"|^\W*(?:what are )?(?:the )?(?:signs?|symptoms?)(?: and symptoms)? of\b")
_SCREENING = re.compile(r"\b(screening|mammograms?|smear tests?|colonoscopy|"
                        r"full[- ]body (?:mri|scan|ct|pet)s?)\b")
#: "How to diagnose ovarian cancer?": finding a first cancer when it names no spread.
_DIAGNOSING = re.compile(r"\bhow (?:to|do (?:you|they|doctors)|is|are|can (?:you|they)|would (?:you|they)) "
                         r"(?:\w+ ){0,4}?(?:diagnos\w*|detect\w*|test(?:ed)? for)\b")


#: "How do I know if a mole is cancer": whether a lump or mole is a (first) cancer, in a
#: message that names cancer nowhere else (so no cancer the person has had).
_IS_IT_CANCER = re.compile(
    r"\b(?:how (?:do|can|would|will|could) (?:i|you|we|they|u) (?:know|tell)|is it|could it be|"
    r"signs?) (?:if |whether |that )?(?:(?:a|my|this|the|her|his|our|your) )?"
    r"(?:moles?|lumps?|spots?|freckles?|bumps?|growths?|lesions?|cysts?) "
    r"(?:is |are |might be |could be )?(?:cancer|cancerous|malignant)\b")


def asks_about_finding_a_first_cancer(text: str, names_a_cancer: bool) -> bool:
    """True for the early signs or the diagnosis of a named first cancer, or for screening,
    or whether a mole or lump is cancer at all, with nothing about spread ("what are the
    warning signs to call about" stays a question about spread)."""
    low = normalise(text)
    asks = _SCREENING.search(low) or (names_a_cancer and (
        _EARLY_SIGNS.search(low) or _DIAGNOSING.search(low))) or (
        not names_a_cancer and _IS_IT_CANCER.search(low) and len(re.findall(r"\bcancer", low)) == 1)
    return bool(asks) and not names_spread(low)


#: "Should I stop tamoxifen because of the side effects": a decision about one's own
#: treatment, which the personal-advice reply answers, whatever it is about.
_DECISION = re.compile(
    r"\bshould (i|we|he|she|they|my \w+) (stop|start|keep|take|have|skip|change|switch|"
    r"refuse|continue|carry on|come off|go)\b")


#: "Early prostate cancer", "stage 2 bowel cancer", "localised kidney cancer": a first
#: cancer said to be at an early stage.
_EARLY_CANCER = re.compile(
    r"\b(?:early|early[- ]stage|locali[sz]ed|stage (?:0|1|2|i|ii|one|two)|non[- ]?metastatic|"
    r"non[- ]?muscle[- ]invasive|superficial|in situ)"
    r"\s+(?:\w+\s+){0,2}(?:cancer|carcinoma|tumou?r)s?\b")


def asks_about_an_early_first_cancer(text: str) -> bool:
    """True for a question about a first cancer said to be early, with nothing about spread
    ("what are the treatments for early prostate cancer?")."""
    low = normalise(text)
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
    return bool(_CHOICE.search(normalise(text)))


#: "Side effects" in general: about the treatment of spread, the treatment answer covers them.
_SIDE_EFFECTS_IN_GENERAL = re.compile(r"\bside[- ]effects?\b")


def asks_about_after_effects(text: str) -> bool:
    """True for an after-effect of treatment ("will I lose my hair on chemo for my secondary
    breast cancer", "my mastectomy scar is still tight"), when the question does not ask
    about spread itself and asks for no decision. Side effects in general count only with
    nothing about spread ("side effects of treatment for metastatic breast cancer" is a
    question about that treatment)."""
    low = normalise(text)
    named = [m.group(0) for m in _AFTER_EFFECTS.finditer(low)]
    if not named or _DECISION.search(low):
        return False
    if all(_SIDE_EFFECTS_IN_GENERAL.fullmatch(word) for word in named):
        return not names_spread(low)
    return not _SPREAD_ASKED.search(_SPREAD_DESCRIBED.sub(" ", _SPREAD_DENIED.sub(" ", low)))


def frames_a_first_cancer(text: str) -> bool:
    """True for a library question whose frame, about a first cancer, asks what lies outside
    metastasis ("How to prevent cervical cancer?", "Who is at risk for pancreatic cancer?"),
    with nothing about spread."""
    return frame_topic(text) in SPREAD_ONLY_FRAMES and not names_spread(text)


def asks_cause_of_a_first_cancer(text: str) -> bool:
    """True for "what causes cervical cancer": a first cancer's cause, nothing about spread."""
    low = normalise(text)
    return bool(_CAUSE_OF_CANCER.search(low)) and not names_spread(low)


_CANCER_WORD = re.compile(r"\b(cancers?|tumou?rs?|mets|metasta\w*|secondar\w*)\b")


def about_another_illness(turn: Turn) -> bool:
    """The message names another illness and no cancer, place or medical word of spread
    ("treatment for diabetes"), or its question does ("she finished chemo for breast cancer
    and now has shingles. Is shingles contagious?"). Spread named with it is cancer's ("does
    obesity make cancer spread"), unless the illness is what spreads ("can gout spread")."""
    question = last_question(turn.text)
    if other_illness_spreads(question):
        return True  # "Can endometriosis spread to other organs like cancer does?"
    cancer_spreads = names_spread(turn.text) and bool(_CANCER_WORD.search(normalise(turn.text)))
    if names_other_illness(turn.text) and not (turn.sites or turn.cancer_types or turn.terms
                                               or cancer_spreads):
        return True
    return (question != turn.text and names_other_illness(question) and not entities.read(question)
            and not names_spread(question) and not terms_in(question))


#: The classifier found no topic, or called the message out of scope: a reading of the
#: words ("a first cancer's cause", "which one should he pick") then stands.
NO_TOPIC = (None, "nlu_fallback", "out_of_scope")


def about_a_first_cancer(turn: Turn, intent: Optional[str]) -> bool:
    """A question about a first cancer, not its spread: its cause ("what causes cervical
    cancer"), the after-effects of treatment (of any cancer: "will I lose my hair on chemo"), an early
    stage ("treatments for early prostate cancer") or finding it ("early signs of ovarian
    cancer", "how to diagnose ovarian cancer"). Only against the topics each is mistaken for."""
    named = bool(turn.cancer_types)

    def fits(topics: Sequence[Optional[str]]) -> bool:
        return intent in topics or intent in NO_TOPIC

    if fits(AFTER_EFFECTS_TOPICS) and asks_about_after_effects(turn.text):
        return True  # whatever cancer or place is treated: "chemo for bone mets, hair loss?"
    if turn.sites:
        return False
    return bool(
        (fits(FIRST_CANCER_TOPICS) and named and (asks_cause_of_a_first_cancer(turn.text)
                                                   or frames_a_first_cancer(turn.text)))
        or (fits(EARLY_CANCER_TOPICS) and named and asks_about_an_early_first_cancer(turn.text))
        or (fits(FIRST_SIGNS_TOPICS) and asks_about_finding_a_first_cancer(turn.text, named)))
