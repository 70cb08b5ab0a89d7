"""Every branch of `bot.dialogue.route`, without Rasa: real content in a real SQLite file,
real safety rules, turns built the way the action builds them.

These are the fast loop's core: a change to routing fails here in a second, long before
the end-to-end suite trains a model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

import pytest

from bot.content.db import make_engine
from bot.content.loader import load_content
from bot.content.lookup import AnswerIndex
from bot.context import Turn, turn_from_message
from bot.dialogue import DEFAULT_CHOICES, PLACE_ONLY_CHOICES, route
from bot.messages import ENGLISH_ONLY
from bot.paths import CONTENT_DIR
from bot.replies import render


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> AnswerIndex:
    path: Path = tmp_path_factory.mktemp("content") / "content.db"
    engine = make_engine(f"sqlite:///{path}")
    load_content(engine, CONTENT_DIR)
    return AnswerIndex(engine)


def turn(text: str, intent: Optional[str] = None, confidence: float = 0.9,
         sites: Sequence[str] = (), cancer_types: Sequence[str] = (),
         ranking: Tuple[Tuple[str, float], ...] = (),
         previous: Optional[Dict[str, Optional[str]]] = None,
         notes: Sequence[str] = ()) -> Turn:
    return Turn(raw_text=text, text=text, intent=intent, confidence=confidence,
                ranking=ranking or ((intent, confidence),) if intent else ranking,
                sites=tuple(sites), cancer_types=tuple(cancer_types),
                previous=previous or {}, notes=tuple(notes))


def topics_offered(reply) -> list:
    return [b.payload.lstrip("/").split("{")[0] for b in reply.buttons]


def test_a_red_flag_wins_over_any_intent(index: AnswerIndex) -> None:
    reply = route(turn("my legs went numb this morning and I can't walk", "treatment",
                       0.99), index)
    assert (reply.topic, reply.urgency, reply.answer_id) == ("emergency", "emergency",
                                                             "emergency")
    assert "spinal cord" in render(reply)


def test_self_harm_gets_the_crisis_reply_without_buttons(index: AnswerIndex) -> None:
    reply = route(turn("i want to end my life", "greet", 0.9), index)
    assert (reply.topic, reply.urgency, reply.buttons) == ("crisis", "crisis", ())


def test_the_classifier_alone_can_raise_an_emergency(index: AnswerIndex) -> None:
    reply = route(turn("something is really wrong with him please help", "emergency", 0.95),
                  index)
    assert reply.topic == "emergency"


def test_a_question_about_a_symptom_is_education(index: AnswerIndex) -> None:
    reply = route(turn("what causes spinal cord compression?", "emergency", 0.95), index)
    assert reply.topic == "symptoms" and reply.urgency is None


@pytest.mark.parametrize("text", ["???", "  ", "🙂🙂", "...!"])
def test_no_words_gets_a_clarifying_question(index: AnswerIndex, text: str) -> None:
    reply = route(turn(text), index)
    assert reply.topic == "clarify" and topics_offered(reply) == list(DEFAULT_CHOICES)


def test_another_language_is_told_kindly(index: AnswerIndex) -> None:
    reply = route(turn("¿qué es la metástasis y cómo se trata?", "what_is_metastasis"), index)
    assert reply.topic == "out_of_scope" and reply.preface == ENGLISH_ONLY


def test_an_education_intent_gets_the_most_specific_answer(index: AnswerIndex) -> None:
    reply = route(turn("signs it is in the bones", "symptoms", sites=["bone"]), index)
    assert (reply.topic, reply.site, reply.answer_id) == ("symptoms", "bone", "symptoms.bone")
    assert reply.buttons, "education answers offer follow-ups"


def test_a_follow_up_reuses_the_previous_topic(index: AnswerIndex) -> None:
    reply = route(turn("and the liver?", "follow_up", sites=["liver"],
                       previous={"topic": "treatment"}), index)
    assert (reply.topic, reply.site) == ("treatment", "liver")


def test_a_short_follow_up_that_names_a_topic_moves_to_it(index: AnswerIndex) -> None:
    """ "and the treatment?" after a diagnosis answer read as follow_up 0.64, treatment 0.33."""
    context = {"topic": "diagnosis", "site": "brain", "cancer_type": "lung"}
    reply = route(turn("and the treatment?", "follow_up", confidence=0.64, previous=context,
                       ranking=(("follow_up", 0.64), ("treatment", 0.33))), index)
    assert (reply.topic, reply.site, reply.cancer_type) == ("treatment", "brain", "lung")
    reply = route(turn("and the liver?", "follow_up", confidence=0.6, sites=["liver"],
                       previous={"topic": "treatment"},
                       ranking=(("follow_up", 0.6), ("symptoms", 0.35))), index)
    assert (reply.topic, reply.site) == ("treatment", "liver")


def test_a_follow_up_with_nothing_named_asks(index: AnswerIndex) -> None:
    reply = route(turn("and?", "follow_up", ranking=(("follow_up", 0.6), ("symptoms", 0.2))),
                  index)
    assert reply.topic == "clarify" and "symptoms" in topics_offered(reply)


def test_a_follow_up_naming_nothing_new_stays_on_the_answered_topic(index: AnswerIndex) -> None:
    """ "what about diet?" right after a prevention answer: the topic that was answered."""
    context = {"topic": "prevention", "site": None, "cancer_type": "breast"}
    reply = route(turn("what about diet", "follow_up", previous=context), index)
    assert (reply.topic, reply.cancer_type) == ("prevention", "breast")


def test_a_bare_why_after_an_answer_asks_which_part(index: AnswerIndex) -> None:
    reply = route(turn("and why is that?", "follow_up", previous={"topic": "treatment"}), index)
    assert reply.topic == "clarify"


def test_a_follow_up_naming_nothing_after_a_question_asks(index: AnswerIndex) -> None:
    reply = route(turn("what about diet", "follow_up", previous={"topic": "clarify"}), index)
    assert reply.topic == "clarify"


def test_a_follow_up_after_small_talk_offers_topics_for_the_place(index: AnswerIndex) -> None:
    reply = route(turn("bones?", "follow_up", sites=["bone"], previous={"topic": None}), index)
    assert reply.topic == "clarify" and topics_offered(reply) == list(PLACE_ONLY_CHOICES)
    assert all('"site": "bone"' in b.payload for b in reply.buttons)


def test_personal_advice_keeps_the_place_out_of_scope_drops_it(index: AnswerIndex) -> None:
    """Personal advice keeps the conversation's place; out of scope keeps only what the
    message itself named, never the context."""
    context = {"topic": "treatment", "site": "liver", "cancer_type": "breast"}
    advice = route(turn("should i stop it", "personal_advice", previous=context), index)
    other = route(turn("what's a good pizza place", "out_of_scope", previous=context), index)
    assert (advice.topic, advice.site) == ("personal_advice", "liver")
    assert (other.topic, other.site, other.cancer_type) == ("out_of_scope", None, None)


def test_small_talk_answers_nothing_but_keeps_context(index: AnswerIndex) -> None:
    reply = route(turn("thanks so much", "thanks", previous={"topic": "treatment",
                                                          "site": "bone"}), index)
    assert (reply.topic, reply.answer_id, reply.site) == (None, None, "bone")


def test_low_confidence_asks_with_the_classifiers_guesses(index: AnswerIndex) -> None:
    ranking = (("nlu_fallback", 0.5), ("prognosis", 0.2), ("treatment", 0.15),
               ("greet", 0.1))
    reply = route(turn("hmm not sure", "nlu_fallback", 0.5, ranking=ranking), index)
    assert reply.topic == "clarify" and topics_offered(reply)[:2] == ["prognosis", "treatment"]
    assert 2 <= len(reply.buttons) <= 4


def test_every_reply_renders_with_the_notice_last(index: AnswerIndex) -> None:
    notice = ("This information is educational only and is not medical advice. "
              "Please talk with your care team about your own situation.")
    for text, intent in (("hi", "greet"), ("what is metastasis", "what_is_metastasis"),
                         ("chest pain right now", None), ("???", None)):
        assert render(route(turn(text, intent), index)).endswith(notice)


def test_skin_cancer_gets_its_note_before_an_answer_or_a_question(index: AnswerIndex) -> None:
    note = index.by_id("cancer_note.skin_cancer")
    assert note is not None
    answered = route(turn("where does skin cancer spread", "common_sites",
                          cancer_types=["other"], notes=["skin_cancer"]), index)
    asked = route(turn("skin cancer?", "nlu_fallback", 0.3, cancer_types=["other"],
                       notes=["skin_cancer"]), index)
    for reply in (answered, asked):
        assert reply.preface == note.text and reply.cancer_type == "other"
    assert answered.topic == "common_sites" and asked.topic == "clarify"


def test_a_weak_small_talk_guess_asks_instead_of_saying_goodbye(index: AnswerIndex) -> None:
    ranking = (("goodbye", 0.4), ("out_of_scope", 0.27), ("symptoms", 0.1))
    reply = route(turn("hes gone a bit yellow", "goodbye", 0.4, ranking=ranking), index)
    assert reply.topic == "clarify"
    sure = route(turn("bye for now", "goodbye", 0.95), index)
    assert sure.topic is None and sure.answer_id is None


@pytest.mark.parametrize("text, misread, cancer_types, sites, expected", [
    ("Is metastatic kidney cancer hereditary?", "what_is_metastasis", ["kidney"], [], "risk_factors"),
    ("Who is at risk for secondary bone cancer?", "treatment", [], ["bone"], "risk_factors"),
    ("What is the outlook for stage 4 ovarian cancer?", "staging", ["ovarian"], [], "prognosis"),
    ("How are adrenal metastases diagnosed?", "what_is_metastasis", [], ["adrenal"], "diagnosis"),
])
def test_a_library_frame_says_what_is_asked(index: AnswerIndex, text: str, misread: str,
                                            cancer_types: list, sites: list, expected: str) -> None:
    reply = route(turn(text, misread, 0.55, sites=sites, cancer_types=cancer_types), index)
    assert reply.topic == expected


@pytest.mark.parametrize("text, intent, cancer_types", [
    ("how to prevent breast cancer", "out_of_scope", ["breast"]),   # a first cancer: not spread
    ("Who is at risk for diabetes?", "out_of_scope", []),           # names no cancer at all
    ("what are the symptoms of it", "symptoms", []),                # the classifier agrees
])
def test_a_library_frame_leaves_other_questions_alone(index: AnswerIndex, text: str, intent: str,
                                                      cancer_types: list) -> None:
    assert route(turn(text, intent, cancer_types=cancer_types), index).topic == intent


def test_a_frame_never_overrides_personal_advice(index: AnswerIndex) -> None:
    reply = route(turn("What is the outlook for my dads liver mets?", "personal_advice",
                       sites=["liver"]), index)
    assert reply.topic == "personal_advice"


def test_in_a_conversation_a_topic_level_with_small_talk_wins(index: AnswerIndex) -> None:
    context = {"topic": "symptoms", "site": "liver", "cancer_type": None}
    ranking = (("nlu_fallback", 0.3), ("diagnosis", 0.33), ("greet", 0.33), ("treatment", 0.1))
    reply = route(turn("how do they look", "nlu_fallback", 0.3, ranking=ranking,
                       previous=context), index)
    assert (reply.topic, reply.site) == ("diagnosis", "liver")


def test_a_first_message_level_with_small_talk_still_asks(index: AnswerIndex) -> None:
    ranking = (("nlu_fallback", 0.3), ("diagnosis", 0.33), ("greet", 0.33), ("treatment", 0.1))
    reply = route(turn("how do they look", "nlu_fallback", 0.3, ranking=ranking), index)
    assert reply.topic == "clarify"


def test_two_topics_level_in_a_conversation_still_ask(index: AnswerIndex) -> None:
    context = {"topic": "symptoms", "site": "liver", "cancer_type": None}
    ranking = (("nlu_fallback", 0.3), ("diagnosis", 0.32), ("treatment", 0.31), ("greet", 0.3))
    reply = route(turn("what then", "nlu_fallback", 0.3, ranking=ranking, previous=context),
                  index)
    assert reply.topic == "clarify"


def test_a_clear_out_of_scope_question_stays_out_of_scope_mid_conversation(
        index: AnswerIndex) -> None:
    context = {"topic": "treatment", "site": "liver", "cancer_type": "breast"}
    ranking = (("out_of_scope", 0.7), ("treatment", 0.2))
    reply = route(turn("what time is it", "out_of_scope", 0.7, ranking=ranking,
                       previous=context), index)
    assert reply.topic == "out_of_scope"



def test_the_early_signs_of_a_first_cancer_are_out_of_scope(index: AnswerIndex) -> None:
    """ "What are the early signs of ovarian cancer" is about finding a first cancer; the
    signs of spread, or warning signs to call about, stay education."""
    reply = route(turn("what are the early signs of ovarian cancer", "symptoms",
                       cancer_types=["ovarian"]), index)
    assert reply.topic == "out_of_scope"
    reply = route(turn("is a mammogram painful? I'm due my first one", "personal_advice"), index)
    assert reply.topic == "out_of_scope"
    reply = route(turn("what are the early signs that breast cancer has spread", "symptoms",
                       cancer_types=["breast"]), index)
    assert reply.topic == "symptoms"
    reply = route(turn("what are the warning signs i should call about", "when_to_see_doctor"),
                  index)
    assert reply.topic == "when_to_see_doctor"


@pytest.mark.parametrize("text,intent,expected", [
    ("starting chemo for early breast cancer next week, will i lose all my hair",
     "when_to_see_doctor", "out_of_scope"),
    ("my mastectomy scar is still tight and numb, is that normal", "personal_advice", "out_of_scope"),
    ("what are the side effects of treatment for metastatic breast cancer", "treatment", "treatment"),
    ("should i stop taking tamoxifen because of the side effects", "personal_advice",
     "personal_advice"),
    ("having radiotherapy for early breast cancer and my mouth is so sore, what helps",
     "out_of_scope", "out_of_scope"),
    ("will i lose my hair on the chemo for my secondary breast cancer?", "personal_advice",
     "out_of_scope"),
    ("could the lumps near my mastectomy scar be the breast cancer spreading to the skin?",
     "symptoms", "symptoms"),
    ("does chemo make your hair fall out? i start next week for breast cancer that's spread to "
     "my liver", "treatment", "out_of_scope"),
    ("will my hair fall out and has the breast cancer spread?", "treatment", "treatment"),
])
def test_the_after_effects_of_treating_a_first_cancer_are_out_of_scope(
        index: AnswerIndex, text: str, intent: str, expected: str) -> None:
    """Hair loss or a scar after treating a first cancer is not about spread; side effects
    of treating spread, and a decision about one's own treatment, are not out of scope.
    Built as Rasa's parse would be, so the medical words in it ("radiotherapy") count."""
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9},
               "entities": [{"entity": "cancer_type", "value": "breast"}]}
    assert route(turn_from_message(message, {}), index).topic == expected


