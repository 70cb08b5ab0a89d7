"""`make evaluate` writes its tables into docs/evaluation.md between two markers and keeps
the hand-written sections around them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import evaluation
from bot.evaluation import BEGIN, END, Scores


def test_the_summary_has_a_row_per_heldout_set_and_keeps_hand_written_text(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "evaluation.md"
    summary.write_text(f"# Evaluation results\n\n{BEGIN}\nold\n{END}\n\n## Decisions\nkept\n")
    monkeypatch.setattr(evaluation, "SUMMARY", summary)
    monkeypatch.setattr(evaluation, "RESULTS", tmp_path)
    line = "topic_acc=0.917 site_acc=1.000 type_acc=0.986 notice=1.000 p50_ms=21.5"
    shipped = Scores(lines={"patient_questions": line, "consumer_questions5": line},
                     figures={"patient_questions": evaluation._figures(line),
                              "consumer_questions5": evaluation._figures(line)})
    other = Scores(lines=dict(shipped.lines), figures={"patient_questions": {"topic_acc": 0.5}})
    evaluation.write_summary({"cascade (shipped)": shipped, "no embedding": other},
                             {"cascade (shipped)": "cascade", "no embedding": "none"},
                             (213, 200), ["| band |"], True)
    text = summary.read_text()
    assert "old" not in text and text.endswith("## Decisions\nkept\n")
    assert "| consumer_questions5 | 0.917 / 1.000 / 0.986 / 21.5 | nan / nan / nan / nan |" in text
    assert "| patient_questions | 0.917 / 1.000 / 0.986 / 21.5 | 0.500 / nan / nan / nan |" in text
    assert "| cross-validation accuracy (intent) | not run | not run |" in text
