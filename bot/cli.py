"""The commands the Makefile calls: `python -m bot {prepare,train,run,shell,load-content}`."""

from __future__ import annotations

import argparse
import logging
import signal
import subprocess
import sys
import time
from typing import List, Optional

from bot import build, logs
from bot.content.db import make_engine
from bot.content.loader import ContentError, load_content
from bot.paths import CONTENT_DIR, RASA, ROOT
from bot.services import Ports, Stack
from bot.settings import settings

logger = logging.getLogger("bot")


def _stop_on_sigterm() -> None:
    """`kill` (SIGTERM) and a closed terminal (SIGHUP) stop the children too, exactly
    like Ctrl-C. (The children run in their own sessions, so only we receive these.)"""

    def handler(signum: int, _frame: object) -> None:
        logger.info("received %s", signal.Signals(signum).name)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


def _log_to_file() -> None:
    """The supervisor's lines (start, crash, restart, stop) also go to var/logs/run.log."""
    build.LOGS.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(build.LOGS / "run.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(logs.PrivacyFilter())
    logging.getLogger().addHandler(handler)


def _run(args: argparse.Namespace) -> int:
    _stop_on_sigterm()
    _log_to_file()
    started = time.monotonic()
    build.train()
    stack = Stack(ports=Ports(args.rasa_port, args.actions_port, args.web_port),
                  token=settings().api_token)
    only = ["actions"] if args.command == "shell" else None
    try:
        stack.start(only=only)
        logger.info("ready in %.1fs", time.monotonic() - started)
        if args.command == "shell":
            return subprocess.call([str(RASA), "shell", "--model", str(build.MODEL), "--endpoints",
                                    stack.endpoints, "--port", str(args.rasa_port),
                                    "--logging-config-file", str(logs.CONFIG)],
                                   cwd=ROOT, env=stack.environment())
        logger.info("action server on %s:%d, widget page on %s:%d, Rasa on %s:%d",
                    stack.host, args.actions_port, stack.host, args.web_port, stack.rasa_host,
                    args.rasa_port)
        logger.info("chat widget page: http://localhost:%d/", args.web_port)
        logger.info("REST: http://localhost:%d/webhooks/rest/webhook  (Ctrl-C stops all)",
                    args.rasa_port)
        if not stack.token:
            logger.info("Rasa HTTP API is off; set BOT_API_TOKEN to turn it on")
        stack.wait()  # restarts a process that dies; returns only on a signal
        return 0
    except KeyboardInterrupt:
        logger.info("stopping")
        return 0
    finally:
        stack.stop()


def main(argv: Optional[List[str]] = None) -> int:
    logs.configure()
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare", help="build the spaCy pipeline, NLU vocabulary and content DB")
    train = sub.add_parser("train", help="train the Rasa model if its inputs changed")
    train.add_argument("--force", action="store_true")
    sub.add_parser("load-content", help="validate data/content/ and load it into the DB")
    for name in ("run", "shell"):
        cmd = sub.add_parser(name, help=f"set up what is missing and {name} the assistant")
        cmd.add_argument("--rasa-port", type=int, default=5005)
        cmd.add_argument("--actions-port", type=int, default=5055)
        cmd.add_argument("--web-port", type=int, default=8080)
    args = parser.parse_args(argv)
    try:
        if args.command == "prepare":
            build.prepare()
        elif args.command == "train":
            build.train(force=args.force)
        elif args.command == "load-content":
            count, changed = load_content(make_engine(), CONTENT_DIR)
            print(f"{count} entries {'loaded' if changed else 'already loaded'}")
        else:
            return _run(args)
    except ContentError as exc:
        print(f"content error: {exc}", file=sys.stderr)
        return 2
    return 0
