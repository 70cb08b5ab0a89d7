"""Build outputs, each made only when its inputs changed: spaCy pipeline, generated NLU
vocabulary, content database and the trained Rasa model.

Why fingerprints: a second `make run` must start in seconds, and `rasa train` costs
minutes, so each step compares a hash of its inputs with the one it recorded last time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterable, List

from filelock import FileLock

from bot import nlu_data, rasa_files
from bot.content.db import make_engine
from bot.content.loader import load_content
from bot.nlp import pipeline
from bot.paths import CONTENT_DIR, DATA, MODELS, RASA, ROOT, VAR

logger = logging.getLogger(__name__)

MODEL = MODELS / "metastasis.tar.gz"
MODEL_FINGERPRINT = MODELS / "metastasis.fingerprint"
LOGS = VAR / "logs"


#: Rasa's training data. data/content/ is not: it is the answers, loaded into the database.
TRAINING_DATA = [DATA / "nlu", DATA / "rules.yml"]


#: The project's own code that runs inside `rasa train` (custom components).
PIPELINE_CODE = [ROOT / "bot" / "nlp" / name for name in (
    "rasa_components.py", "understanding.py", "embeddings.py", "sentences.py")]
#: Rasa keeps trained components in a cache keyed by config and data, not by our code: a
#: changed component would be "restored from cache" as it was. One cache per version of
#: that code (older ones are removed) keeps data-only retraining fast and code changes real.
CACHE_ROOT = ROOT / ".rasa"


def training_inputs() -> List[Path]:
    """Everything `rasa train` reads: config, domain, NLU and rules."""
    files = [ROOT / "config.yml", ROOT / "domain.yml", DATA / "rules.yml", *PIPELINE_CODE]
    return files + sorted((DATA / "nlu").rglob("*.yml"))


def cache_directory() -> Path:
    """Rasa's training cache for the current pipeline code; caches of other versions go."""
    current = CACHE_ROOT / f"cache-{hash_files(PIPELINE_CODE, pipeline.fingerprint())}"
    for old in CACHE_ROOT.glob("cache*"):
        if old != current and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return current


def hash_files(files: Iterable[Path], extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for file in files:
        digest.update(str(file.relative_to(ROOT)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def prepare() -> None:
    """spaCy pipeline, generated vocabulary, content database and the safety net's vectors,
    each only if changed."""
    if pipeline.ensure_saved():
        logger.info("built spaCy pipeline at %s", pipeline.SPACY_MODEL)
    if nlu_data.write():
        logger.info("wrote %s", nlu_data.GENERATED)
    if rasa_files.write():
        logger.info("wrote the intents of %s and %s", rasa_files.DOMAIN, rasa_files.RULES)
    count, changed = load_content(make_engine(), CONTENT_DIR)
    logger.info("content: %d entries, %s", count, "loaded" if changed else "unchanged")
    from bot.safety import conditions, training

    training.ensure_trained(conditions())  # the second net, only if its data changed


def model_is_current() -> bool:
    return MODEL.exists() and MODEL_FINGERPRINT.exists() and (
        MODEL_FINGERPRINT.read_text().strip() == hash_files(training_inputs(), pipeline.fingerprint())
    )


def train(force: bool = False) -> Path:
    """Train with `rasa train` unless the model matches the current inputs; log to a file.

    A file lock makes a second caller (tests beside `make run`) wait and reuse the model.
    """
    prepare()
    MODELS.mkdir(exist_ok=True)
    with FileLock(str(MODELS / ".train.lock")):
        if not force and model_is_current():
            logger.info("model is up to date: %s", MODEL)
            return MODEL
        return _train()


def _train() -> Path:
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / "train.log"
    logger.info("training the Rasa model (a few minutes); log: %s", log)
    fingerprint = hash_files(training_inputs(), pipeline.fingerprint())
    command = [str(RASA), "train", "--fixed-model-name",
               "metastasis", "--out", str(MODELS), "--config", "config.yml", "--domain",
               "domain.yml", "--num-threads", "2", "--data", *map(str, TRAINING_DATA)]
    with log.open("w") as out:
        done = subprocess.run(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                              env={**os.environ, "PYTHONPATH": str(ROOT),
                                   "RASA_CACHE_DIRECTORY": str(cache_directory())})
    if done.returncode != 0:
        raise SystemExit(f"rasa train failed (exit {done.returncode}); see {log}")
    MODEL_FINGERPRINT.write_text(fingerprint + "\n")
    return MODEL
