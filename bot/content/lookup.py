"""Find the best approved answer for (topic, site, cancer type), from memory.

The action server loads every approved answer once and re-reads the database only when
the content version changes (checked at most every few seconds), so a turn costs no
database round trip on the hot path.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.content.loader import FollowUp, SourceRef, loaded_version
from bot.content.models import Answer
from bot.vocabulary import NOTE_KEYS

Key = Tuple[str, Optional[str], Optional[str]]


@dataclass(frozen=True)
class ServedAnswer:
    """An approved answer as the reply layer needs it (detached from the session)."""

    id: str
    topic: str
    site: Optional[str]
    cancer_type: Optional[str]
    text: str
    sources: Tuple[SourceRef, ...]
    follow_ups: Tuple[FollowUp, ...]
    reviewed_by: str
    reviewed_on: dt.date
    version: int
    term: Optional[str] = None


def candidate_keys(topic: str, site: Optional[str], cancer_type: Optional[str]) -> Tuple[Key, ...]:
    """Most specific first: both keys, site only, cancer type only, general."""
    keys = [(topic, site, cancer_type), (topic, site, None), (topic, None, cancer_type),
            (topic, None, None)]
    return tuple(dict.fromkeys(keys))  # drop repeats, keep order


class AnswerIndex:
    """All approved answers in memory, refreshed when the content version changes."""

    def __init__(self, engine: Engine, check_every: float = 5.0) -> None:
        self._engine = engine
        self._check_every = check_every
        self._lock = threading.Lock()
        self._answers: Dict[Key, ServedAnswer] = {}
        self._by_id: Dict[str, ServedAnswer] = {}
        self._by_term: Dict[Tuple[str, str], ServedAnswer] = {}
        self._version: Optional[str] = None
        self._checked_at = 0.0

    def _read_all(self) -> List[ServedAnswer]:
        with Session(self._engine) as session:
            rows = session.execute(select(Answer).where(Answer.status == "approved")).scalars()
            return [
                ServedAnswer(
                    id=a.id, topic=a.topic, site=a.site, cancer_type=a.cancer_type,
                    text=a.text,
                    sources=tuple(SourceRef(s.title, s.url) for s in a.sources),
                    follow_ups=tuple(FollowUp(**f) for f in a.follow_ups or []),
                    reviewed_by=a.reviewed_by, reviewed_on=a.reviewed_on, version=a.version,
                    term=a.term,
                )
                for a in rows
            ]

    def refresh(self, force: bool = False) -> None:
        """Reload when the stored content version differs; raises if the DB is down."""
        now = time.monotonic()
        if not force and self._answers and now - self._checked_at < self._check_every:
            return
        with self._lock:
            version = loaded_version(self._engine)
            if force or version != self._version or not self._answers:
                answers = self._read_all()
                # Notes are found by id only: they are never the answer to a question.
                self._answers = {(a.topic, a.site, a.cancer_type): a for a in answers
                                 if a.topic not in NOTE_KEYS and a.term is None}
                self._by_term = {(a.topic, a.term): a for a in answers if a.term is not None}
                self._by_id = {a.id: a for a in answers}
                self._version = version
            self._checked_at = now

    def best(self, topic: str, site: Optional[str] = None, cancer_type: Optional[str] = None,
             term: Optional[str] = None) -> Optional[ServedAnswer]:
        """The most specific approved answer for the key, falling back to the general one.
        A medical word ("ascites") is tried first: (topic, term), then the usual keys."""
        self.refresh()
        if term is not None and (topic, term) in self._by_term:
            return self._by_term[(topic, term)]
        for key in candidate_keys(topic, site, cancer_type):
            answer = self._answers.get(key)
            if answer is not None:
                return answer
        return None

    def by_id(self, answer_id: str) -> Optional[ServedAnswer]:
        """One approved entry by its id (notes such as `cancer_note.skin_cancer`)."""
        self.refresh()
        return self._by_id.get(answer_id)


_default_index: Optional[AnswerIndex] = None


def default_index() -> AnswerIndex:
    """The process-wide index over the configured database (created on first use)."""
    global _default_index
    if _default_index is None:
        from bot.content.db import make_engine

        _default_index = AnswerIndex(make_engine())
    return _default_index
