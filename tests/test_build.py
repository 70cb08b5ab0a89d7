"""`make train` / `bot.build.train()` retrains only when its inputs changed.

The fingerprint logic is tested without training: a retrain costs minutes, and what can
go wrong is the comparison (a changed input not noticed, or an unchanged one retraining).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Iterator, List

import pytest

from bot import build
from bot.paths import ROOT, VAR


@pytest.fixture
def extra_input(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary training input (inside the project, as `hash_files` names files by their
    path from ROOT), added to `build.training_inputs()`; removed afterwards."""
    VAR.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="test-build-", dir=VAR))
    extra = folder / "extra_nlu.yml"
    extra.write_text("version: '3.1'\nnlu: []\n", encoding="utf-8")
    real_inputs = build.training_inputs

    def inputs() -> List[Path]:
        return real_inputs() + [extra]

    monkeypatch.setattr(build, "training_inputs", inputs)
    yield extra
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def fake_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra_input: Path) -> Path:
    """A model file and its fingerprint, recorded for the current inputs, in a temp folder."""
    model, stamp = tmp_path / "metastasis.tar.gz", tmp_path / "metastasis.fingerprint"
    model.write_bytes(b"not a real model")
    monkeypatch.setattr(build, "MODEL", model)
    monkeypatch.setattr(build, "MODEL_FINGERPRINT", stamp)
    stamp.write_text(build.hash_files(build.training_inputs(), build.pipeline.fingerprint()) + "\n")
    return model


def test_fingerprint_follows_content_not_timestamps(fake_model: Path, extra_input: Path) -> None:
    assert build.model_is_current()
    extra_input.touch()  # a newer mtime, the same content: no retrain
    assert build.model_is_current()
    extra_input.write_text("version: '3.1'\nnlu:\n- intent: greet\n  examples: |\n    - hiya\n",
                           encoding="utf-8")
    assert not build.model_is_current(), "a changed training input went unnoticed"


def test_a_missing_model_or_fingerprint_is_not_current(fake_model: Path) -> None:
    assert build.model_is_current()
    build.MODEL_FINGERPRINT.unlink()
    assert not build.model_is_current()
    build.MODEL_FINGERPRINT.write_text("0" * 16 + "\n")
    assert not build.model_is_current(), "a stale fingerprint was accepted"
    build.MODEL.unlink()
    assert not build.model_is_current()


def test_training_inputs_cover_config_domain_rules_and_every_nlu_file() -> None:
    inputs = set(build.training_inputs())
    assert {ROOT / "config.yml", ROOT / "domain.yml", ROOT / "data" / "rules.yml"} <= inputs
    nlu = set((ROOT / "data" / "nlu").rglob("*.yml"))
    assert nlu and nlu <= inputs  # sub-folders too (data/nlu/generated/)


@pytest.mark.model
def test_train_does_not_call_rasa_when_the_model_is_current(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the real trained model: train() is a no-op (no `rasa train`, model untouched)."""
    if not build.model_is_current():
        pytest.fail("the model is not current for these inputs: run `make train` first")
    before = build.MODEL.stat().st_mtime_ns

    def no_rasa(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"train() ran a command although the model is current: {args}")

    monkeypatch.setattr(build.subprocess, "run", no_rasa)
    assert build.train() == build.MODEL
    assert build.MODEL.stat().st_mtime_ns == before
    assert build.model_is_current()


@pytest.mark.model
def test_a_changed_input_makes_the_real_model_stale(extra_input: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The real model's recorded fingerprint, against the real inputs plus one temp file."""
    real = build.hash_files([p for p in build.training_inputs() if p != extra_input],
                            build.pipeline.fingerprint())
    if build.MODEL_FINGERPRINT.read_text().strip() != real:
        pytest.fail("the model is not current for these inputs: run `make train` first")
    assert not build.model_is_current(), "an extra training input went unnoticed"
    calls: List[object] = []
    monkeypatch.setattr(build, "_train", lambda: calls.append("rasa train") or build.MODEL)
    build.train()
    assert calls == ["rasa train"], "train() did not retrain for a changed input"


def test_rasas_cache_follows_the_pipeline_code(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    """Rasa restores trained components from its cache by config and data alone: a change
    to our components' code must get a cache of its own (and the old one goes)."""
    monkeypatch.setattr(build, "CACHE_ROOT", tmp_path)
    stale = tmp_path / "cache"
    stale.mkdir()
    first = build.cache_directory()
    assert first.parent == tmp_path and first.name.startswith("cache-")
    assert not stale.exists()
    first.mkdir()
    assert build.cache_directory() == first and first.exists()  # same code: kept
    monkeypatch.setattr(build, "hash_files", lambda files, extra="": "changed0123456789")
    assert build.cache_directory().name == "cache-changed0123456789"
    assert not first.exists()
