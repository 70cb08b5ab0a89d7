"""HTTP fuzzing of the REST webhook (issue 12, item 5), against the real server.

Hypothesis generates request bodies: JSON objects with the contract's fields of random
types, shapes and sizes, extra fields, several text encodings, and plain random bytes.
What must hold for every request: never a 5xx, always a JSON answer; a valid request
(sender a short printable string, message a string, metadata an object if given) gets a
non-empty answer whose last text ends with the notice; anything else gets a 4xx that
names the field.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict

import pytest
import requests
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.helpers import ends_with_notice

pytestmark = pytest.mark.server
_SETTINGS = settings(max_examples=80, deadline=None, derandomize=False,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
_PRINTABLE_ID = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x2FFF,
                                      blacklist_categories=("Cs",)), min_size=1, max_size=40)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=10,
)
_TEXT = st.one_of(
    st.text(max_size=300),
    st.builds(lambda piece, times: piece * times, st.text(min_size=1, max_size=20),
              st.integers(400, 3_000)),  # long messages, around the 10,000-character cut
    st.sampled_from(["what is metastasis", "/greet", "/symptoms{\"site\": \"bone\"}", "",
                     "\ud800 lone", "\x00\x01", "<script>alert(1)</script>", "/restart",
                     "/session_start", "/back"]),
)
_MESSAGE = st.one_of(_TEXT, _JSON)
_WELL_FORMED = st.fixed_dictionaries({"sender": _PRINTABLE_ID, "message": _TEXT}, optional={
    "metadata": st.dictionaries(st.text(max_size=5), _JSON, max_size=3),
    "extra": _JSON,
})
_ANY_SHAPE = st.fixed_dictionaries({}, optional={
    "sender": st.one_of(_PRINTABLE_ID, _JSON, st.text(max_size=200)),
    "message": _MESSAGE,
    "metadata": st.one_of(st.dictionaries(st.text(max_size=5), _JSON, max_size=3), _JSON),
    "input_channel": _JSON,
    "extra": _JSON,
})
_BODY = st.one_of(_WELL_FORMED, _ANY_SHAPE)
_ENCODING = st.sampled_from(["ascii-json", "utf-8", "utf-16", "utf-32"])
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _valid(body: Dict[str, Any]) -> bool:
    """The contract's request, judged independently of the server's code."""
    sender, message = body.get("sender"), body.get("message")
    metadata = body.get("metadata")
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return False
    return (isinstance(sender, str) and bool(sender.strip()) and len(sender) <= 128
            and not _CONTROL.search(sender) and isinstance(message, str)
            and (metadata is None or isinstance(metadata, dict)))


def _encode(body: Dict[str, Any], encoding: str) -> bytes:
    if encoding == "ascii-json":
        return json.dumps(body).encode()
    return json.dumps(body, ensure_ascii=False).encode(encoding, "surrogatepass")


def _post(server: Any, data: bytes) -> requests.Response:
    return requests.post(f"{server.url}/webhooks/rest/webhook", data=data, timeout=60,
                         headers={"Content-Type": "application/json"})


@_SETTINGS
@given(body=_BODY, encoding=_ENCODING)
def test_generated_json_requests(server: Any, body: Dict[str, Any], encoding: str) -> None:
    data = _encode(body, encoding)
    try:
        json.loads(data)
        decodable = True
    except ValueError:  # e.g. a lone surrogate written raw in UTF-16
        decodable = False
    valid = decodable and _valid(body)
    event("valid request" if valid else "invalid request")
    response = _post(server, data)
    assert response.status_code < 500
    answer = response.json()
    if valid:
        assert response.status_code == 200, answer
        assert answer and ends_with_notice(answer)
    else:
        assert 400 <= response.status_code < 500, answer
        assert answer["field"] in ("body", "sender", "message", "metadata")


@_SETTINGS
@given(data=st.binary(max_size=2_000))
def test_random_bytes(server: Any, data: bytes) -> None:
    response = _post(server, data)
    assert response.status_code < 500
    answer = response.json()
    event(f"status {response.status_code}")
    if response.status_code == 200:
        assert answer and ends_with_notice(answer)
    else:
        assert answer["field"] in ("body", "sender", "message", "metadata")
