"""Rasa's socket.io channel (used by the widget) with the project's checks.

Everything Rasa's `SocketIOInput` does stays as it is (events, rooms, session
persistence, JWT, paths); two handlers are replaced after Rasa builds them:

- `connect` also refuses browsers from origins not in BOT_ALLOWED_ORIGINS (WebSocket and
  form-like polling POSTs are not covered by CORS, so the check must be here);
- the user-message handler checks `session_id`, `message` and `metadata` (a bad one gets a
  `bad_request` event naming the field, nothing reaches NLU), cuts long messages, runs
  the turn within the deadline and sends the kind reply with the notice when the turn
  timed out or failed without one.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput
from sanic import Blueprint

from bot import logs
from bot.channels import guard
from bot.settings import allowed_origins

logger = logging.getLogger(__name__)


class NoticeTrackingOutput(SocketIOOutput):
    """Rasa's socket.io output that remembers whether the turn's text ended with the notice."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.noticed = False

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        self.noticed = guard.ends_with_notice(text)
        await super().send_text_message(recipient_id, text, **kwargs)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: Any,
                                     **kwargs: Any) -> None:
        self.noticed = guard.ends_with_notice(text)
        await super().send_text_with_buttons(recipient_id, text, buttons, **kwargs)


class SocketIOInput(RasaSocketIOInput):
    """Rasa's socket.io channel with checked messages; `name()` stays `socketio`."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by Rasa's blueprint()
        namespace = self.namespace or "/"
        rasa_connect = sio.handlers[namespace]["connect"]
        origins = set(allowed_origins())

        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if origins and origin and origin not in origins:
                logger.warning("socketio.origin_refused origin=%s", origin[:100])
                return False
            return await rasa_connect(sid, environ, auth)

        async def handle_message(sid: Text, data: Any) -> None:
            try:
                sender, text, metadata = self._check(sid, data)
            except guard.BadRequest as bad:
                await sio.emit("bad_request", bad.as_json(), room=sid)
                return
            logs.remember(sender, text)
            output = NoticeTrackingOutput(sio, self.bot_message_evt)
            outcome = await guard.run_turn(on_new_message, UserMessage(
                text, output, sender, input_channel=self.name(), metadata=metadata))
            if outcome != "ok" or not output.noticed:
                await output.send_text_message(sender, guard.fallback_text(outcome))

        sio.on("connect", namespace=self.namespace)(connect)
        sio.on(self.user_message_evt, namespace=self.namespace)(handle_message)
        return webhook

    def _check(self, sid: Text, data: Any) -> tuple[str, str, Optional[Dict[str, Any]]]:
        if not isinstance(data, dict):
            raise guard.BadRequest("body", "the message must be an object")
        if self.session_persistence:
            sender = guard.check_sender(data.get("session_id"), "session_id")
        else:
            sender = sid
        text = guard.check_message(data.get("message", ""))
        metadata = data.get(self.metadata_key, {})
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except ValueError:
                raise guard.BadRequest("metadata", "metadata must be an object") from None
        return sender, text, guard.check_metadata(metadata)
