"""Do the trained NLU's intents change with the faster embedding? Parse the same messages
with the embedding as it was before issue 10's speed-up and as it is now.

    .venv/bin/python -m benchmarks.embedding_classifications [--model models/metastasis.tar.gz]

Messages: the varied sentences of benchmarks/embedding_speed.py (NLU examples of every
intent file, the bench's turns, long messages) and, when present, the shared development
questions (../shared/eval/dev_questions.tsv). Every message goes through the whole
pipeline; only the unsure ones reach the embedding, and those are counted.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
from pathlib import Path
from typing import Any, Dict, List

import numpy as np

from benchmarks.embedding_speed import Reference, varied_sentences
from bot.nlp import embeddings

ROOT = Path(__file__).resolve().parent.parent


def messages() -> List[str]:
    texts = varied_sentences()
    dev = ROOT.parent / "shared" / "eval" / "dev_questions.tsv"
    if dev.exists():
        with dev.open(encoding="utf-8") as f:
            texts += [row["question"] for row in csv.DictReader(f, delimiter="\t")]
    return [t for t in texts if t.strip()]


async def parse_all(agent: Any, texts: List[str]) -> List[Dict[str, Any]]:
    return [await agent.parse_message(text) for text in texts]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=str(ROOT / "models" / "metastasis.tar.gz"))
    args = parser.parse_args()
    from rasa.core.agent import Agent

    agent = Agent.load(args.model)
    texts = messages()
    model = embeddings.model()
    reference = Reference(model)
    fast = embeddings.MiniLM.encode
    embedded: List[str] = []

    def counting(self: embeddings.MiniLM, batch: Any, batch_size: int = 1) -> np.ndarray:
        embedded.extend(batch)
        return fast(self, batch, batch_size)

    embeddings.MiniLM.encode = counting  # type: ignore[method-assign]
    after = asyncio.run(parse_all(agent, texts))
    embeddings.MiniLM.encode = lambda self, batch, batch_size=1: reference.encode(list(batch))  # type: ignore[method-assign]
    before = asyncio.run(parse_all(agent, texts))
    embeddings.MiniLM.encode = fast  # type: ignore[method-assign]
    changed = [(t, b["intent"]["name"], a["intent"]["name"])
               for t, b, a in zip(texts, before, after, strict=True)
               if b["intent"]["name"] != a["intent"]["name"]]
    confidence = max(abs(x["confidence"] - y["confidence"])
                     for b, a in zip(before, after, strict=True)
                     for x, y in zip(b["intent_ranking"], a["intent_ranking"], strict=True))
    print(f"{len(texts)} messages, {len(embedded)} went down the embedding path; intents changed: "
          f"{len(changed)} {changed[:5]}; max confidence difference in the rankings {confidence:.2e}")


if __name__ == "__main__":
    main()
