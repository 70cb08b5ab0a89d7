"""How a message is cut into sentences, shared by the classifier and the safety net."""

from __future__ import annotations

from bot.nlp import sentences
from bot.safety import semantic


def test_a_letter_closing_with_a_name_is_not_the_question() -> None:
    letter = ("Dear Sir or Madam, I am writing for my brother. The letter uses a word it does not "
              "explain. Could you explain what oligometastatic means in plain words? Yours faithfully, R. Okonkwo")
    assert sentences.focus(letter) == "Could you explain what oligometastatic means in plain words?"


def test_the_safety_net_does_not_read_a_letter_closing_but_keeps_a_goodbye() -> None:
    letter = "My mum has secondary breast cancer. Is it in her bones? Kind regards, Jan"
    assert all("regards" not in window.lower() for window in semantic.windows(letter))
    goodbye = "I have made up my mind. I am ready. Thank you for everything"
    assert any("Thank you for everything" in window for window in semantic.windows(goodbye))


def test_a_message_that_is_only_a_closing_is_kept() -> None:
    assert sentences.without_closing(["Thanks so much"]) == ["Thanks so much"]
    assert sentences.without_closing(["Is it curable?", "Thanks.", "Regards, Jan"]) == ["Is it curable?"]


def test_new_lines_end_sentences() -> None:
    assert sentences.split("my dad has lung cancer\nit is in his liver now\n\nwhat happens next") == [
        "my dad has lung cancer", "it is in his liver now", "what happens next"]


def test_questions_in_a_row_are_read_together() -> None:
    # The last question is an afterthought; the one before it says what is asked.
    story = ("My mum had breast cancer ten years ago. Now it is in her liver and the biopsy "
             "says the receptors are different. How can the same cancer be different? "
             "Could the lab have made a mistake?")
    assert sentences.focus(story) == ("How can the same cancer be different? "
                                      "Could the lab have made a mistake?")
    # A story sentence between two questions ends the run.
    story = ("Is it in her bones? The nurse said the scan was clear there. We were relieved. "
             "What about the liver, how would they know?")
    assert sentences.focus(story) == "What about the liver, how would they know?"


def test_a_web_forms_field_labels_start_sentences() -> None:
    assert sentences.split("SUBJECT: bone mets MESSAGE: dad has it in his spine. what helps") == [
        "bone mets", "dad has it in his spine.", "what helps"]
    assert sentences.split("Question: Is it curable? Details: it is in her liver.") == [
        "Is it curable?", "it is in her liver."]
    assert sentences.split("Name: (withheld) | Topic: spread | Message: what is it?") == [
        "(withheld)", "spread", "what is it?"]
    # A word followed by a colon inside a sentence is not a label.
    assert sentences.split("My question: is it curable?") == ["My question: is it curable?"]


def test_a_letters_greeting_and_signed_closing_leave_the_question() -> None:
    """ "Dear Sir or Madam, I wish to ask whether ..." asks; "With thanks, A. Name (aged 80)"
    is a closing line, not the question."""
    letter = ("Dear Sir or Madam, I wish to ask whether spread to the liver from the bowel can "
              "be cured. A friend says her uncle was cured after surgery and I wondered if this is "
              "so. With thanks, Edna Brown (aged 80)")
    assert sentences.focus(letter).startswith("Dear Sir or Madam, I wish to ask whether")
    assert sentences.without_closing(["Is it curable?", "Kind regards, Tom (son)"]) == ["Is it curable?"]
    assert sentences.asks_something("Hello, I wondered what the outlook is for bone spread")
    assert not sentences.asks_something("Hello. My dad has bone mets. Thanks for listening")


def test_an_opening_question_with_they_or_a_dummy_it_is_what_is_asked() -> None:
    """ "They" in an opening question are the doctors, and a long question's "it" is a dummy:
    the question is the opening one. A short "Is it in her bones?" points ahead to the story."""
    story = ("Can they operate on brain mets? My friend's melanoma has gone to her brain, two "
             "spots, and someone mentioned a gamma knife. What even is that?")
    assert sentences.focus(story) == "Can they operate on brain mets?"
    story = ("Why is it the spread that's dangerous and not the original tumour? My grandad's "
             "cancer was bad enough. The doctor said the secondaries are the problem. What do "
             "they do to the body?")
    assert sentences.focus(story) == ("Why is it the spread that's dangerous and not the "
                                      "original tumour?")
    story = ("Is it in her bones? My mum's scan showed spots. The doctor was vague. "
             "What do spots mean?")
    assert sentences.focus(story) == "The doctor was vague. What do spots mean?"
