"""No patient text in any log: one privacy layer for Rasa, the action server and our code.

Why a record factory and not a handler filter: Rasa, Sanic and coloredlogs add handlers
after our configuration runs, and a filter on a logger does not see records of its
children. `logging.setLogRecordFactory` sees every record of every logger in the process,
when it is created, before any handler formats it. What it does to each record:

- the message is formatted once and the current turn's texts are replaced by `[text]`
  and its conversation id by the id's hash (`remember` puts them in a context variable:
  the channels in the Rasa server, the secret-checking middleware in the action server);
- DEBUG records of other libraries (Rasa logs whole messages, parse data and tracker
  states at DEBUG) keep only their logger name: `debug message withheld`;
- tracebacks keep file, line, function and exception types, never the exception's
  message or local variables (Rasa's structlog traceback renderer shows locals).

Rasa's structlog events go through `scrub_event` (added before structlog's renderer):
only the event name, level, timestamp, hashed ids and the exception type survive.

`configure()` applies logging.yml (the one logging configuration, which Rasa also reads
with --logging-config-file); building its `privacy` filter installs all of the above.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import logging
import logging.config
import sys
import threading
import traceback
import warnings
from pathlib import Path
from types import TracebackType
from typing import Any, Dict, Iterable, List, Optional, Tuple, Type

CONFIG = Path(__file__).resolve().parent.parent / "logging.yml"
#: Loggers whose DEBUG records keep their message: our own code, which never logs text.
OWN_LOGGERS = ("bot", "actions", "__main__")
#: Conversation ids appear under these keys in Rasa's structlog events.
ID_KEYS = ("sender_id", "conversation_id", "sender", "recipient_id")
#: Structlog keys that never hold user text (everything else is dropped).
SAFE_KEYS = ("event", "log_level", "level", "timestamp", "logger", "event_key",
             "action_name", "policy_name", "status")
WITHHELD = "[text]"
_MIN_TEXT = 3  # shorter texts ("ok", "hi") would turn every log line into confetti

_private: contextvars.ContextVar[Tuple[Tuple[str, str], ...]] = contextvars.ContextVar(
    "bot_private_text", default=())
_installed = False
_base_factory = logging.getLogRecordFactory()


def hash_id(value: object) -> str:
    """A conversation id as logs show it: the first 12 hex digits of its SHA-256."""
    data = str(value).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:12]


def _variants(text: str) -> Iterable[str]:
    """The forms a string takes in log lines: as is, repr-escaped, JSON-escaped."""
    yield text
    yield repr(text)[1:-1]
    yield json.dumps(text)[1:-1]
    yield json.dumps(text, ensure_ascii=False)[1:-1]


def remember(sender: Optional[str], *texts: Optional[str]) -> None:
    """Mark this turn's conversation id and texts as private for the current context
    (the asyncio task handling the turn and everything it awaits)."""
    pairs = []
    if sender:
        pairs += [(v, f"conv:{hash_id(sender)}") for v in _variants(sender)]
    for text in texts:
        if text and len(text.strip()) >= _MIN_TEXT:
            pairs += [(v, WITHHELD) for v in _variants(text.strip())]
    unique = {old: new for old, new in pairs if len(old) >= 1}
    # longest first, so a text is replaced before a shorter id inside it
    _private.set(tuple(sorted(unique.items(), key=lambda p: -len(p[0]))))


def redact(message: str) -> str:
    """`message` with the current turn's texts and conversation id replaced."""
    for old, new in _private.get():
        if old in message:
            message = message.replace(old, new)
    return message


def _exception_types(exc: Optional[BaseException]) -> str:
    names: List[str] = []
    while exc is not None and len(names) < 5:
        names.append(f"{type(exc).__module__}.{type(exc).__qualname__}")
        exc = exc.__cause__ or exc.__context__
    return " <- ".join(names)


def frames_only(exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                tb: Optional[TracebackType]) -> str:
    """A traceback with places and exception types only: no messages, no locals."""
    lines = ["Traceback (places only; messages and values withheld):"]
    for frame in traceback.extract_tb(tb)[-12:]:
        lines.append(f"  File \"{frame.filename}\", line {frame.lineno}, in {frame.name}")
    lines.append(_exception_types(exc) if exc is not None else str(exc_type))
    return "\n".join(lines)


