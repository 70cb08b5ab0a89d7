"""Read the vetted answers in data/content/*.yml, validate them, load them into the DB.

Loading is idempotent: the database ends up holding exactly what the files say, and a
second load of unchanged files changes nothing. A bad file is refused as a whole with a
message that names the file and the entry, so a typo never reaches a patient.

Text may use the placeholders of bot/content/placeholders.py (help lines by region, the
shared red-flag lists); a name nothing fills is refused here, not found by a patient.
Notes (topic `cancer_note`, id `cancer_note.<group>`) are looked up by id, so several may
share the general key; they need sources but no follow-ups.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml
from sqlalchemy import delete, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.content.models import STATUSES, Answer, Base, ContentMeta, Source
from bot.content.placeholders import unknown_names
from bot.vocabulary import CANCER_TYPES, CONTENT_KEYS, EDUCATION_TOPICS, MEDICAL_TERMS, NOTE_KEYS, SITES

MAX_FOLLOW_UPS = 3


class ContentError(ValueError):
    """A content file breaks a rule; the message names the file and the entry."""


@dataclass(frozen=True)
class FollowUp:
    title: str
    topic: str
    site: Optional[str] = None
    cancer_type: Optional[str] = None


@dataclass(frozen=True)
class SourceRef:
    title: str
    url: str


@dataclass(frozen=True)
class Entry:
    """One validated content entry, as written in a file."""

    id: str
    topic: str
    site: Optional[str]
    cancer_type: Optional[str]
    status: str
    reviewed_by: str
    reviewed_on: dt.date
    version: int
    text: str
    sources: Tuple[SourceRef, ...]
    follow_ups: Tuple[FollowUp, ...] = field(default_factory=tuple)
    source_file: str = ""
    term: Optional[str] = None  # a medical word key (vocabulary.MEDICAL_TERMS)

    @property
    def key(self) -> Tuple[str, Optional[str], Optional[str]]:
        return (self.topic, self.site, self.cancer_type)

    @property
    def unique_key(self) -> Tuple[Optional[str], ...]:
        """What may be approved only once: the key, or (topic, term) for a medical word."""
        return (self.topic, None, None, self.term) if self.term else (*self.key, None)


def _fail(file: Path, entry: str, message: str) -> ContentError:
    return ContentError(f"{file}: entry {entry}: {message}")


def _optional_key(raw: Dict[str, Any], name: str, allowed: Sequence[str], file: Path,
                  label: str) -> Optional[str]:
    value = raw.get(name)
    if value in (None, ""):
        return None
    if value not in allowed:
        raise _fail(file, label, f"unknown {name} key {value!r}")
    return str(value)


def _parse_sources(raw: Any, file: Path, label: str) -> Tuple[SourceRef, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(file, label, "missing source: every answer cites at least one")
    refs = []
    for i, src in enumerate(raw, 1):
        if not isinstance(src, dict) or not str(src.get("title") or "").strip():
            raise _fail(file, label, f"source {i} has no title")
        url = str(src.get("url") or "").strip()
        if not url.startswith(("https://", "http://")):
            raise _fail(file, label, f"source {i} has no http(s) address")
        refs.append(SourceRef(title=str(src["title"]).strip(), url=url))
    return tuple(refs)


def _parse_follow_ups(raw: Any, file: Path, label: str) -> Tuple[FollowUp, ...]:
    if raw in (None, []):
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_FOLLOW_UPS:
        raise _fail(file, label, f"follow_ups must be a list of at most {MAX_FOLLOW_UPS}")
    items = []
    for i, item in enumerate(raw, 1):
        if not isinstance(item, dict) or not str(item.get("title") or "").strip():
            raise _fail(file, label, f"follow-up {i} has no title")
        if item.get("topic") not in EDUCATION_TOPICS:
            raise _fail(file, label, f"follow-up {i} has unknown topic key {item.get('topic')!r}")
        items.append(
            FollowUp(
                title=str(item["title"]).strip(),
                topic=item["topic"],
                site=_optional_key(item, "site", list(SITES), file, label),
                cancer_type=_optional_key(item, "cancer_type", list(CANCER_TYPES), file, label),
            )
        )
    return tuple(items)


def parse_entry(raw: Any, file: Path, position: int) -> Entry:
    """Validate one raw mapping from a file into an Entry, or raise ContentError."""
    if not isinstance(raw, dict):
        raise _fail(file, f"#{position}", "is not a mapping")
    entry_id = str(raw.get("id") or "").strip()
    label = repr(entry_id) if entry_id else f"#{position}"
    if not entry_id:
        raise _fail(file, label, "has no id")
    topic = raw.get("topic")
    if topic not in CONTENT_KEYS:
        raise _fail(file, label, f"unknown topic key {topic!r}")
    status = raw.get("status")
    if status not in STATUSES:
        raise _fail(file, label, f"status {status!r} is not one of {', '.join(STATUSES)}")
    reviewed_by = str(raw.get("reviewed_by") or "").strip()
    if not reviewed_by:
        raise _fail(file, label, "has no reviewed_by role")
    reviewed_on = raw.get("reviewed_on")
    if isinstance(reviewed_on, str):
        try:
            reviewed_on = dt.date.fromisoformat(reviewed_on)
        except ValueError as exc:
            raise _fail(file, label, f"reviewed_on is not a date: {exc}") from None
    if not isinstance(reviewed_on, dt.date):
        raise _fail(file, label, "has no reviewed_on date")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _fail(file, label, "version must be a positive integer")
    text = str(raw.get("text") or "").strip()
    if not text:
        raise _fail(file, label, "has no text")
    unknown = unknown_names(text)
    if unknown:
        names = ", ".join("{{" + name + "}}" for name in unknown)
        raise _fail(file, label, f"unknown placeholder {names}")
    return Entry(
        id=entry_id,
        topic=topic,
        site=_optional_key(raw, "site", list(SITES), file, label),
        cancer_type=_optional_key(raw, "cancer_type", list(CANCER_TYPES), file, label),
        status=status,
        reviewed_by=reviewed_by,
        reviewed_on=reviewed_on,
        version=version,
        text=text,
        sources=_parse_sources(raw.get("sources"), file, label),
        follow_ups=_parse_follow_ups(raw.get("follow_ups"), file, label),
        source_file=str(file),
        term=_term(raw, topic, file, label),
    )


def _term(raw: Dict[str, Any], topic: str, file: Path, label: str) -> Optional[str]:
    """An optional medical word; it must be known and answered under its own topic."""
    term = _optional_key(raw, "term", list(MEDICAL_TERMS), file, label)
    if term is not None and MEDICAL_TERMS[term][0] != topic:
        raise _fail(file, label, f"term {term!r} belongs under topic {MEDICAL_TERMS[term][0]!r}")
    return term


def read_content_file(file: Path) -> List[Entry]:
    """Parse one YAML file of the form `answers: [...]`."""
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContentError(f"{file}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("answers"), list):
        raise ContentError(f"{file}: expected a top-level 'answers:' list")
    return [parse_entry(raw, file, i) for i, raw in enumerate(doc["answers"], 1)]


def read_content_dir(directory: Path | str) -> List[Entry]:
    """Read every *.yml under `directory`, refusing duplicate ids and duplicate keys."""
    directory = Path(directory)
    files = sorted(directory.rglob("*.yml")) + sorted(directory.rglob("*.yaml"))
    if not files:
        raise ContentError(f"{directory}: no content files found")
    entries: List[Entry] = []
    seen_ids: Dict[str, Path] = {}
    seen_keys: Dict[Tuple[Any, ...], str] = {}
    for file in files:
        for entry in read_content_file(file):
            if entry.id in seen_ids:
                raise _fail(file, repr(entry.id), f"duplicate id (also in {seen_ids[entry.id]})")
            seen_ids[entry.id] = file
            if entry.status == "approved" and entry.topic not in NOTE_KEYS:
                if entry.unique_key in seen_keys:
                    raise _fail(file, repr(entry.id),
                                f"a second approved answer for {entry.unique_key} "
                                f"(also {seen_keys[entry.unique_key]!r})")
                seen_keys[entry.unique_key] = entry.id
            entries.append(entry)
    return entries


def content_version(entries: Sequence[Entry]) -> str:
    """A short hash of all entries: changes whenever any served word changes."""
    served = [{k: v for k, v in asdict(e).items() if k != "source_file"} for e in entries]
    blob = json.dumps(served, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def load_entries(engine: Engine, entries: Sequence[Entry]) -> bool:
    """Make the database hold exactly `entries`; return False when it already did."""
    if "answers" in inspect(engine).get_table_names() and "term" not in {
            c["name"] for c in inspect(engine).get_columns("answers")}:
        Base.metadata.drop_all(engine)  # made before the `term` column: rebuilt from the files
    Base.metadata.create_all(engine)
    version = content_version(entries)
    with Session(engine) as session, session.begin():
        current = session.get(ContentMeta, "version")
        if current is not None and current.value == version:
            return False
        session.execute(delete(Source))
        session.execute(delete(Answer))
        for e in entries:
            session.add(
                Answer(
                    id=e.id, topic=e.topic, site=e.site, cancer_type=e.cancer_type, term=e.term,
                    text=e.text, status=e.status, reviewed_by=e.reviewed_by,
                    reviewed_on=e.reviewed_on, version=e.version,
                    follow_ups=[asdict(f) for f in e.follow_ups], source_file=e.source_file,
                    sources=[Source(position=i, title=s.title, url=s.url)
                             for i, s in enumerate(e.sources)],
                )
            )
        if current is None:
            session.add(ContentMeta(key="version", value=version))
        else:
            current.value = version
    return True


def load_content(engine: Engine, directory: Path | str) -> Tuple[int, bool]:
    """Validate every file, then load; returns (entry count, whether anything changed)."""
    entries = read_content_dir(directory)
    return len(entries), load_entries(engine, entries)


def loaded_version(engine: Engine) -> Optional[str]:
    """The content version the database holds, or None before the first load."""
    with Session(engine) as session:
        return session.execute(
            select(ContentMeta.value).where(ContentMeta.key == "version")
        ).scalar_one_or_none()
