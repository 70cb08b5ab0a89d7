"""Rasa's own checks on the project: data validation and the test stories on the model."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from bot import build
from bot.paths import RASA, ROOT
from bot.vocabulary import EDUCATION_TOPICS, SAFETY_TOPICS, SMALLTALK_KEYS

DATA_ARGS = ["--data", *map(str, build.TRAINING_DATA)]


def run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(RASA), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_domain_intents_are_the_contract_keys() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    expected = set(EDUCATION_TOPICS) | (set(SAFETY_TOPICS) - {"clarify"}) | set(SMALLTALK_KEYS) | {"follow_up"}
    assert set(domain["intents"]) == expected
    assert {"topic", "site", "cancer_type", "answer_id"} <= set(domain["slots"])
    assert "responses" not in domain  # every text comes from the content database


def test_every_intent_has_a_rule_and_training_examples() -> None:
    rules = yaml.safe_load((ROOT / "data" / "rules.yml").read_text())["rules"]
    ruled = {step["intent"] for rule in rules for step in rule["steps"] if "intent" in step}
    domain = set(yaml.safe_load((ROOT / "domain.yml").read_text())["intents"])
    assert domain | {"nlu_fallback"} == ruled
    examples: dict = {}
    for file in (ROOT / "data" / "nlu").rglob("*.yml"):  # every folder, counts added up
        for block in yaml.safe_load(file.read_text()).get("nlu") or []:
            if "intent" in block:
                count = len(block["examples"].strip().splitlines())
                examples[block["intent"]] = examples.get(block["intent"], 0) + count
    assert {i: examples.get(i, 0) for i in domain if examples.get(i, 0) < 40} == {}


@pytest.mark.model
def test_rasa_data_validate() -> None:
    done = run("data", "validate", "--domain", "domain.yml", "--config", "config.yml", *DATA_ARGS)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.mark.model
def test_story_tests_pass(tmp_path: Path) -> None:
    build.train()
    done = run("test", "core", "--model", str(build.MODEL), "--stories", "tests/test_stories.yml",
               "--out", str(tmp_path))
    failed = tmp_path / "failed_test_stories.yml"
    assert done.returncode == 0, done.stderr[-3000:]
    assert "story:" not in (failed.read_text() if failed.exists() else ""), failed.read_text()