def _scrub(record: logging.LogRecord) -> logging.LogRecord:
    own = record.name.split(".")[0] in OWN_LOGGERS
    if record.levelno < logging.INFO and not own:
        record.msg, record.args = f"debug message withheld ({record.name})", ()
    else:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 (a bad format string must not stop logging)
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
    if record.exc_info:
        exc_type, exc, tb = record.exc_info if isinstance(record.exc_info, tuple) \
            else sys.exc_info()
        record.exc_text = frames_only(exc_type, exc, tb) if exc_type else None
        record.exc_info = None
    record.stack_info = None
    return record


def _factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    return _scrub(_base_factory(*args, **kwargs))


def scrub_event(_logger: Any, _method: str, event_dict: Dict[str, Any]) -> Dict[str, Any]:
    """Structlog processor: keep the event name, level, safe keys, hashed ids and the
    exception type; drop everything else (text, parse data, tracker, locals)."""
    out: Dict[str, Any] = {}
    for key in SAFE_KEYS:
        if key in event_dict:
            out[key] = redact(str(event_dict[key]))
    for key in ID_KEYS:
        if event_dict.get(key) is not None:
            out[key] = hash_id(event_dict[key])
    exc_type = _structlog_exc_type(event_dict)
    if exc_type:
        out["exc_type"] = exc_type
    dropped = sorted(k for k in event_dict if k not in out and k not in ("exc_info", "exception"))
    if dropped:
        out["withheld"] = dropped
    return out


def _structlog_exc_type(event_dict: Dict[str, Any]) -> Optional[str]:
    exception = event_dict.get("exception")
    if isinstance(exception, list) and exception and isinstance(exception[-1], dict):
        return str(exception[-1].get("exc_type"))
    exc_info = event_dict.get("exc_info")
    if isinstance(exc_info, BaseException):
        return _exception_types(exc_info)
    if isinstance(exc_info, tuple) and exc_info[1] is not None:
        return _exception_types(exc_info[1])
    if exc_info or exception:
        current = sys.exc_info()[1]
        return _exception_types(current) if current else "unknown"
    return None


def _patch_structlog() -> None:
    """Put `scrub_event` before the renderer of every structlog configuration."""
    try:
        import structlog
    except ImportError:
        return
    original = structlog.configure
    if getattr(original, "_bot_private", False):
        return

    def configure(processors: Optional[list] = None, **kwargs: Any) -> None:
        if processors:
            processors = [p for p in processors if p is not scrub_event]
            processors.insert(max(len(processors) - 1, 0), scrub_event)
        original(processors=processors, **kwargs)

    configure._bot_private = True  # type: ignore[attr-defined]
    structlog.configure = configure  # type: ignore[assignment]
    if structlog.is_configured():
        current = structlog.get_config()
        configure(processors=list(current["processors"]))


def _excepthook(exc_type: Type[BaseException], exc: BaseException,
                tb: Optional[TracebackType]) -> None:
    print(frames_only(exc_type, exc, tb), file=sys.stderr)


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    print(frames_only(args.exc_type, args.exc_value, args.exc_traceback), file=sys.stderr)


def install() -> None:
    """Make this process's logging private (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    logging.setLogRecordFactory(_factory)
    logging.captureWarnings(True)
    warnings.showwarning = _show_warning
    # libraries' deprecation notices are for their developers; hundreds per start
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
    warnings.filterwarnings("ignore", message=r"(?s).*deprecated")  # pyparsing's own kind
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook
    _patch_structlog()


def _show_warning(message: Warning | str, category: Type[Warning], filename: str,
                  lineno: int, file: Any = None, line: Optional[str] = None) -> None:
    logging.getLogger("py.warnings").warning("%s:%d: %s: %s", filename, lineno,
                                             category.__name__, message)


class PrivacyFilter(logging.Filter):
    """The `privacy` filter of logging.yml: building it installs the privacy layer; on a
    handler it also scrubs records made before the factory was installed."""

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        install()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args or record.exc_info:
            _scrub(record)
        return True


def configure(config: Path = CONFIG) -> None:
    """Apply logging.yml (our processes: `python -m bot`, the action server)."""
    import yaml

    logging.config.dictConfig(yaml.safe_load(config.read_text(encoding="utf-8")))
    install()
