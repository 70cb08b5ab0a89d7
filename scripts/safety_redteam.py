"""Red-team figures for the safety rules alone (no classifier, no server), and their speed.

    .venv/bin/python scripts/safety_redteam.py [table.tsv ...]

For each table in data/safety/messages/ (default: emergency.tsv and every flags_*.tsv) it prints the
recall on emergency and crisis rows (caught with the right topic), the false alarms on
calm rows, and, where the table names them, how often the condition key and the
"someone else" reading were right, per condition. The speed figures live here and not in
a unit test because wall-clock limits make tests flaky on a shared machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.helpers import SAFETY_MESSAGES, RedTeamRow, redteam_table  # noqa: E402

URGENT = ("emergency", "crisis")


def _engine() -> Any:
    import bot.safety as engine  # (the "before" figures in docs/safety.md came from bot.nlp.safety)

    return engine


def measure(rows: List[RedTeamRow], detect: Callable[[str], Any]) -> Dict[str, Any]:
    """Recall, false alarms and per-condition hits for one table."""
    urgent = [r for r in rows if r.expect in URGENT]
    calm = [r for r in rows if r.expect not in URGENT]
    misses, alarms = [], []
    per: Dict[str, List[int]] = defaultdict(lambda: [0, 0, 0])
    who_ok = who_n = 0
    for row in urgent:
        flag = detect(row.message)
        if flag is None or flag.topic != row.expect:
            misses.append((row.message, flag))
        if row.conditions:
            counts = per[row.conditions[0]]
            counts[0] += int(flag is not None and flag.topic == row.expect)
            counts[1] += int(flag is not None and flag.condition in row.conditions)
            counts[2] += 1
        if row.who and hasattr(flag, "someone_else"):
            who_n += 1
            who_ok += int(flag.someone_else == (row.who == "other"))
    for row in calm:
        flag = detect(row.message)
        if flag is not None:
            alarms.append((row.message, flag))
    return {"urgent": len(urgent), "caught": len(urgent) - len(misses), "calm": len(calm),
            "alarms": alarms, "misses": misses, "per": dict(per), "who": (who_ok, who_n)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tables", nargs="*", default=["emergency.tsv"] + sorted(
        path.name for path in SAFETY_MESSAGES.glob("flags_*.tsv")))
    parser.add_argument("--speed", action="store_true", help="also time the rules")
    args = parser.parse_args()
    engine = _engine()
    engine.warm_up()
    print(f"engine: {engine.__name__}")
    for name in args.tables:
        result = measure(redteam_table(name), engine.detect)
        print(f"\n{name}: recall {result['caught']}/{result['urgent']} "
              f"({result['caught'] / max(result['urgent'], 1):.3f}), false alarms "
              f"{len(result['alarms'])}/{result['calm']} "
              f"({len(result['alarms']) / max(result['calm'], 1):.3f})")
        if result["per"]:
            print("  expected condition: caught / right key / rows")
            for key, (caught, right, n) in sorted(result["per"].items()):
                print(f"    {key:24} {caught} / {right} / {n}")
        if result["who"][1]:
            print(f"  someone_else right: {result['who'][0]}/{result['who'][1]}")
        for message, flag in result["misses"]:
            print(f"  MISS  {message!r} -> {flag}")
        for message, flag in result["alarms"]:
            print(f"  ALARM {message!r} -> {flag}")
    if args.speed:
        rows = [r.message for name in args.tables for r in redteam_table(name)]
        timings = []
        for message in rows:
            start = time.perf_counter()
            engine.detect(message)
            timings.append(time.perf_counter() - start)
        start = time.perf_counter()
        engine.detect("i am worried about my dad and his treatment. " * 220)
        long = time.perf_counter() - start
        print(f"\nspeed: median {statistics.median(timings) * 1000:.2f} ms, max "
              f"{max(timings) * 1000:.1f} ms over {len(rows)} rows; 10,000 characters "
              f"{long * 1000:.0f} ms")


if __name__ == "__main__":
    main()