def test_another_illness_asked_about_personally_is_out_of_scope(index: AnswerIndex) -> None:
    reply = route(turn("my type 2 diabetes is getting worse, will the tingling spread up my legs",
                       "personal_advice"), index)
    assert reply.topic == "out_of_scope"


def test_several_places_needs_more_than_one_place(index: AnswerIndex) -> None:
    """"Spots on my lungs" is one place: the next guess answers, not "spread to several"."""
    ranking = (("multiple_sites", 0.44), ("personal_advice", 0.26), ("treatment", 0.09))
    one = route(turn("i have bowel cancer and the scan shows spots on my lungs", "multiple_sites",
                     0.44, sites=("lung",), cancer_types=("colorectal",), ranking=ranking), index)
    assert one.topic == "personal_advice"
    several = route(turn("bowel cancer with spots on my lungs and liver, what does that mean",
                         "multiple_sites", 0.44, sites=("lung", "liver"),
                         cancer_types=("colorectal",), ranking=ranking), index)
    assert several.topic == "multiple_sites"
    everywhere = route(turn("my scan says it is all over", "multiple_sites", 0.44,
                            ranking=ranking), index)
    assert everywhere.topic == "multiple_sites"


@pytest.mark.parametrize("text,intent,cancer_types,sites,expected", [
    # A first cancer said to be early: not about spread, whatever the classifier guessed.
    ("how is localised kidney cancer treated", "out_of_scope", ["kidney"], [], "out_of_scope"),
    ("treatment options for stage 2 bowel cancer", "treatment", ["colorectal"], [], "out_of_scope"),
    ("treatment for early breast cancer that has spread to the liver", "treatment", ["breast"],
     ["liver"], "treatment"),
    # Inherited: the cause of a first cancer.
    ("does ovarian cancer run in families", "risk_factors", ["ovarian"], [], "out_of_scope"),
    ("is secondary breast cancer hereditary", "risk_factors", ["breast"], [], "risk_factors"),
    # Insurance and a particular doctor are outside, even when a scan is named.
    ("my insurer won't pay for the bone scan for my dad's prostate cancer mets", "out_of_scope",
     ["prostate"], [], "out_of_scope"),
    ("who is the best oncologist for liver mets in leeds", "treatment", [], ["liver"],
     "out_of_scope"),
    # Another illness is what the question asks about, after a story about cancer.
    ("mum had chemo for bowel cancer last year. can gout be passed on to the kids?", "contagious",
     ["colorectal"], [], "out_of_scope"),
    ("dad has diabetes and bowel cancer. has it spread to his liver if his sugars are high?",
     "symptoms", ["colorectal"], ["liver"], "symptoms"),
    # Which option to take is a decision for the care team.
    ("she has been offered a trial or more chemo for her lung mets, which one should she choose?",
     "research", [], ["lung"], "personal_advice"),
    ("what trials are there for melanoma that has spread to the brain", "research", ["melanoma"],
     ["brain"], "research"),
    ("our family is split on whether he should have more radiotherapy for his bone mets. what "
     "would you recommend we do?", "out_of_scope", [], ["bone"], "personal_advice"),
    # A first cancer when the classifier is unsure or says out of scope: the words decide.
    ("how do doctors diagnose bladder cancer", "out_of_scope", ["bladder"], [], "out_of_scope"),
    ("what causes thyroid cancer", "nlu_fallback", ["thyroid"], [], "out_of_scope"),
    ("how do doctors find out if bladder cancer has spread", "diagnosis", ["bladder"], [],
     "diagnosis"),
    ("seed and soil theory", "nlu_fallback", [], [], "microenvironment"),
    ("what is the metastatic cascade", "staging", [], [], "steps_of_metastasis"),
    ("What are the stages of the metastatic process?", "staging", [], [], "steps_of_metastasis"),
    ("What are the signs of kidney cancer?", "symptoms", ["kidney"], [], "out_of_scope"),
    ("What are the signs of kidney cancer in the lungs?", "symptoms", ["kidney"], ["lung"],
     "symptoms"),
    # A subject line that names a condition says what the e-mail is about.
    ("Subject: ascites. Mum has ovarian cancer and the doctors keep saying the word. I don't "
     "follow it all.", "diagnosis", ["ovarian"], [], "complications"),
])
def test_questions_outside_spread_or_asking_for_a_choice(
        index: AnswerIndex, text: str, intent: str, cancer_types: Sequence[str],
        sites: Sequence[str], expected: str) -> None:
    """Built as Rasa's parse would be, so the medical words in the text count."""
    entities = ([{"entity": "cancer_type", "value": c} for c in cancer_types]
                + [{"entity": "site", "value": s} for s in sites])
    message = {"text": text, "intent": {"name": intent, "confidence": 0.7}, "entities": entities}
    assert route(turn_from_message(message, {}), index).topic == expected


