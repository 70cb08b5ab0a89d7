"""What the contract and the safety review promise, asserted over HTTP on the real stack:
urgent and crisis wording, the very-long-message path, the HTTP API's token.

Expected wording comes from the reviewed data files and the contract, not from code.
"""

from __future__ import annotations

import secrets
import socket
from pathlib import Path

import pytest
import requests
import yaml

from bot import build
from bot.paths import CONTENT_DIR, HELPLINES, SAFETY_DIR
from bot.services import Ports, Stack
from tests.contract import NOTICE
from tests.helpers import TIMEOUT, chat, last_text, new_sender, slots, whole_text

pytestmark = pytest.mark.server

CONDITIONS = yaml.safe_load((SAFETY_DIR / "conditions.yml").read_text(encoding="utf-8"))
HELP = yaml.safe_load(HELPLINES.read_text(encoding="utf-8"))["regions"]["international"]


def _opening(key: str, field: str = "opening") -> str:
    return " ".join(CONDITIONS["conditions"][key][field].split())


def test_numb_legs_get_the_danger_named_first_then_the_emergency_number(server) -> None:
    sender = new_sender()
    text = whole_text(chat(server, sender, "my legs have gone numb and my back really hurts"))
    paragraphs = text.split("\n\n")
    assert paragraphs[0] == _opening("spinal_cord_compression")
    assert HELP["emergency_number"] in paragraphs[1] and "care team" not in paragraphs[1]
    assert text.endswith(NOTICE) and "**Sources:**" in text
    assert slots(server, sender)["topic"] == "emergency"


def test_fever_on_chemo_goes_to_the_24_hour_line_with_the_paracetamol_warning(server) -> None:
    text = whole_text(chat(server, new_sender(), "i have a temperature of 38.5 and had chemo last week"))
    paragraphs = text.split("\n\n")
    assert paragraphs[0] == _opening("fever_chemo")
    assert "24-hour" in paragraphs[1]
    assert "38" in text and "100.4" in text and "paracetamol" in text.lower()


def test_a_carer_writing_about_suicide_is_told_to_stay_with_them(server) -> None:
    sender = new_sender()
    text = whole_text(chat(server, sender, "my dad keeps saying he wants to kill himself"))
    assert text.startswith(_opening("self_harm", "opening_someone_else"))
    assert "stay with them" in text
    for line in ("988", "116 123", "13 11 14", "findahelpline"):
        assert line in text, line
    assert "out of reach" in text  # the means-safety line
    assert "glad you told me" not in text  # words for the person at risk are not for carers
    assert slots(server, sender)["topic"] == "crisis" and text.endswith(NOTICE)


def test_a_very_long_message_is_answered_with_the_preface_and_the_notice(server) -> None:
    message = "what is metastasis? " + "I am so worried about my mum. " * 400  # > 10,000 chars
    assert len(message) > 10_000
    text = whole_text(chat(server, new_sender(), message))
    assert text.startswith("Your message was very long") and text.endswith(NOTICE)


def test_the_http_api_rejects_a_wrong_token(server) -> None:
    sender = new_sender()
    chat(server, sender, "hello")
    url = f"{server.url}/conversations/{sender}/tracker"
    assert requests.get(url, params={"token": server.token}, timeout=TIMEOUT).status_code == 200
    assert requests.get(url, params={"token": "wrong"}, timeout=TIMEOUT).status_code == 401
    assert requests.get(url, timeout=TIMEOUT).status_code == 401


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_without_a_token_the_http_api_is_off(tmp_path: Path) -> None:
    """A Rasa server started as `make run` starts it, without BOT_API_TOKEN."""
    build.train()
    stack = Stack(ports=Ports(rasa=_free_port(), actions=_free_port(), web=_free_port()),
                  host="127.0.0.1", token=None, tracker_db=tmp_path / "c.db",
                  log_dir=tmp_path / "logs")
    with stack:
        sender = "api-off-" + secrets.token_hex(4)
        answered = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": "hi"}, timeout=TIMEOUT)
        assert answered.status_code == 200 and last_text(answered.json()).endswith(NOTICE)
        tracker = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker", timeout=TIMEOUT)
        assert tracker.status_code in (401, 403, 404)
        assert '"events"' not in tracker.text and '"slots"' not in tracker.text


def test_skin_cancer_is_not_melanoma_and_carries_the_note(server) -> None:
    note = yaml.safe_load((CONTENT_DIR / "notes" / "skin_cancer.yml").read_text(encoding="utf-8"))
    first_sentence = note["answers"][0]["text"].split(".")[0].strip()
    sender = new_sender()
    text = whole_text(chat(server, sender, "can skin cancer spread to other parts of the body"))
    assert first_sentence in text and text.endswith(NOTICE)
    assert slots(server, sender)["cancer_type"] == "other"
