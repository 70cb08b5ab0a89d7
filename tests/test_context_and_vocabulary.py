"""Context resolution, vocabulary mapping and the spaCy pipeline built from it."""

from __future__ import annotations

import pytest
import spacy

from bot.context import turn_from_message
from bot.nlp.pipeline import build
from bot.notice import with_notice
from bot.payloads import payload
from bot.text import MAX_MESSAGE_CHARS, clean_message
from bot.vocabulary import cancer_type_key, site_key
from tests.contract import NOTICE


@pytest.mark.parametrize("word,key", [("bones", "bone"), ("Spine", "bone"), ("skeleton", "bone"),
                                      ("lungs", "lung"), ("chest", "lung"), ("glands", "lymph_nodes"),
                                      ("nodes", "lymph_nodes"), ("belly lining", "peritoneum"),
                                      ("lipnodes", "lymph_nodes"), ("lymph_nodes", "lymph_nodes")])
def test_site_synonyms(word: str, key: str) -> None:
    assert site_key(word) == key


@pytest.mark.parametrize("word,key", [("bowel", "colorectal"), ("colon cancer", "colorectal"),
                                      ("Rectal", "colorectal"), ("skin cancer", "other"),
                                      ("melanoma skin cancer", "melanoma"),
                                      ("womb", "uterine"), ("oesophageal", "esophageal")])
def test_cancer_type_synonyms(word: str, key: str) -> None:
    assert cancer_type_key(word) == key


@pytest.fixture(scope="module")
def nlp() -> spacy.language.Language:
    return build()


@pytest.mark.parametrize("text,expected", [
    ("my mum has breast cancer in her bones", {("cancer_type", "breast"), ("site", "bone")}),
    ("lung cancer that went to the lymph-nodes", {("cancer_type", "lung"), ("site", "lymph_nodes")}),
    ("Bowel Cancer with LIVER mets", {("cancer_type", "colorectal"), ("site", "liver")}),
    ("fluid around the lungs", {("site", "pleura")}),
    ("spread to the lining of his lung", {("site", "pleura")}),
    ("small red lumps on the skin of her chest", {("site", "skin")}),
    ("a pea sized lump under my arm", {("site", "lymph_nodes")}),
    ("uveal melanoma usually goes to the liver", {("cancer_type", "melanoma"), ("site", "liver")}),
    ("my uncle has cancer in the food pipe", {("cancer_type", "esophageal")}),
    ("does primary liver cancer usually stay in the liver", {("cancer_type", "other"),
                                                             ("site", "liver")}),
    ("GIST spread to liver", {("cancer_type", "other"), ("site", "liver")}),
    ("what causes leptomeningeal disease", {("site", "brain")}),
    ("water on lung from cancer", {("site", "pleura")}),
])
def test_spacy_pipeline_finds_sites_and_cancer_types(nlp, text: str, expected) -> None:
    assert {(e.label_, e.ent_id_) for e in nlp(text).ents} == expected


def message(text: str, intent: str, **entities: str) -> dict:
    return {"text": text, "intent": {"name": intent, "confidence": 0.9},
            "entities": [{"entity": k, "value": v} for k, v in entities.items()]}


def test_follow_up_carries_topic_context() -> None:
    turn = turn_from_message(message("and in the liver?", "follow_up", site="liver"),
                             {"topic": "symptoms", "site": "bone", "cancer_type": "breast"})
    assert (turn.site(), turn.cancer_type()) == ("liver", "breast")


def test_a_new_full_question_does_not_inherit_the_old_site() -> None:
    turn = turn_from_message(message("what are the main treatments for metastatic cancer", "treatment"),
                             {"topic": "symptoms", "site": "bone", "cancer_type": None})
    assert turn.site() is None


def test_a_pronoun_question_inherits_the_site() -> None:
    turn = turn_from_message(message("how do doctors usually treat it when it happens", "treatment"),
                             {"topic": "symptoms", "site": "bone", "cancer_type": None})
    assert turn.site() == "bone"