def test_when_to_see_a_doctor_is_its_own_frame(index: AnswerIndex) -> None:
    reply = route(turn("When should I call the care team about signs of spread?", "symptoms",
                       0.6), index)
    assert reply.topic == "when_to_see_doctor"


@pytest.mark.parametrize("text,intent,sites,expected", [
    # Words quoted from a letter or report, and the rest asks only what they mean.
    ("my bone scan report says 'several lytic lesions', what does that mean", "diagnosis",
     ["bone"], "complications"),
    ("pet scan: 'small lung nodule, metastasis cannot be excluded'", "nlu_fallback", ["lung"],
     "diagnosis"),
    ("mri says 'deposits in the liver and both adrenals'", "diagnosis", ["liver", "adrenal"],
     "multiple_sites"),
    ("the pathology letter says 'N1 disease', what does it mean", "naming", [], "lymph_nodes"),
    ("clinic letter: 'T4 N2 M1b'", "nlu_fallback", [], "staging"),
    ("the report says 'hepatic metastases'", "speed", ["liver"], "what_is_metastasis"),
    # The rest asks something else: the classifier decides.
    ("the report says 'hepatic metastases', how is that treated", "treatment", ["liver"],
     "treatment"),
    ("is 'secondary' the same as 'metastatic'?", "staging", [], "staging"),
])
def test_words_quoted_from_a_report(index: AnswerIndex, text: str, intent: str,
                                    sites: Sequence[str], expected: str) -> None:
    message = {"text": text, "intent": {"name": intent, "confidence": 0.6},
               "entities": [{"entity": "site", "value": s} for s in sites]}
    assert route(turn_from_message(message, {}), index).topic == expected


