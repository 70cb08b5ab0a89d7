"""Site versus origin, the broad cancer vocabulary, medical words, the embedding model's
pinned weights, and the routing that uses them (on the real content database)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Optional, Set, Tuple

import numpy as np
import pytest

from bot.content.db import make_engine
from bot.content.loader import ContentError, load_content, parse_entry
from bot.content.lookup import AnswerIndex
from bot.context import Turn, library_style, turn_from_message
from bot.dialogue import route
from bot.nlp import embeddings, entities, sentences
from bot.paths import CONTENT_DIR
from bot.vocabulary import names_other_illness, terms_in

Found = Set[Tuple[str, str]]


@pytest.mark.parametrize("text,expected", [
    ("what are the symptoms of lung metastases", {("site", "lung")}),
    ("mets in the lung", {("site", "lung")}),
    ("lung cancer symptoms", {("cancer_type", "lung")}),
    ("my husband has secondary liver cancer", {("site", "liver")}),
    ("primary liver cancer, where does it spread", {("cancer_type", "other")}),
    ("liver cancer", {("cancer_type", "other")}),
    ("my mum has breast cancer that spread to her bones", {("cancer_type", "breast"), ("site", "bone")}),
    ("it spread to her bones, so is it bone cancer now", {("site", "bone")}),
    ("bone cancer in teenagers", {("cancer_type", "other")}),
    ("brain tumours from lung cancer", {("site", "brain"), ("cancer_type", "lung")}),
    ("can a brain tumour spread", {("cancer_type", "other")}),
    ("metastatic lung cancer", {("cancer_type", "lung")}),
    ("what are the stages of sarcoma", {("cancer_type", "other")}),
    ("stages of cervicle cancer", {("cancer_type", "other")}),
    ("what are the stages of urethral cancer", {("cancer_type", "other")}),
    ("what are the stages of esthesioneuroblastoma", {("cancer_type", "other")}),
    ("can cancer spread to the brain from the lungs", {("site", "brain"), ("site", "lung")}),
    ("they found cancer in his liver", {("site", "liver")}),
    ("she has a stoma now", set()),
    ("it started in her colon and now it is in her liver", {("cancer_type", "colorectal"), ("site", "liver")}),
    ("they drained the fluid around his lung", {("site", "pleura")}),
    ("mums cancer started in her lung but its in her brain now", {("cancer_type", "lung"),
                                                                   ("site", "brain")}),
    ("is cancer that started in the liver different from cancer that moved there", {("site", "liver")}),
    ("does skin cancer spread? the black mole kind", {("cancer_type", "melanoma")}),
    ("i have skin cancer", {("cancer_type", "other")}),
    ("what is the treatment for non hodgkins lymphoma", {("cancer_type", "blood")}),
    ("can leukemia go to the brain", {("cancer_type", "blood"), ("site", "brain")}),
    ("myeloma bone lesions", {("cancer_type", "blood"), ("site", "bone")}),
    ("spread to the kidney", set()),
    ("his skin looks yellow", set()),
    ("spread to the skin", {("site", "skin")}),
    ("cervical spine mets", {("site", "bone")}),
    ("what are the treatments of my cancer", set()),
    ("my brother has melenoma that went to his brain", {("cancer_type", "melanoma"), ("site", "brain")}),
    ("my dad has myleoma in his spine", {("cancer_type", "blood"), ("site", "bone")}),
    ("what is an ependymoma", {("cancer_type", "other")}),
    ("since her lumpectomy two nodes came back positive", {("cancer_type", "breast"),
                                                           ("site", "lymph_nodes")}),
    ("he had a whipple and now there are spots on his liver", {("cancer_type", "pancreatic"),
                                                               ("site", "liver")}),
    ("she had a hysterectomy years ago", set()),  # womb or ovary: not named
    ("a tumour in the bowel that moved to the liver", {("cancer_type", "colorectal"),
                                                       ("site", "liver")}),
    ("fluid keeps building up round mum's right lung", {("site", "pleura")}),
    ("the cancer spread all around the lungs", {("site", "lung")}),
])
def test_site_versus_origin(text: str, expected: Found) -> None:
    assert {(m.entity, m.value) for m in entities.read(text)} == expected


@pytest.mark.parametrize("text,name", [("stages of sarcoma", "sarcoma"),
                                       ("where does hcc spread", "primary liver cancer"),
                                       ("what is the treatment for leukemia", "leukaemia"),
                                       ("what are the stages of heart cancer", None)])
def test_cancer_names_come_from_the_vocabulary_never_from_the_user(text: str, name: Optional[str]) -> None:
    assert entities.cancer_name(text) == name


@pytest.mark.parametrize("text,terms", [
    ("What is hypercalcemia?", ["hypercalcaemia"]), ("what causes ascites", ["ascites"]),
    ("do you have information about bone scans", ["bone_scan"]), ("chemo", ["chemotherapy"]),
    ("fluid around the lungs", ["pleural_effusion"]), ("what is a survivorship care plan",
                                                       ["survivorship_care_plan"]),
    ("what are micromets", ["micrometastasis"]), ("how does cancer spread", []),
])
def test_medical_words(text: str, terms: list) -> None:
    assert terms_in(text) == terms


def test_library_style_and_other_illnesses() -> None:
    assert library_style("Do you have information about hospice care")
    assert library_style("What is the outlook for liver metastases?")
    assert not library_style("my dad was told the cancer is in his liver and they want to start chemo soon")
    assert names_other_illness("what is the treatment for diabetes")
    assert not names_other_illness("what is the treatment for bone mets")


def test_a_term_must_sit_under_its_topic() -> None:
    raw = {"id": "x", "topic": "treatment", "term": "ascites", "status": "approved",
           "reviewed_by": "content editor (project team)", "reviewed_on": "2026-11-30",
           "version": 1, "text": "x", "sources": [{"title": "t", "url": "https://x.org"}]}
    with pytest.raises(ContentError, match="belongs under topic 'complications'"):
        parse_entry(raw, Path("f.yml"), 1)


def test_the_embedding_model_refuses_other_weights(tmp_path: Path) -> None:
    shutil.copy(embeddings.model_dir() / "tokenizer.json", tmp_path / "tokenizer.json")
    (tmp_path / "model.safetensors").write_bytes(b"not the pinned weights")
    with pytest.raises(embeddings.WeightsMismatch):
        embeddings.MiniLM(tmp_path)


def test_embeddings_put_paraphrases_close() -> None:
    vectors = embeddings.model().encode([
        "what are the symptoms of lung metastases", "signs that the cancer went to my lungs",
        "what is the treatment for diabetes"])
    assert vectors.shape == (3, embeddings.DIMENSION)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


def test_batches_give_the_same_vectors_as_single_sentences() -> None:
    texts = ["bone mets", "how is cancer in the liver treated when it came from the bowel", "hi"]
    model = embeddings.model()
    assert np.allclose(model.encode(texts), model.encode(texts, batch_size=8), atol=1e-5)


def test_a_long_message_is_read_for_its_question() -> None:
    story = ("My dad is 74. He had prostate cancer years ago. His PSA has gone up again. "
             "What tests do they use to check if it has spread?")
    assert sentences.focus(story) == "What tests do they use to check if it has spread?"
    assert sentences.focus("what is ascites") == "what is ascites"


def test_a_question_without_a_question_mark_or_that_refers_back_is_found() -> None:
    """People ask without "?" and ask "is it ..." about the thing named just before."""
    story = ("My aunt has bowel cancer and it has gone to her liver. She is itchy and tired. "
             "Is that all from the liver? what other problems can cancer in the liver bring")
    # Both questions are read; the first refers back, so the sentence before it comes too.
    assert sentences.focus(story) == ("She is itchy and tired. Is that all from the liver? "
                                       "what other problems can cancer in the liver bring")
    story = ("Mum is 81 and has dementia. The team talk about palliative care. "
             "Is it only for the last days, or can she have it now?")
    assert sentences.focus(story) == ("The team talk about palliative care. "
                                       "Is it only for the last days, or can she have it now?")
    story = ("Dear Sir, my father has spread to the liver. The consultant spoke of control. "
             "I should be grateful if you could outline the usual treatments. Yours faithfully")
    assert sentences.focus(story) == "I should be grateful if you could outline the usual treatments."


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> AnswerIndex:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'content.db'}")
    load_content(engine, CONTENT_DIR)
    return AnswerIndex(engine)


def turn(text: str, intent: Optional[str], confidence: float = 0.9, **previous: str) -> Turn:
    found = entities.read(text)
    message = {"text": text, "intent": {"name": intent, "confidence": confidence},
               "intent_ranking": [{"name": intent, "confidence": confidence}] if intent else [],
               "entities": [{"entity": m.entity, "value": m.value} for m in found]}
    return turn_from_message(message, previous)


@pytest.mark.parametrize("text,intent,topic,answer_id", [
    ("What is hypercalcemia?", "out_of_scope", "complications", "complications.term.hypercalcaemia"),
    ("Do you have information about bone scan", "bot_identity", "diagnosis", "diagnosis.term.bone_scan"),
    ("hospice", None, "support", "support.term.hospice"),
    ("what causes ascites", "how_cancer_spreads", "complications", "complications.term.ascites"),
    ("what is the treatment for lymphoma", "treatment", "out_of_scope", "out_of_scope.blood"),
    ("what is the treatment for diabetes", "treatment", "out_of_scope", "out_of_scope"),
    # A medical word whose answer holds for blood cancers too: that answer, not the scope.
    ("my aunt has myeloma and her letter mentions lytic lesions in her spine, what are they",
     "out_of_scope", "complications", "complications.term.lytic_lesions"),
    ("how does myeloma spread", "how_cancer_spreads", "out_of_scope", "out_of_scope.blood"),
    ("mum is starting zoledronic acid for her bone mets, what does it do", "out_of_scope",
     "treatment", "treatment.term.bone_strengthening_drugs"),
    # A medical word in quotes, as copied from a letter.
    ("my letter says 'ascites' in my belly. what is that", "nlu_fallback", "complications",
     "complications.term.ascites"),
    ("the vet thinks my dog's lump is a mast cell tumour, do dogs get metastases",
     "common_sites", "out_of_scope", "out_of_scope"),
    ("will my travel insurance still cover me now my cancer has spread", "personal_advice",
     "out_of_scope", "out_of_scope"),
    # Spread denied: a first cancer's side effects, not a treatment of spread.
    ("what are the side effects of radiotherapy for breast cancer? mine hasn't spread",
     "treatment", "out_of_scope", "out_of_scope"),
    ("should i go into a hospice", "personal_advice", "personal_advice", "personal_advice"),
    ("what causes cervical cancer", "how_cancer_spreads", "out_of_scope", "out_of_scope"),
    ("what causes cervical cancer to spread", "how_cancer_spreads", "how_cancer_spreads",
     "how_cancer_spreads"),
])
def test_routing_by_what_the_message_names(index: AnswerIndex, text: str, intent: Optional[str],
                                           topic: str, answer_id: str) -> None:
    reply = route(turn(text, intent), index)
    assert (reply.topic, reply.answer_id) == (topic, answer_id)


def test_another_cancer_gets_the_general_answer_with_a_named_note(index: AnswerIndex) -> None:
    reply = route(turn("what are the stages of sarcoma", "staging"), index)
    assert (reply.topic, reply.cancer_type, reply.answer_id) == ("staging", "other", "staging")
    assert reply.preface and "sarcoma" in reply.preface


def test_an_unknown_cancer_name_is_not_echoed(index: AnswerIndex) -> None:
    reply = route(turn("what are the stages of heart cancer", "staging"), index)
    assert reply.preface and "heart" not in reply.preface.lower()


def test_blood_cancer_reply_offers_metastasis_topics(index: AnswerIndex) -> None:
    reply = route(turn("can lymphoma spread to the brain", "common_sites"), index)
    assert (reply.topic, reply.cancer_type, reply.site) == ("out_of_scope", "blood", "brain")
    assert reply.buttons and all("blood" not in b.payload for b in reply.buttons)
