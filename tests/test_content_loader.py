"""The loader refuses bad files by name, loads idempotently, and lookup falls back from
the most specific approved answer to the general one. Real SQLite files, no mocks."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import textwrap
from pathlib import Path
from typing import Iterator

import pytest

from bot.content.db import make_engine
from bot.content.loader import ContentError, load_content, read_content_dir
from bot.content.lookup import AnswerIndex, candidate_keys
from bot.content.models import Base
from bot.infra import Infra, free_port, postgres_bin
from bot.paths import CONTENT_DIR

GOOD = """
- id: {id}
  topic: {topic}
  {extra}
  status: {status}
  reviewed_by: content editor (project team)
  reviewed_on: 2026-11-22
  version: 1
  text: Answer {id}.
  sources:
    - title: NCI
      url: https://www.cancer.gov/types/metastatic-cancer
"""


def entry(id: str, topic: str = "symptoms", extra: str = "", status: str = "approved") -> str:
    return GOOD.format(id=id, topic=topic, extra=extra, status=status)


def write(folder: Path, name: str, *entries: str) -> Path:
    file = folder / name
    file.write_text("answers:\n" + textwrap.indent("".join(entries), ""))
    return file


@pytest.fixture(scope="module")
def postgresql_url() -> Iterator[str]:
    """BOT_TEST_DATABASE_URL, or else a PostgreSQL server of the tests' own on a free port
    (Debian's package: `make test` installs it, as `make stack` does)."""
    url = os.environ.get("BOT_TEST_DATABASE_URL")
    if url:
        yield url
        return
    try:
        postgres_bin("postgres")
    except RuntimeError as missing:
        pytest.skip(str(missing))
    work = Path(tempfile.mkdtemp(prefix="bot-pg-"))
    work.chmod(0o755)  # PostgreSQL runs as its own user when the tests run as root
    server = Infra(work=work, run_dir=work / "run", log_dir=work / "logs", tracker_db=work / "unused.db",
                   pg_port=free_port())
    try:
        server.prepare()
        server.start()
        server.create_database("content_test")
        yield server.database_url("content_test")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path):
    """The embedded SQLite file, and the same tests on PostgreSQL (BOT_TEST_DATABASE_URL,
    or the tests' own server): the same code runs on both."""
    if request.param == "sqlite":
        yield make_engine(f"sqlite:///{tmp_path / 'content.db'}")
        return
    engine = make_engine(request.getfixturevalue("postgresql_url"))
    Base.metadata.drop_all(engine)
    yield engine
    Base.metadata.drop_all(engine)
    engine.dispose()


def test_missing_source_is_refused_with_file_and_entry(tmp_path: Path) -> None:
    text = entry("symptoms").split("  sources:")[0]
    write(tmp_path, "a.yml", text)
    with pytest.raises(ContentError, match=r"a\.yml: entry 'symptoms': missing source"):
        read_content_dir(tmp_path)


def test_unknown_topic_key_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "b.yml", entry("x", topic="cures"))
    with pytest.raises(ContentError, match=r"b\.yml: entry 'x': unknown topic key 'cures'"):
        read_content_dir(tmp_path)


def test_unknown_site_key_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "c.yml", entry("x", extra="site: elbow"))
    with pytest.raises(ContentError, match=r"c\.yml: entry 'x': unknown site key 'elbow'"):
        read_content_dir(tmp_path)


def test_duplicate_id_across_files_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.yml", entry("same"))
    write(tmp_path, "b.yml", entry("same", topic="treatment"))
    with pytest.raises(ContentError, match=r"b\.yml: entry 'same': duplicate id"):
        read_content_dir(tmp_path)


def test_source_without_address_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "d.yml", entry("x").replace("https://www.cancer.gov/types/metastatic-cancer", "cancer.gov"))
    with pytest.raises(ContentError, match="no http"):
        read_content_dir(tmp_path)


def test_load_is_idempotent_and_serves_only_approved(tmp_path: Path, engine) -> None:
    write(tmp_path, "a.yml", entry("symptoms"), entry("symptoms.bone", extra="site: bone"),
          entry("symptoms.liver", extra="site: liver", status="draft"),
          entry("treatment.liver", topic="treatment", extra="site: liver", status="retired"))
    assert load_content(engine, tmp_path) == (4, True)
    assert load_content(engine, tmp_path) == (4, False)
    index = AnswerIndex(engine)
    assert index.best("symptoms", "bone").id == "symptoms.bone"
    assert index.best("symptoms", "liver").id == "symptoms"  # the draft is never served
    assert index.best("treatment", "liver") is None  # retired, and no general answer


