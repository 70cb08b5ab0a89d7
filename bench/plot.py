"""Plot results/bench.json: latency and throughput per concurrency level, one line per bot.

    var/bench/venv/bin/python bench/plot.py results/bench.json results/bench.png

Runs in the bench's own virtualenv (matplotlib is not a dependency of the assistant).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)


def main(source: Path, target: Path) -> None:
    report = json.loads(source.read_text())
    levels = report["method"]["levels"]
    fig, (lat, thr, mem) = plt.subplots(1, 3, figsize=(15, 4.5))
    for name, bot in report["bots"].items():
        p50 = [bot["levels"][str(n)]["p50_ms"] for n in levels]
        p95 = [bot["levels"][str(n)]["p95_ms"] for n in levels]
        line = lat.plot(levels, p50, marker="o", label=f"{name} p50")[0]
        lat.plot(levels, p95, marker="x", linestyle="--", color=line.get_color(), label=f"{name} p95")
        thr.plot(levels, [bot["levels"][str(n)]["throughput"] for n in levels], marker="o", label=name)
    names = list(report["bots"])
    bottoms = [0.0] * len(names)
    processes = sorted({p for bot in report["bots"].values() for p in bot["memory_mb"]})
    for process in processes:
        values = [report["bots"][n]["memory_mb"].get(process, {}).get("rss_mb", 0.0) for n in names]
        mem.bar(names, values, bottom=bottoms, label=process)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    for axis, title, unit in ((lat, "turn latency", "ms"), (thr, "throughput", "turns/s")):
        axis.set_xscale("log")
        axis.set_xticks(levels, [str(n) for n in levels])
        axis.set_xlabel("concurrent conversations")
        axis.set_ylabel(unit)
        axis.set_title(title)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    mem.set_title("resident memory after the runs")
    mem.set_ylabel("MB")
    mem.legend(fontsize=8)
    load = report["machine"]["load_average_start"][0]
    fig.suptitle(f"make bench {report['date']} ({report['machine']['cpus']} CPUs, load average {load})")
    fig.tight_layout()
    fig.savefig(target, dpi=110)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