def test_a_short_search_names_its_topic_over_a_medical_word(index: AnswerIndex) -> None:
    """"oligometastatic outlook": the classifier is sure of the outlook; "what is
    oligometastatic" still gets the word's own answer."""
    def topic(text: str) -> Optional[str]:
        message = {"text": text, "intent": {"name": "prognosis", "confidence": 0.97},
                   "entities": []}
        return route(turn_from_message(message, {}), index).topic

    assert topic("oligometastatic bowel cancer survival") == "prognosis"
    assert topic("what is oligometastatic disease") == "what_is_metastasis"


@pytest.mark.parametrize("text,intent,cancer,expected", [
    ("How to prevent Cervical Cancer ?", "prevention", "other", "out_of_scope"),
    ("Who is at risk for Pancreatic Cancer ?", "risk_factors", "pancreatic", "out_of_scope"),
    ("How to prevent metastatic breast cancer ?", "prevention", "breast", "prevention"),
    ("can i get my prescription renewed through this chat?", "personal_advice", None,
     "out_of_scope"),
    ("who do i speak to about a duplicate invoice for mum's pet scan", "diagnosis", None,
     "out_of_scope"),
    ("how do i rebook my scan appointment for next week", "when_to_see_doctor", None,
     "out_of_scope"),
    ("is there parking at the cancer centre? dad has radiotherapy every day", "personal_advice",
     None, "out_of_scope"),
    ("Can endometriosis spread to other organs like cancer does? I've got some on my bowel.",
     "common_sites", "colorectal", "out_of_scope"),
    ("does diabetes make bowel cancer spread faster?", "risk_factors", "colorectal",
     "risk_factors"),
    ("What are the stages of Metastasis ?", "staging", None, "steps_of_metastasis"),
    ("What causes Metastatic Recurrence ?", "how_cancer_spreads", None, "recurrence"),
])
def test_library_frames_and_the_clinics_office(index: AnswerIndex, text: str, intent: str,
                                               cancer: Optional[str], expected: str) -> None:
    """A library frame about a first cancer, and the clinic's office, get the scoped reply;
    a frame about spread says which part of it is asked."""
    entities = [{"entity": "cancer_type", "value": cancer}] if cancer else []
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities}
    assert route(turn_from_message(message, {}), index).topic == expected


