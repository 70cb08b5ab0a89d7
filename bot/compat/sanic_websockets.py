"""Make Sanic 21.12's WebSocket `recv` work on Python 3.11 (socket.io over WebSocket).

Sanic 21.12 (pinned by Rasa 3.6) passes a bare coroutine, `self.assembler.get(...)`, to
`asyncio.wait` in `WebsocketImplProtocol.recv` and `recv_burst`. Python 3.10 wrapped such a
coroutine in a task itself (with a DeprecationWarning); Python 3.11 raises `TypeError:
Passing coroutines is forbidden, use tasks explicitly`. Every socket.io WebSocket then dies
right after the upgrade ("Invalid frame header" in the browser) and clients fall back to
long-polling or keep reconnecting.

The fix gives that one module (`sanic.server.websockets.impl`) an `asyncio` whose `wait`
does what Python 3.10's did: wrap coroutines in tasks. Nothing else changes: every other
name is the real `asyncio`, no Sanic code is copied, and the patch is applied only on
Python >= 3.11 when the installed Sanic still has the bare-coroutine call. Newer Sanic
releases wrap the coroutine themselves, so the check turns the patch off by itself.

`apply()` is idempotent; `bot.nlp.rasa_components` calls it on import, which Rasa does when
it loads the model, before the server takes connections. Why this mechanism: docs/websocket.md.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import sys
import types
from typing import Any, Iterable, Tuple

logger = logging.getLogger(__name__)

# `asyncio.wait(` whose first argument is a tuple holding the assembler's coroutine.
_BARE_COROUTINE = re.compile(r"asyncio\.wait\(\s*\(\s*self\.recv_cancel,\s*self\.assembler\.get\(")


class _Asyncio310Wait(types.ModuleType):
    """`asyncio` for one module, except that `wait` accepts coroutines as Python 3.10 did."""

    def __init__(self) -> None:
        super().__init__("asyncio", "asyncio with Python 3.10's wait() (bot.compat.sanic_websockets)")

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    @staticmethod
    async def wait(fs: Iterable[Any], **kwargs: Any) -> Tuple[set, set]:
        tasks = [asyncio.ensure_future(f) if asyncio.iscoroutine(f) else f for f in fs]
        return await asyncio.wait(tasks, **kwargs)


def needed(version: Tuple[int, ...] = tuple(sys.version_info[:2])) -> bool:
    """True on Python >= 3.11 when the installed Sanic passes a coroutine to asyncio.wait."""
    if version < (3, 11):
        return False
    from sanic.server.websockets import impl

    try:
        source = inspect.getsource(impl.WebsocketImplProtocol.recv)
        source += inspect.getsource(impl.WebsocketImplProtocol.recv_burst)
    except (OSError, TypeError):  # no .py files installed: go by the version that has the bug
        import sanic

        return str(sanic.__version__).startswith("21.")
    return bool(_BARE_COROUTINE.search(source))


def applied() -> bool:
    """Whether Sanic's websocket module currently runs with the fixed `asyncio.wait`."""
    from sanic.server.websockets import impl

    return isinstance(impl.asyncio, _Asyncio310Wait)


def apply(version: Tuple[int, ...] = tuple(sys.version_info[:2])) -> bool:
    """Patch Sanic's websocket module if (and only if) it needs it; True if the fix is in place."""
    if applied():
        return True
    if not needed(version):
        return False
    from sanic.server.websockets import impl

    impl.asyncio = _Asyncio310Wait()
    logger.debug("Sanic websocket recv patched for Python %s (bot.compat.sanic_websockets)", sys.version.split()[0])
    return True
