"""What the embedding costs inside a running Rasa server, and how many bench turns pay it.

    .venv/bin/python -m benchmarks.embedding_in_server [--conversations 30] [--concurrency 1 4]

Starts the assistant as `make run` does (bot.services.Stack, the trained model under
models/, on spare ports) with a small start-up hook in the Rasa server that times every
call of `MiniLM.encode` (wall and the calling thread's CPU) and, alternately, runs the
pass as it was before issue 10's speed-up (benchmarks/embedding_speed.Reference: row-major
weights, SciPy's erf, BLAS threads left at OpenBLAS's default). Old and new thus share
one process, its caches and its neighbours, call by call. Then it holds the bench's
4-turn conversations (bench/locustfile.py) over REST at each concurrency and reports the
share of turns that embedded and the per-call p50 of each implementation.

Why not a hot loop: between two turns the server parses, reads and writes the tracker and
calls the action server, so the weights are no longer in the CPU's caches when the next
embedding starts.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import json
import os
import statistics
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, List, Tuple

from bot.services import Ports, Stack

ROOT = Path(__file__).resolve().parent.parent

HOOK = '''
import json, os, sys, time
sys.path.insert(0, os.path.join(os.environ["EMBED_ROOT"], "benchmarks"))
from bot.nlp import embeddings

_encode = embeddings.MiniLM.encode
_state = {"calls": 0, "reference": None}

def encode(self, texts, batch_size=1):
    if batch_size > 1:
        return _encode(self, texts, batch_size)
    _state["calls"] += 1
    with open(os.environ["EMBED_MODE"]) as f:
        mode = f.read().strip()
    old = mode in ("before", "before-one-thread") or (mode == "alternate" and _state["calls"] % 2 == 0)
    if old and _state["reference"] is None:
        from embedding_speed import Reference
        _state["reference"] = Reference(self)
    start, cpu = time.perf_counter(), time.process_time()
    if mode == "before-one-thread":
        with self._one_blas_thread():
            out = _state["reference"].encode(list(texts))
    else:
        out = _state["reference"].encode(list(texts)) if old else _encode(self, texts, batch_size)
    record = {"impl": "before" if old else "after", "texts": list(texts),
              "tokens": [len(self.tokenizer.encode(t or "").ids) for t in texts],
              "wall_ms": 1000 * (time.perf_counter() - start),
              "cpu_ms": 1000 * (time.process_time() - cpu)}
    with open(os.environ["EMBED_LOG"], "a") as log:
        log.write(json.dumps(record) + "\\n")
    return out

embeddings.MiniLM.encode = encode
'''


def bench_conversation() -> Tuple[str, ...]:
    """The CONVERSATION tuple of bench/locustfile.py (read, not imported: Locust lives in
    the bench's own venv)."""
    tree = ast.parse((ROOT / "bench" / "locustfile.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "CONVERSATION":
            return tuple(ast.literal_eval(node.value))
    raise LookupError("CONVERSATION not found in bench/locustfile.py")


def converse(url: str, turns: Tuple[str, ...], count: int, latencies: List[float]) -> None:
    """`count` conversations of `turns`, one after another, each with a fresh sender."""
    for _ in range(count):
        sender = f"embed-{uuid.uuid4().hex[:12]}"
        for text in turns:
            body = json.dumps({"sender": sender, "message": text}).encode()
            request = urllib.request.Request(f"{url}/webhooks/rest/webhook", body,
                                             {"Content-Type": "application/json"})
            start = time.perf_counter()
            with urllib.request.urlopen(request, timeout=60) as response:
                json.load(response)
            latencies.append(1000 * (time.perf_counter() - start))


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, all its threads (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle(pid: int, timeout: float = 90.0) -> None:
    """Wait until the server is idle: after its first turns, Rasa goes on importing
    TensorFlow in the background for several seconds, which would be charged to
    whichever implementation ran first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        time.sleep(1.0)
        if cpu_seconds(pid) - before < 0.03:
            return


def run_phase(stack: Stack, turns: Tuple[str, ...], level: int, conversations: int) -> Tuple[int, float, List[float]]:
    """Turns answered, Rasa server CPU seconds, turn latencies for one phase."""
    pid = stack.processes["rasa"].pid
    latencies: List[float] = []
    per_thread = max(1, conversations // level)
    threads = [threading.Thread(target=converse, args=(stack.rasa_url, turns, per_thread, latencies))
               for _ in range(level)]
    cpu = cpu_seconds(pid)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return per_thread * level * len(turns), cpu_seconds(pid) - cpu, latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=30, help="per phase")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--rounds", type=int, default=3, help="before/after phase pairs per level")
    parser.add_argument("--before", choices=["before", "before-one-thread"], default="before",
                        help="before-one-thread: the old pass on one BLAS thread (what the layout "
                             "and arithmetic changes alone are worth)")
    parser.add_argument("--port", type=int, default=5705, help="Rasa; actions on port + 50")
    args = parser.parse_args()
    turns = bench_conversation()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
        log, mode = Path(tmp) / "encode.jsonl", Path(tmp) / "mode"
        mode.write_text("alternate")
        env = {"PYTHONPATH": f"{tmp}{os.pathsep}{ROOT}", "EMBED_LOG": str(log),
               "EMBED_MODE": str(mode), "EMBED_ROOT": str(ROOT)}
        ports = Ports(rasa=args.port, actions=args.port + 50, web=args.port + 100)
        stack = Stack(ports=ports, env=env, tracker_db=Path(tmp) / "conversations.db",
                      log_dir=Path(tmp) / "logs")
        stack.start(only=["actions", "rasa"])  # not `with`: __enter__ would start all again
        try:
            converse(stack.rasa_url, turns, 4, [])  # warm up: both implementations loaded
            settle(stack.processes["rasa"].pid)
            print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
                  f"load average {os.getloadavg()[0]:.2f}; bench turns: {turns}")
            for level in args.concurrency:
                results: Dict[str, List[Tuple[int, float, List[float], List[dict]]]] = {"before": [], "after": []}
                for i in range(args.rounds):
                    for impl in (("before", "after") if i % 2 == 0 else ("after", "before")):
                        mode.write_text(args.before if impl == "before" else impl)
                        log.write_text("")
                        count, cpu, latencies = run_phase(stack, turns, level, args.conversations)
                        records = [json.loads(line) for line in log.read_text().splitlines()]
                        results[impl].append((count, cpu, latencies, records))
                report(level, results)
        finally:
            stack.stop()
        print(f"load average at the end {os.getloadavg()[0]:.2f}")


def report(level: int, results: Dict[str, List[Tuple[int, float, List[float], List[dict]]]]) -> None:
    for impl, phases in results.items():
        turns = sum(p[0] for p in phases)
        records = [r for p in phases for r in p[3]]
        embedded: Dict[str, int] = {}
        for record in records:
            for text in record["texts"]:
                embedded[text] = embedded.get(text, 0) + 1
        cpu_per_turn = statistics.median(1000 * p[1] / p[0] for p in phases)
        latency = statistics.median(x for p in phases for x in p[2])
        print(f"{level} at once, {impl}: {len(records)} of {turns} turns embedded "
              f"({len(records) / turns:.0%}: {embedded}); per embedding wall p50 "
              f"{statistics.median(r['wall_ms'] for r in records):.1f} ms, process CPU p50 "
              f"{statistics.median(r['cpu_ms'] for r in records):.1f} ms; Rasa CPU per turn "
              f"{cpu_per_turn:.1f} ms (median of {len(phases)} phases), turn p50 {latency:.1f} ms")


if __name__ == "__main__":
    main()
