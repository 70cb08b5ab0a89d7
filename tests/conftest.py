"""Session fixtures: one real assistant (trained model, action server, Rasa server, page
server) on free ports, started the same way `make run` starts it.
"""

from __future__ import annotations

import secrets
import socket
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest

from bot import build
from bot.services import Ports, Stack
from bot.settings import allowed_origins


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "server: talks to the real running assistant")
    config.addinivalue_line("markers", "model: runs Rasa itself (training, validation, story tests)")
    config.addinivalue_line("markers", "browser: drives the chat widget in Chromium")
    config.addinivalue_line("markers", "crash_expected: the test makes turns fail on purpose")


def pytest_collection_modifyitems(items: list) -> None:
    """A test that uses the running assistant is a server test, marked or not, so
    `make test-fast` (-m "not server and not model and not browser") never starts one."""
    for item in items:
        if "server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.server)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The running assistant: `.url` (Rasa), `.token` (HTTP API), `.web_url` (widget page)."""
    build.train()  # no-op when the model matches the data (make test trained it already)
    work: Path = tmp_path_factory.mktemp("assistant")
    ports = Ports(rasa=_free_port(), actions=_free_port(), web=_free_port())
    # A clinic's own page embedding a widget (rasa-webchat in tests/browser) lives on
    # another origin, which a clinic allows with BOT_ALLOWED_ORIGINS, as done here.
    third_party = _free_port()
    origins = [*allowed_origins(ports.web), f"http://127.0.0.1:{third_party}",
               f"http://localhost:{third_party}"]
    stack = Stack(
        ports=ports,
        host="127.0.0.1",
        token=secrets.token_hex(12),
        tracker_db=work / "conversations.db",
        log_dir=work / "logs",
        env={"BOT_ALLOWED_ORIGINS": ",".join(origins)},
    )
    with stack:
        yield SimpleNamespace(url=stack.rasa_url, token=stack.token, web_url=stack.web_url,
                              log_dir=stack.log_dir, actions_url=stack.actions_url,
                              third_party_port=third_party)


#: Log events that mean a turn failed behind a kind reply: the patient saw "something went
#: wrong" (with the notice), which a test checking only "a reply and the notice" would pass.
FAILURE_EVENTS = ("action_respond failed", "turn.failed", "turn.no_notice",
                  "action_server.failed", "content database unreachable")


@pytest.fixture(autouse=True)
def no_crash_behind_a_kind_reply(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every server test fails when the servers logged a failed turn during it (unless
    marked `crash_expected`, for tests that break things on purpose)."""
    if "server" not in request.fixturenames or request.node.get_closest_marker("crash_expected"):
        yield
        return
    log_dir = Path(request.getfixturevalue("server").log_dir)
    before = {p: p.stat().st_size for p in log_dir.glob("*.log")}
    yield
    for path in log_dir.glob("*.log"):
        with path.open("rb") as handle:
            handle.seek(before.get(path, 0))
            new = handle.read().decode("utf-8", "replace")
        found = [event for event in FAILURE_EVENTS if event in new]
        assert not found, f"{path.name} logged {found} during this test: a crash behind a kind reply"
