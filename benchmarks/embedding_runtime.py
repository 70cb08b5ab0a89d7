"""Measure the NumPy MiniLM runtime: start time (hash check + load) and time per sentence.

    .venv/bin/python -m benchmarks.embedding_runtime [--repeat 50]

Prints one line per measurement. On a shared machine run it with nothing else heavy going
on, or say that the figures were measured under load.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bot.nlp import embeddings

SENTENCES = {
    "short (4 words)": "what is ascites",
    "typical (12 words)": "what are the symptoms when breast cancer has spread to the bones",
    "long carer message (60 words)": (
        "My mum was diagnosed with breast cancer 6 years ago. She had surgery and radiotherapy "
        "and was fine. Last month she started having back pain that would not go away. Now "
        "the scan shows it is in her spine and the doctors want to talk about treatment next "
        "week. How is this usually treated and what should we ask them?"),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    t0 = time.perf_counter()
    digest = embeddings.sha256_of(embeddings.model_dir() / "model.safetensors")
    t1 = time.perf_counter()
    model = embeddings.MiniLM()
    t2 = time.perf_counter()
    print(f"sha256 check alone: {1000 * (t1 - t0):.0f} ms ({digest[:12]}...)")
    print(f"start (hash check + weights + tokenizer): {1000 * (t2 - t1):.0f} ms")
    for label, text in SENTENCES.items():
        for candidate in (text, embeddings.focus(text)):
            model.encode([candidate])
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            model.encode([embeddings.focus(text)])
            times.append(1000 * (time.perf_counter() - start))
        tokens = len(model.tokenizer.encode(embeddings.focus(text)).ids)
        print(f"{label}: {tokens} tokens embedded, p50 {statistics.median(times):.1f} ms, "
              f"p90 {sorted(times)[int(0.9 * len(times))]:.1f} ms")


if __name__ == "__main__":
    main()