@pytest.mark.parametrize("text, intent", [
    ("what signs should we keep an eye on at home", "symptoms"),  # names nothing: the conversation's
    ("she has turned a yellowish colour", "symptoms"),              # a carer describing a change
    ("what does stage four mean exactly", "staging"),
    ("how is the cancer usually treated", "treatment"),              # "the cancer": the one named
])
def test_a_message_naming_no_place_or_cancer_keeps_the_conversations(text: str, intent: str) -> None:
    turn = turn_from_message(message(text, intent),
                             {"topic": "symptoms", "site": "liver", "cancer_type": "colorectal"})
    assert (turn.site(), turn.cancer_type()) == ("liver", "colorectal")


@pytest.mark.parametrize("text, intent", [
    ("how does metastatic cancer usually get treated nowadays", "treatment"),
    ("in general what are the common signs of secondary spread", "symptoms"),
    ("which kinds of tumours are the most likely to spread further", "propensity"),
])
def test_a_question_about_cancer_in_general_starts_afresh(text: str, intent: str) -> None:
    turn = turn_from_message(message(text, intent),
                             {"topic": "symptoms", "site": "liver", "cancer_type": "colorectal"})
    assert (turn.site(), turn.cancer_type()) == (None, None)


def test_clean_message_caps_and_strips_control_characters() -> None:
    assert clean_message("a\x00b\x1bc  \u200b d") == "a b c d"
    assert len(clean_message("x" * 50_000)) == MAX_MESSAGE_CHARS
    assert clean_message(None) == ""


def test_notice_closes_text_once() -> None:
    assert with_notice("Hello.") == f"Hello.\n\n{NOTICE}"
    assert with_notice("") == NOTICE


def test_button_payload_is_rasa_intent_syntax() -> None:
    assert payload("symptoms", "bone") == '/symptoms{"site": "bone"}'
    assert payload("treatment") == "/treatment"


def test_question_frames_name_education_topics() -> None:
    from bot.vocabulary import EDUCATION_TOPICS, QUESTION_FRAMES, frame_topic
    assert set(QUESTION_FRAMES) <= set(EDUCATION_TOPICS)
    assert frame_topic("What are the stages of X?") in EDUCATION_TOPICS
    assert frame_topic("my dad has liver mets") is None


@pytest.mark.parametrize("text,expected", [
    ("i had chemo, the lot. my oncologist is discharging me with something called a "
     "survivorship care plan. what is that and what is it for", "survivorship_care_plan"),
    ("they mentioned lytic lesions in his spine. what does that mean?", "lytic_lesions"),
    ("she had chemo twice. her tummy keeps swelling with fluid. what is this fluid", None),
    ("my dad has ascites and liver mets, what does that mean for how long he has", None),
])
def test_a_longer_message_asking_what_the_named_thing_is(text: str, expected: object) -> None:
    from bot.context import term_asked_about

    assert term_asked_about(text) == expected


def test_the_site_asked_about_in_a_long_message_comes_first() -> None:
    text = ("My son has leukaemia. His chemo goes into his spine to protect his brain. "
            "Can leukaemia spread to the brain like other cancers do?")
    entities = [{"entity": "site", "value": "spine", "start": text.index("spine")},
                {"entity": "site", "value": "brain", "start": text.index("brain")},
                {"entity": "site", "value": "brain", "start": text.rindex("brain")}]
    turn = turn_from_message({"text": text, "intent": {"name": "common_sites", "confidence": 0.9},
                              "entities": entities}, {})
    assert turn.sites == ("brain", "bone")
    short = "does it spread from the spine to the brain"
    entities = [{"entity": "site", "value": "spine", "start": short.index("spine")},
                {"entity": "site", "value": "brain", "start": short.index("brain")}]
    turn = turn_from_message({"text": short, "intent": {"name": "common_sites", "confidence": 0.9},
                              "entities": entities}, {})
    assert turn.sites == ("bone", "brain")


def test_blood_cancer_terms_are_known_medical_words() -> None:
    from bot import vocabulary
    assert vocabulary.BLOOD_CANCER_TERMS
    assert set(vocabulary.BLOOD_CANCER_TERMS) <= set(vocabulary.MEDICAL_TERMS)
