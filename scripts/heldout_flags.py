"""Red-flag figures on a held-out table: the whole safety layer (rules, then the second
net), or the rules alone (--rules-only).

    .venv/bin/python scripts/heldout_flags.py tests/heldout/redflags_lead4.tsv [--rasa URL --token T]

With --rasa, each message is parsed by a running Rasa server (its HTTP API,
/model/parse) and `bot.safety.assess` gets the intent and confidence, exactly as the
action does (the classifier only counts when the second net is off). Prints recall on urgent rows
(right topic), false alarms on calm rows, and every miss and false alarm.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from bot import safety  # noqa: E402


def parse(rasa: Optional[str], token: Optional[str], text: str) -> Tuple[Optional[str], float]:
    if not rasa:
        return None, 0.0
    data = requests.post(f"{rasa}/model/parse", params={"token": token}, json={"text": text},
                         timeout=60).json()
    intent = data.get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("table")
    parser.add_argument("--rasa")
    parser.add_argument("--token")
    parser.add_argument("--rules-only", action="store_true")
    args = parser.parse_args()
    with open(args.table, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    safety.warm_up()
    misses, alarms, urgent, calm = [], [], 0, 0
    for row in rows:
        intent, confidence = parse(args.rasa, args.token, row["message"])
        flag = safety.detect(row["message"]) if args.rules_only else \
            safety.assess(row["message"], intent, confidence)
        if row["expect"] in ("emergency", "crisis"):
            urgent += 1
            if flag is None or flag.topic != row["expect"]:
                misses.append((row["message"], intent, round(confidence, 2)))
        else:
            calm += 1
            if flag is not None:
                alarms.append((row["message"], flag.topic, flag.condition))
    mode = "rules alone" if args.rules_only else "whole layer" + (" + classifier" if args.rasa else "")
    print(f"{mode}: recall {urgent - len(misses)}/{urgent}, false alarms {len(alarms)}/{calm}")
    for miss in misses:
        print("  miss:", miss)
    for alarm in alarms:
        print("  false alarm:", alarm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
