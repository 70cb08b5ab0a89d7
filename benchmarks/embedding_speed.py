"""The per-turn embedding cost, before and after, measured interleaved in one process.

    .venv/bin/python -m benchmarks.embedding_speed [--repeat 200] [--threads 1]

Why interleaved: the machine is shared, so a separate "before" run and "after" run would
measure the neighbours as much as the code. Here each repetition times the reference
forward pass (the implementation before issue 10's speed-up, kept below verbatim) and the
shipped one on the same sentence back to back, and the medians are compared. It also
checks that both give the same vectors (max abs difference) on the NLU examples.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import numpy as np
import yaml

from bot.nlp import embeddings

ROOT = Path(__file__).resolve().parent.parent

#: Sentences of about 5, 10, 15, 20 and 30 tokens (the bench's turns are 3 to 10).
BY_LENGTH = (
    "what is ascites",
    "what does it mean when cancer has spread",
    "what are the symptoms when breast cancer has spread to the bones",
    "my dad has bowel cancer and the doctors found spots on his liver, what does that mean",
    "my mum was told her breast cancer is now in her spine and her hip, how is this usually "
    "treated and what should we ask the doctors next week",
)


def _reference_layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + embeddings.LAYER_NORM_EPS) * gamma + beta


def _reference_gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


class Reference:
    """The forward pass as it was before the speed-up (row-major weights, SciPy's erf)."""

    def __init__(self, model: embeddings.MiniLM) -> None:
        self.model = model
        self.layers = [{name: np.ascontiguousarray(getattr(layer, name))
                        for name in embeddings._Layer.__dataclass_fields__}
                       for layer in model.layers]

    def encode_ids(self, ids: np.ndarray) -> np.ndarray:
        m, n = self.model, len(ids)
        x = m.word[ids] + m.position[:n] + m.token_type
        x = _reference_layer_norm(x, *m.emb_ln)
        size = embeddings.DIMENSION // embeddings.HEADS
        for layer in self.layers:
            qkv = x @ layer["qkv_w"] + layer["qkv_b"]
            q, k, v = (qkv[:, i * embeddings.DIMENSION:(i + 1) * embeddings.DIMENSION]
                       .reshape(n, embeddings.HEADS, size).transpose(1, 0, 2) for i in range(3))
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(size)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, embeddings.DIMENSION)
            x = _reference_layer_norm(context @ layer["out_w"] + layer["out_b"] + x,
                                      layer["ln1_g"], layer["ln1_b"])
            hidden = _reference_gelu(x @ layer["up_w"] + layer["up_b"])
            x = _reference_layer_norm(hidden @ layer["down_w"] + layer["down_b"] + x,
                                      layer["ln2_g"], layer["ln2_b"])
        pooled = x.mean(0)
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)

    def encode(self, texts: List[str]) -> np.ndarray:
        ids = [np.asarray(self.model.tokenizer.encode(t or "").ids, dtype=np.int64) for t in texts]
        return np.stack([self.encode_ids(row) for row in ids]).astype(np.float32)


def varied_sentences(limit: int = 400) -> List[str]:
    """NLU examples from every intent file (every k-th, so all topics are in), the bench's
    turns, and a few long carer messages (through `focus`, as a turn embeds them)."""
    texts: List[str] = []
    for path in sorted((ROOT / "data" / "nlu").rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    texts.append(line[2:].strip())
    step = max(1, len(texts) // limit)
    chosen = texts[::step][:limit]
    chosen += ["hi", "thank you", "can it spread to the bones", ".", "?", "a " * 300, *BY_LENGTH]
    chosen.append(embeddings.focus(
        "My mum was diagnosed with breast cancer 6 years ago. She had surgery and radiotherapy "
        "and was fine. Last month she started having back pain. Now the scan shows it is in her "
        "spine. How is this usually treated and what should we ask them?"))
    return chosen


def compare(model: embeddings.MiniLM, reference: Reference, texts: List[str]) -> Tuple[float, float]:
    """Max abs difference of the vectors, one sentence at a time and in training batches."""
    ref = reference.encode(texts)
    one = float(np.abs(model.encode(texts) - ref).max())
    batched = float(np.abs(model.encode(texts, batch_size=32) - ref).max())
    return one, batched


Timing = Tuple[int, float, float, float, float]


def interleaved(model: embeddings.MiniLM, reference: Reference, repeat: int) -> Dict[str, Timing]:
    """Tokens, then p50 wall ms and p50 CPU ms (this process, all its threads, so a
    spinning BLAS thread counts) per sentence, before and after, timed alternately."""
    results = {}
    for text in BY_LENGTH:
        ids = np.asarray(model.tokenizer.encode(text).ids, dtype=np.int64)
        runs: Dict[str, Callable[[], object]] = {
            "before": lambda t=text: reference.encode([t]), "after": lambda t=text: model.encode([t])}
        wall: Dict[str, List[float]] = {"before": [], "after": []}
        cpu: Dict[str, List[float]] = {"before": [], "after": []}
        for f in runs.values():
            f()
        for i in range(repeat):
            for name in (("before", "after") if i % 2 else ("after", "before")):
                start, start_cpu = time.perf_counter(), time.process_time()
                runs[name]()
                wall[name].append(1000 * (time.perf_counter() - start))
                cpu[name].append(1000 * (time.process_time() - start_cpu))
        results[text] = (len(ids), statistics.median(wall["before"]), statistics.median(wall["after"]),
                         statistics.median(cpu["before"]), statistics.median(cpu["after"]))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--threads", type=int, default=0,
                        help="BLAS threads for the reference pass too (0: leave as is)")
    args = parser.parse_args()
    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads, user_api="blas")
    model = embeddings.MiniLM()
    reference = Reference(model)
    texts = varied_sentences()
    one, batched = compare(model, reference, texts)
    print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"load average {os.getloadavg()[0]:.2f}, {len(texts)} sentences: max abs difference "
          f"{one:.2e} one at a time, {batched:.2e} in batches of 32")
    for text, (tokens, before, after, cpu_before, cpu_after) in interleaved(
            model, reference, args.repeat).items():
        print(f"{tokens:3d} tokens: wall p50 {before:6.2f} -> {after:6.2f} ms ({before / after:.1f}x), "
              f"CPU p50 {cpu_before:6.2f} -> {cpu_after:6.2f} ms ({cpu_before / cpu_after:.1f}x)  "
              f"{text[:30]!r}")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