def test_a_condition_framed_by_outlook_or_treatment(index: AnswerIndex) -> None:
    """"What is the outlook for malignant pleural effusion?" asks the outlook (the word's
    entry says what it is); "What are the treatments for leptomeningeal metastases?" is
    answered from the word's entry under treatment."""
    outlook = route(turn_from_message({"text": "What Is the Outlook for Malignant Pleural Effusion?",
                                       "intent": {"name": "prognosis", "confidence": 0.97},
                                       "entities": []}, {}), index)
    assert outlook.topic == "prognosis"
    treated = route(turn_from_message({"text": "What are the treatments for Leptomeningeal Metastases ?",
                                       "intent": {"name": "what_is_metastasis", "confidence": 0.6},
                                       "entities": []}, {}), index)
    assert treated.topic == "treatment" and "carcinomatosis" in (treated.answer_id or "")


def test_a_crisis_guess_the_safety_layer_did_not_confirm_takes_the_next_guess(
        index: AnswerIndex) -> None:
    """The classifier's "crisis" on a calm story ("I feel so guilty. Was it my smoking?")
    is not a crisis when the safety layer reads none: the next guess answers."""
    text = "my family keep hinting i brought this on myself and i feel so guilty. how do i cope?"
    reply = route(turn(text, "crisis", 0.35,
                       ranking=(("crisis", 0.35), ("support", 0.19), ("contagious", 0.16))), index)
    assert reply.topic == "support"



def test_a_long_question_read_as_small_talk_takes_the_next_guess(index: AnswerIndex) -> None:
    """A letter that ends "With thanks" is a question, not thanks: the next guess answers if
    it is likely enough, else the assistant asks. A short "thanks" stays small talk."""
    text = ("Dear Sir, I would like to ask whether secondary liver cancer can ever be cured. "
            "With thanks, Jo")
    ranking = (("thanks", 0.8), ("prognosis", 0.15), ("out_of_scope", 0.05))
    assert route(turn(text, "thanks", 0.8, ranking=ranking), index).topic == "clarify"
    ranking = (("thanks", 0.6), ("prognosis", 0.35), ("out_of_scope", 0.05))
    assert route(turn(text, "thanks", 0.6, ranking=ranking), index).topic == "prognosis"
    assert route(turn("thanks so much", "thanks", 0.9), index).topic is None
