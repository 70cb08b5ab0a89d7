"""`make evaluate`: measure understanding and write the reports under results/.

1. `rasa test nlu` with cross-validation on the training data (intent report, confusion
   matrix image);
2. `rasa test nlu` on the held-out, entity-annotated file tests/heldout/nlu_entities.yml
   (intent and entity reports on examples the model never saw);
3. `rasa test core` on the test stories;
4. a dated summary table, docs/evaluation.md, from the JSON reports.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

from bot import build
from bot.paths import RASA, ROOT

RESULTS = ROOT / "results"
SUMMARY = ROOT / "docs" / "evaluation.md"
HELDOUT_NLU = ROOT / "tests" / "heldout" / "nlu_entities.yml"
FOLDS = int(os.environ.get("BOT_EVAL_FOLDS", "3"))
logger = logging.getLogger(__name__)


def rasa(*args: str, log: str) -> None:
    build.LOGS.mkdir(parents=True, exist_ok=True)
    with (build.LOGS / log).open("w") as out:
        done = subprocess.run([str(RASA), *args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise SystemExit(f"rasa {args[0]} {args[1]} failed; see {build.LOGS / log}")


def _rows(report: Dict[str, Dict], keys: List[str]) -> List[str]:
    rows = []
    for name in keys:
        r = report.get(name)
        if isinstance(r, dict) and "f1-score" in r:
            rows.append(f"| {name} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1-score']:.3f} "
                        f"| {int(r['support'])} |")
    return rows


def _table(title: str, path: Path) -> List[str]:
    if not path.exists():
        return [f"### {title}", "", f"(no report at `{path.relative_to(ROOT)}`)", ""]
    report = json.loads(path.read_text())
    averages = ["accuracy", "macro avg", "weighted avg", "micro avg"]
    names = sorted(k for k in report if k not in averages)
    lines = [f"### {title}", "", "| label | precision | recall | f1 | support |", "|---|---|---|---|---|"]
    lines += _rows(report, [a for a in averages if a != "accuracy"]) + _rows(report, names)
    if isinstance(report.get("accuracy"), float):
        lines.insert(2, f"accuracy: **{report['accuracy']:.3f}**\n")
    return lines + [""]


def entity_report(path: Path = HELDOUT_NLU) -> Dict[str, Dict[str, float]]:
    """Precision/recall of the spaCy entity ruler plus key mapping on the annotated held-out
    file. (Rasa's own `rasa test nlu` skips pretrained extractors such as SpacyEntityExtractor.)"""
    import spacy
    from rasa.shared.nlu.training_data.loading import load_data

    from bot import vocabulary
    from bot.nlp.pipeline import SPACY_MODEL

    nlp = spacy.load(SPACY_MODEL)
    to_key = {"site": vocabulary.site_key, "cancer_type": vocabulary.cancer_type_key}
    counts = {label: {"tp": 0, "fp": 0, "fn": 0} for label in to_key}
    for example in load_data(str(path)).intent_examples:
        gold = {(e["entity"], e["value"]) for e in example.get("entities") or []}
        found = {(ent.label_, to_key[ent.label_](ent.text)) for ent in nlp(example.get("text")).ents}
        for label in counts:
            g = {x for x in gold if x[0] == label}
            f = {x for x in found if x[0] == label}
            counts[label]["tp"] += len(g & f)
            counts[label]["fp"] += len(f - g)
            counts[label]["fn"] += len(g - f)
    report = {}
    for label, c in counts.items():
        precision = c["tp"] / max(1, c["tp"] + c["fp"])
        recall = c["tp"] / max(1, c["tp"] + c["fn"])
        report[label] = {"precision": precision, "recall": recall, "support": c["tp"] + c["fn"],
                         "f1-score": 2 * precision * recall / max(1e-9, precision + recall)}
    return report


def write_summary() -> None:
    """docs/evaluation.md: dated tables from the JSON reports that exist."""
    lines = [
        "# Evaluation results", "",
        f"Measured {dt.date.today().isoformat()} by `make evaluate` (reports and the confusion "
        "matrix image under `results/`, not committed).", "",
    ]
    lines += _table(f"Intents, {FOLDS}-fold cross-validation on data/nlu",
                    RESULTS / "nlu-cv" / "intent_report.json")
    lines += _table("Intents, held-out tests/heldout/nlu_entities.yml", RESULTS / "nlu-heldout" / "intent_report.json")
    lines += _table("Entities (spaCy entity ruler + synonyms), held-out",
                    RESULTS / "nlu-heldout" / "entity_report.json")
    lines += ["Entity spans in that file use only words listed in `bot/vocabulary.py`, so this "
              "checks the pipeline and the key mapping, not robustness to unlisted words or typos.", ""]
    story = RESULTS / "core" / "story_report.json"
    if story.exists():
        lines += _table("Test stories (actions)", story)
    SUMMARY.write_text("\n".join(lines) + "\n")


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    model = build.train()
    RESULTS.mkdir(exist_ok=True)
    logger.info("NLU cross-validation, %d folds (slow: one training per fold)", FOLDS)
    rasa("test", "nlu", "--nlu", "data/nlu", "--config", "config.yml", "--cross-validation",
         "--folds", str(FOLDS), "--out", str(RESULTS / "nlu-cv"), log="evaluate-nlu-cv.log")
    logger.info("NLU on the held-out file")
    rasa("test", "nlu", "--nlu", str(HELDOUT_NLU), "--model", str(model), "--out",
         str(RESULTS / "nlu-heldout"), log="evaluate-nlu-heldout.log")
    (RESULTS / "nlu-heldout" / "entity_report.json").write_text(json.dumps(entity_report(), indent=2))
    logger.info("test stories")
    rasa("test", "core", "--stories", "tests/test_stories.yml", "--model", str(model), "--out",
         str(RESULTS / "core"), log="evaluate-core.log")
    write_summary()
    logger.info("summary: %s", SUMMARY)
    return 0


if __name__ == "__main__":
    sys.exit(main())
