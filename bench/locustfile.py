"""Locust users for `make bench`: each user holds 4-turn conversations on Rasa's REST
channel, one after another, with no think time.

Run by bench/run.py with Locust headless (the bench's own virtualenv). Settings come from
the environment so the same file drives every bot:

- BENCH_SAMPLES: a JSON-lines file; each finished turn appends
  [start (epoch s), latency (ms), ok] so bench/run.py computes exact percentiles and
  throughput over the steady part of the run (Locust's own stats round latencies).
- BENCH_NOTICE: when set, a turn counts as an error unless its last text ends with it
  (our bot's contract); otherwise any JSON list answered with HTTP 200 is a success.

The messages are written for the benchmark (not taken from any evaluation set).
"""

from __future__ import annotations

import json
import os
import time
import uuid

from locust import FastHttpUser, constant, events, task

CONVERSATION = (
    "hi",
    "what does it mean when cancer has spread",
    "can it spread to the bones",
    "thank you",
)
NOTICE = os.environ.get("BENCH_NOTICE", "").strip()
_SAMPLES = []


def _ok(body: object) -> bool:
    if not isinstance(body, list):
        return False
    if not NOTICE:
        return True
    texts = [str(m["text"]) for m in body if isinstance(m, dict) and m.get("text")]
    return bool(texts) and texts[-1].rstrip().endswith(NOTICE)


class Patient(FastHttpUser):
    """One patient after another: a fresh sender id per conversation."""

    wait_time = constant(0)
    network_timeout = 120.0
    connection_timeout = 30.0

    @task
    def conversation(self) -> None:
        sender = f"bench-{uuid.uuid4().hex[:16]}"
        for text in CONVERSATION:
            started = time.time()
            with self.client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                  name="turn", catch_response=True) as response:
                try:
                    ok = response.status_code == 200 and _ok(response.json())
                except ValueError:
                    ok = False
                if ok:
                    response.success()
                else:
                    response.failure(f"HTTP {response.status_code} or reply without the notice")
                _SAMPLES.append((started, (time.time() - started) * 1000.0, ok))


@events.quitting.add_listener
def _write_samples(environment, **_kwargs) -> None:  # noqa: ANN001 (Locust's signature)
    path = os.environ.get("BENCH_SAMPLES")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            for sample in _SAMPLES:
                out.write(json.dumps(sample) + "\n")
