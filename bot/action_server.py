"""The action server, started by `make run`: rasa_sdk's app, bound where it belongs,
behind a shared secret.

    python -m bot.action_server --host 127.0.0.1 --port 5055

Why not `rasa run actions`: it always listens on 0.0.0.0, runs any action for anyone who
can reach it, and imports Rasa (and TensorFlow) only to start rasa_sdk. Here:

- it listens on BOT_HOST (loopback by default);
- with BOT_ACTION_SECRET set, POST /webhook needs the header `X-Bot-Action-Secret`
  with that value (Rasa sends it: endpoints.yml `headers`); /health stays open;
- off loopback it refuses to start without a secret;
- no CORS: only Rasa calls it, never a browser;
- TensorFlow is kept out: spaCy's thinc imports it when installed, but nothing here
  uses it (resident memory after start: 544 MB with it, 130 MB without, measured
  2026-11-30);
- logging is bot.logs' (logging.yml); the middleware marks the conversation's texts as
  private so no log line of the action can show them.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import sys
from typing import Any, List, Optional

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import logs
from bot.settings import is_loopback, settings

SECRET_HEADER = "X-Bot-Action-Secret"
logger = logging.getLogger(__name__)


def _conversation_texts(request: Request) -> None:
    """Mark the sender id and the user texts of the posted tracker as private."""
    try:
        call = request.json or {}
    except Exception:  # noqa: BLE001 (rasa_sdk answers the bad body itself)
        return
    tracker = call.get("tracker") or {} if isinstance(call, dict) else {}
    if not isinstance(tracker, dict):
        return
    texts: List[Optional[str]] = [(tracker.get("latest_message") or {}).get("text")]
    texts += [e.get("text") for e in tracker.get("events") or []
              if isinstance(e, dict) and e.get("event") == "user"]
    logs.remember(tracker.get("sender_id"), *[t for t in texts if isinstance(t, str)])


def make_app(secret: Optional[str], actions: str = "actions") -> Sanic:
    """rasa_sdk's app for `actions`, with the secret check and privacy marks."""
    from rasa_sdk.endpoint import create_app

    app = create_app(actions, cors_origins=None)

    @app.middleware("request")
    async def check_secret(request: Request) -> Optional[HTTPResponse]:
        if request.path == "/health":
            return None
        if secret and not hmac.compare_digest(
                request.headers.get(SECRET_HEADER, "").encode(), secret.encode()):
            logger.warning("action_server.refused path=%s reason=secret", request.path[:50])
            return response.json({"error": "forbidden"}, status=403)
        _conversation_texts(request)
        return None

    @app.exception(Exception)
    async def failed(request: Request, exception: Exception) -> HTTPResponse:
        # rasa_sdk's handler echoes the request body (the whole tracker) in its answer
        logger.error("action_server.failed error=%s", type(exception).__name__)
        return response.json({"error": type(exception).__name__}, status=500)

    return app


def keep_out_tensorflow() -> None:
    """Make `import tensorflow` fail in this process (thinc then runs without it)."""
    if "tensorflow" not in sys.modules:
        sys.modules["tensorflow"] = None  # type: ignore[assignment]


def warm_up() -> None:
    """Read the red-flag rules and the answers now, not on a patient's first turn."""
    from bot import safety
    from bot.content.lookup import default_index

    safety.warm_up()
    default_index().refresh()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=None, help="interface (default BOT_HOST)")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args(argv)
    logs.configure()
    chosen = settings()
    host = args.host or chosen.host
    if not is_loopback(host) and not chosen.action_secret:
        print(f"refusing to listen on {host} without BOT_ACTION_SECRET", file=sys.stderr)
        return 2
    keep_out_tensorflow()
    app = make_app(chosen.action_secret, args.actions)
    warm_up()
    logger.info("action server on http://%s:%d (secret %s)", host, args.port,
                "required" if chosen.action_secret else "off")
    run_kwargs: Any = {"access_log": False, "workers": 1, "motd": False}
    app.run(host, args.port, **run_kwargs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
