"""`make bench`: Rasa's starter bot and ours, side by side in one run, under Locust.

    .venv/bin/python -m bench.run [--levels 1,10,50] [--seconds 20] [--rounds 1] [--stack]

For each round, each concurrency level and each bot (interleaved, so a noisy neighbour
hurts both alike), Locust runs headless from the bench's own virtualenv
(var/bench/venv, requirements/bench.txt) with that many users, each holding 4-turn
conversations back to back. Reported per bot and level: p50/p95 turn latency, throughput
(turns/s over the steady part: the first and last seconds are left out), errors; per bot:
CPU time of its processes per turn (steadier than latency on a shared machine), resident
memory per process (now and peak), start-up time (spawn to first answered turn),
training time when it trained. Ratios are ours / starter. The median over rounds is kept.
Writes results/bench.json and results/bench.png (matplotlib, in the bench venv).

This is a benchmark, not a test: figures depend on the machine, so the load average is
recorded with them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

from bench.bots import BENCH, LOGS, ROOT, Bot, Ours, Stacked, Starter

VENV = BENCH / "venv" / "bin"
LOCUSTFILE = ROOT / "bench" / "locustfile.py"
RESULTS = ROOT / "results"
RAMP_S = 2.0  # left out at the start of each run (users starting, connections opening)
TAIL_S = 1.0  # and at the end


def percentile(values: List[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summarise(samples: List[List[float]]) -> Dict[str, Any]:
    """Latency percentiles and throughput over the steady window, errors over all turns."""
    if not samples:
        return {"turns": 0, "errors": 0, "p50_ms": float("nan"), "p95_ms": float("nan"),
                "throughput": 0.0}
    first = min(s[0] for s in samples)
    last = max(s[0] + s[1] / 1000 for s in samples)
    low, high = first + RAMP_S, last - TAIL_S
    if high - low < 2.0:  # a very short run: use all of it
        low, high = first, last
    steady = [s for s in samples if low <= s[0] + s[1] / 1000 <= high]
    latencies = [s[1] for s in steady] or [s[1] for s in samples]
    return {
        "turns": len(samples),
        "errors": sum(1 for s in samples if not s[2]),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "throughput": round(len(steady) / (high - low), 2),
    }


def locust(bot: Bot, users: int, seconds: float, tag: str) -> Dict[str, Any]:
    """One headless Locust run against a bot; returns its summary."""
    LOGS.mkdir(parents=True, exist_ok=True)
    samples = BENCH / f"samples-{tag}.jsonl"
    samples.unlink(missing_ok=True)
    env = {**os.environ, "BENCH_SAMPLES": str(samples), "BENCH_NOTICE": bot.notice}
    command = [str(VENV / "locust"), "-f", str(LOCUSTFILE), "--headless", "--only-summary",
               "--host", bot.url, "-u", str(users), "-r", str(users), "-t", f"{seconds:.0f}s",
               "--stop-timeout", "0", "--loglevel", "WARNING"]
    cpu_before = bot.cpu_s()
    with (LOGS / f"locust-{tag}.log").open("w") as log:
        subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, check=False,
                       timeout=seconds + 120)
    cpu_after = bot.cpu_s()
    rows = [json.loads(line) for line in samples.read_text().splitlines()] if samples.exists() else []
    summary: Dict[str, Any] = summarise(rows)
    # CPU time the bot's processes spent per turn: steadier than latency on a shared machine
    turns = summary["turns"] or float("nan")
    by_process = {name: round(1000 * (cpu_after.get(name, 0.0) - before) / turns, 2)
                  for name, before in cpu_before.items()}
    summary["cpu_ms_per_turn"] = round(sum(by_process.values()), 2)
    summary["cpu_ms_per_turn_by_process"] = by_process
    return summary


def warm_up(bot: Bot) -> None:
    """A few conversations first: lazy initialisation is not what a patient waits for."""
    locust(bot, users=2, seconds=5, tag=f"{bot.name}-warmup")


def median_of(runs: List[Dict[str, Any]]) -> Dict[str, Any]:
    keys = ("p50_ms", "p95_ms", "throughput", "cpu_ms_per_turn")
    out: Dict[str, Any] = {k: round(statistics.median(r[k] for r in runs), 2) for k in keys}
    out["errors"] = sum(int(r["errors"]) for r in runs)
    out["turns"] = sum(int(r["turns"]) for r in runs)
    out["cpu_ms_per_turn_by_process"] = runs[len(runs) // 2]["cpu_ms_per_turn_by_process"]
    out["rounds"] = [{k: r[k] for k in (*keys, "errors", "turns")} for r in runs]
    return out


def ratios(results: Dict[str, Dict], bot: str, levels: List[int]) -> Dict[str, Optional[float]]:
    """bot / starter: p50 and p95 (lower is better), throughput (higher is better)."""
    base, mine = results["starter"]["levels"], results[bot]["levels"]
    out: Dict[str, Optional[float]] = {}
    for level in levels:
        key = str(level)
        for metric in ("p50_ms", "p95_ms", "throughput", "cpu_ms_per_turn"):
            a, b = mine[key][metric], base[key][metric]
            out[f"{metric}@{level}"] = round(a / b, 3) if b else None
    return out


def run(levels: List[int], seconds: float, rounds: int, with_stack: bool, replicas: int,
        profile: Optional[Path]) -> Dict:
    load_start = os.getloadavg()
    starter, ours = Starter(), Ours()
    bots: List[Bot] = [starter, ours]
    print("training (only what changed)...", flush=True)
    starter.train()
    ours.train()
    if with_stack:
        bots.append(Stacked(replicas=replicas))
    samples: Dict[str, Dict[int, List[Dict[str, Any]]]] = {b.name: {n: [] for n in levels} for b in bots}
    try:
        for bot in bots:
            print(f"starting {bot.name}...", flush=True)
            bot.start()
            print(f"  {bot.name} answered its first turn after {bot.startup_s:.1f}s", flush=True)
            warm_up(bot)
        for r in range(rounds):
            for users in levels:
                for bot in bots:
                    tag = f"{bot.name}-{users}-r{r + 1}"
                    prof = _profile(bot, profile, seconds) if profile and users == levels[-1] and r == 0 \
                        else []
                    summary = locust(bot, users, seconds, tag)
                    for p in prof:
                        p.wait()
                    samples[bot.name][users].append(summary)
                    print(f"  round {r + 1} {bot.name:8s} {users:3d} users: p50 {summary['p50_ms']:7.1f} ms"
                          f"  p95 {summary['p95_ms']:7.1f} ms  {summary['throughput']:6.1f} turns/s"
                          f"  cpu {summary['cpu_ms_per_turn']:5.1f} ms/turn"
                          f"  errors {summary['errors']}/{summary['turns']}", flush=True)
        memory = {bot.name: bot.memory() for bot in bots}
    finally:
        for bot in bots:
            bot.stop()
    results: Dict[str, Dict] = {}
    for bot in bots:
        results[bot.name] = {
            "levels": {str(n): median_of(samples[bot.name][n]) for n in levels},
            "memory_mb": memory[bot.name],
            "startup_s": bot.startup_s,
            "train_s": bot.train_s,
        }
    report = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_start": [round(x, 2) for x in load_start],
                    "load_average_end": [round(x, 2) for x in os.getloadavg()]},
        "method": {"levels": levels, "seconds_per_run": seconds, "rounds": rounds,
                   "turns_per_conversation": 4, "ramp_s_left_out": RAMP_S, "tail_s_left_out": TAIL_S,
                   "load_tool": _locust_version()},
        "bots": results,
        "ratios": {b.name: ratios(results, b.name, levels) for b in bots if b.name != "starter"},
    }
    return report


def _profile(bot: Bot, folder: Path, seconds: float) -> List[subprocess.Popen]:
    """py-spy flame graphs of a bot's Python processes during one run (rate 100 Hz)."""
    folder.mkdir(parents=True, exist_ok=True)
    procs = []
    for name, pid in bot.pids().items():
        out = folder / f"flamegraph-{bot.name}-{name}.svg"
        procs.append(subprocess.Popen(
            [str(VENV / "py-spy"), "record", "--pid", str(pid), "--duration", str(int(seconds)),
             "--rate", "100", "--output", str(out), "--format", "flamegraph", "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return procs


def _locust_version() -> str:
    done = subprocess.run([str(VENV / "locust"), "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).strip().split(" from ")[0]


def table(report: Dict) -> str:
    """The report as a plain-text table (what `make bench` prints)."""
    lines = [f"make bench {report['date']}  cpus {report['machine']['cpus']}  load average "
             f"{report['machine']['load_average_start']} -> {report['machine']['load_average_end']}"]
    levels = report["method"]["levels"]
    lines.append(f"{'bot':8s} {'users':>5s} {'p50 ms':>8s} {'p95 ms':>8s} {'turns/s':>8s} {'cpu ms/turn':>11s} "
                 f"{'errors':>9s}")
    for name, bot in report["bots"].items():
        for n in levels:
            lv = bot["levels"][str(n)]
            lines.append(f"{name:8s} {n:5d} {lv['p50_ms']:8.1f} {lv['p95_ms']:8.1f} {lv['throughput']:8.1f} "
                         f"{lv['cpu_ms_per_turn']:11.1f} {lv['errors']:4d}/{lv['turns']:<4d}")
    for name, bot in report["bots"].items():
        mem = ", ".join(f"{p} {m['rss_mb']:.0f} MB (peak {m['peak_mb']:.0f})" for p, m in bot["memory_mb"].items())
        trained = f", trained in {bot['train_s']:.0f}s" if bot.get("train_s") and bot["train_s"] > 5 else ""
        lines.append(f"{name}: start-up {bot['startup_s']:.1f}s{trained}; memory: {mem}")
    for name, r in report["ratios"].items():
        lines.append(f"{name}/starter: " + ", ".join(f"{k} {v}" for k, v in r.items()))
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,10,50", help="concurrent conversations, comma-separated")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each Locust run")
    parser.add_argument("--rounds", type=int, default=2, help="repeat every run; the median is kept")
    parser.add_argument("--stack", action="store_true", help="also measure make stack (bot.topology)")
    parser.add_argument("--replicas", type=int, default=2, help="replicas for --stack")
    parser.add_argument("--profile", type=Path, default=None,
                        help="write py-spy flame graphs of the last level's first round here")
    parser.add_argument("--out", type=Path, default=RESULTS / "bench.json")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    if not (VENV / "locust").exists():
        print("the bench virtualenv is missing: run `make bench`", file=sys.stderr)
        return 2
    started = time.monotonic()
    report = run(levels, args.seconds, args.rounds, args.stack, args.replicas, args.profile)
    report["method"]["wall_s"] = round(time.monotonic() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    plot = args.out.with_suffix(".png")
    subprocess.run([str(VENV / "python"), str(ROOT / "bench" / "plot.py"), str(args.out), str(plot)], check=False)
    print(table(report))
    print(f"wrote {args.out} and {plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
