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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "server: talks to the real running assistant")
    config.addinivalue_line("markers", "model: runs Rasa itself (training, validation, story tests)")
    config.addinivalue_line("markers", "browser: drives the chat widget in Chromium")


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
    stack = Stack(
        ports=Ports(rasa=_free_port(), actions=_free_port(), web=_free_port()),
        host="127.0.0.1",
        token=secrets.token_hex(12),
        tracker_db=work / "conversations.db",
        log_dir=work / "logs",
    )
    with stack:
        yield SimpleNamespace(url=stack.rasa_url, token=stack.token, web_url=stack.web_url,
                              log_dir=stack.log_dir, actions_url=stack.actions_url)