def test_lookup_falls_back_from_specific_to_general(tmp_path: Path, engine) -> None:
    write(tmp_path, "a.yml", entry("common_sites", topic="common_sites"),
          entry("common_sites.breast", topic="common_sites", extra="cancer_type: breast"),
          entry("symptoms"), entry("symptoms.bone", extra="site: bone"),
          entry("symptoms.bone.breast", extra="site: bone\n  cancer_type: breast"))
    load_content(engine, tmp_path)
    index = AnswerIndex(engine)
    assert index.best("symptoms", "bone", "breast").id == "symptoms.bone.breast"
    assert index.best("symptoms", "bone", "kidney").id == "symptoms.bone"
    assert index.best("symptoms", "brain", "breast").id == "symptoms"
    assert index.best("common_sites", "liver", "breast").id == "common_sites.breast"
    assert index.best("common_sites", None, "kidney").id == "common_sites"


def test_index_reloads_when_the_content_version_changes(tmp_path: Path, engine) -> None:
    write(tmp_path, "a.yml", entry("symptoms"))
    load_content(engine, tmp_path)
    index = AnswerIndex(engine, check_every=0)
    assert index.best("symptoms", "bone").id == "symptoms"
    write(tmp_path, "a.yml", entry("symptoms"), entry("symptoms.bone", extra="site: bone"))
    load_content(engine, tmp_path)
    assert index.best("symptoms", "bone").id == "symptoms.bone"


def test_candidate_keys_order() -> None:
    assert candidate_keys("t", "bone", "breast") == (
        ("t", "bone", "breast"), ("t", "bone", None), ("t", None, "breast"), ("t", None, None))
    assert candidate_keys("t", None, None) == (("t", None, None),)


def test_the_project_content_loads(engine) -> None:
    entries = read_content_dir(CONTENT_DIR)
    assert len(entries) >= 100
    count, changed = load_content(engine, CONTENT_DIR)
    assert (count, changed) == (len(entries), True)


def entry_with_text(id: str, text: str, topic: str = "symptoms", sources: bool = True) -> str:
    """An approved entry whose text is `text` (a JSON string is valid YAML, braces included)."""
    block = entry(id, topic=topic).replace(f"text: Answer {id}.", f"text: {json.dumps(text)}")
    return block if sources else block.split("  sources:")[0]


def test_unknown_placeholder_is_refused_with_file_and_entry(tmp_path: Path) -> None:
    write(tmp_path, "e.yml", entry_with_text("x", "Call {{ambulance_number}} now."))
    with pytest.raises(ContentError,
                       match=r"e\.yml: entry 'x': unknown placeholder \{\{ambulance_number\}\}"):
        read_content_dir(tmp_path)


def test_misspelt_red_flag_list_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "f.yml", entry_with_text("y", "Get help now:\n\n{{red_flags.urgnet}}"))
    with pytest.raises(ContentError, match=r"f\.yml: entry 'y': unknown placeholder"):
        read_content_dir(tmp_path)


def test_known_placeholders_are_accepted(tmp_path: Path) -> None:
    text = "Call {{urgent_line}} or {{emergency_number}}.\n\n{{red_flags.urgent}}\n\n{{crisis_lines}}"
    write(tmp_path, "g.yml", entry_with_text("z", text))
    assert [e.text for e in read_content_dir(tmp_path)] == [text]


def test_notes_load_without_follow_ups_but_need_sources(tmp_path: Path) -> None:
    write(tmp_path, "n.yml", entry_with_text("cancer_note.a", "Most are slow.", topic="cancer_note"),
          entry_with_text("cancer_note.b", "Ask which type.", topic="cancer_note"))
    assert [e.id for e in read_content_dir(tmp_path)] == ["cancer_note.a", "cancer_note.b"]
    write(tmp_path, "n.yml", entry_with_text("cancer_note.c", "No source.", topic="cancer_note",
                                             sources=False))
    with pytest.raises(ContentError, match=r"n\.yml: entry 'cancer_note\.c': missing source"):
        read_content_dir(tmp_path)
