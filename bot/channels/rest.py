"""POST /webhooks/rest/webhook, checked before NLU (see `guard.py`).

Differences from Rasa's `RestInput`, on purpose: a request that is not
`{"sender": str, "message": str[, "metadata": object]}` gets a 4xx JSON error naming the
field; bodies over `MAX_BODY_BYTES` get 413 before they are read; `input_channel` in the
body is ignored (always `rest`); `?stream=true` is not offered; a turn that fails or
passes the deadline is answered with a kind reply and the notice instead of `[]`; and
nothing is logged with the message text.
"""

from __future__ import annotations

import inspect
from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import logs
from bot.channels import guard


async def read_body(request: Request) -> bytes:
    """The body, refusing (413) anything over MAX_BODY_BYTES, by header or as it arrives."""
    too_large = guard.BadRequest("body", f"the body is larger than {guard.MAX_BODY_BYTES} bytes",
                                 413)
    if request.stream is not None:
        request.stream.request_max_size = guard.MAX_BODY_BYTES
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > guard.MAX_BODY_BYTES:
        raise too_large
    try:
        await request.receive_body()
    except PayloadTooLarge:
        raise too_large from None
    return request.body or b""


class RestInput(RasaRestInput):
    """Rasa's REST channel with the project's checks; `name()` stays `rest`."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}",
                            module.__name__ if module else None)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                payload = guard.parse_body(await read_body(request))
                sender = guard.check_sender(payload.get("sender"))
                text = guard.check_message(payload.get("message"))
                metadata = guard.check_metadata(payload.get("metadata"))
            except guard.BadRequest as bad:
                return response.json(bad.as_json(), status=bad.status)
            logs.remember(sender, text)
            collector = CollectingOutputChannel()
            outcome = await guard.run_turn(on_new_message, UserMessage(
                text, collector, sender, input_channel=self.name(), metadata=metadata))
            return response.json(guard.complete(collector.messages, outcome, sender))

        return webhook
