"""SQLAlchemy 1.4 schema of the content database.

Only rows with status "approved" are ever served; the other statuses keep drafts and
retired answers visible to editors in the same place.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeMeta, declarative_base, relationship

Base: DeclarativeMeta = declarative_base()  # annotated so type checkers accept it as a base

STATUSES = ("draft", "in_review", "approved", "retired")


class Answer(Base):
    """One vetted answer for a (topic, site, cancer type) key."""

    __tablename__ = "answers"

    id = Column(String(120), primary_key=True)
    topic = Column(String(40), nullable=False, index=True)
    site = Column(String(40), nullable=True)
    cancer_type = Column(String(40), nullable=True)
    text = Column(Text, nullable=False)
    status = Column(String(20), nullable=False)
    reviewed_by = Column(String(200), nullable=False)
    reviewed_on = Column(Date, nullable=False)
    version = Column(Integer, nullable=False)
    follow_ups = Column(JSON, nullable=False, default=list)
    source_file = Column(String(300), nullable=False)
    sources = relationship(
        "Source", order_by="Source.position", cascade="all, delete-orphan", lazy="selectin"
    )


class Source(Base):
    """A public, authoritative page an answer was checked against."""

    __tablename__ = "sources"

    id = Column(Integer, primary_key=True, autoincrement=True)
    answer_id = Column(String(120), ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    position = Column(Integer, nullable=False)
    title = Column(String(300), nullable=False)
    url = Column(String(500), nullable=False)


class ContentMeta(Base):
    """Key/value facts about the loaded content; `version` changes when any entry does."""

    __tablename__ = "content_meta"

    key = Column(String(40), primary_key=True)
    value = Column(String(200), nullable=False)
