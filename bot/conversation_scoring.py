"""Whole conversations scored against a running assistant, turn by turn.

The same rules as the shared `conversations.py` (which is fixed to port 5005): each
conversation (rows sharing `conv`) goes to one sender; after every turn the tracker's
topic ('-' = small talk, topic null), site and cancer type are compared with the row.
Used by `make evaluate` (bot/evaluation.py) and tests/test_heldout_accuracy.py.
"""

from __future__ import annotations

import csv
import json
import secrets
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Tuple

from bot.paths import ROOT

CONVERSATIONS = ROOT / "tests" / "heldout" / "conversations.tsv"
#: Floors on the team's held-out conversations (tests/heldout/conversations.tsv), set from
#: the figures measured on 2026-11-30 minus a margin for retraining noise.
CONVERSATION_FLOORS = {"turn_acc": 0.9, "site_acc": 0.95, "type_acc": 0.95, "notice": 1.0}
NOTICE_START = "This information is educational only"


def _turn(url: str, token: str, sender: str, text: str) -> Tuple[Dict[str, Any], str]:
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook",
                                     data=json.dumps({"sender": sender, "message": text}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as r:
        messages = json.loads(r.read() or b"[]")
    with urllib.request.urlopen(f"{url}/conversations/{sender}/tracker?token={token}",
                                timeout=30) as r:
        slots = json.loads(r.read()).get("slots", {})
    texts = [m.get("text", "") for m in messages if m.get("text")]
    return slots, texts[-1] if texts else ""


def score_conversations(url: str, token: str, path: Path) -> Tuple[str, List[str]]:
    """Whole conversations, turn by turn to one sender, scored the way the shared
    conversations.py scores them: the tracker's topic ('-' = small talk, topic null), site
    and cancer type after each turn. Returns its summary line and the misses."""
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    convs: Dict[str, List[Dict[str, str]]] = {}
    for row in rows:
        convs.setdefault(row["conv"], []).append(row)
    n = ok = site_n = site_ok = type_n = type_ok = notice = whole = 0
    misses = []
    for cid, turns in convs.items():
        sender = f"evalconv-{secrets.token_hex(5)}"
        right = True
        for row in turns:
            slots, last = _turn(url, token, sender, row["message"])
            n += 1
            notice += NOTICE_START in last
            accept = set(row["accept_topics"].split("|"))
            hit = slots.get("topic") is None if accept == {"-"} else slots.get("topic") in accept
            for key, count in (("site", "site"), ("cancer_type", "type")):
                if row[key]:
                    good = slots.get(key) == row[key]
                    if count == "site":
                        site_n, site_ok = site_n + 1, site_ok + good
                    else:
                        type_n, type_ok = type_n + 1, type_ok + good
                    hit = hit and good
            ok += hit
            if not hit:
                right = False
                misses.append(f"MISS {cid}: {row['message'][:60]!r} -> topic={slots.get('topic')} "
                              f"site={slots.get('site')} type={slots.get('cancer_type')} want "
                              f"{row['accept_topics']} {row['site']} {row['cancer_type']}")
        whole += right
    line = (f"turn_acc={ok / max(n, 1):.3f} site_acc={site_ok / max(site_n, 1):.3f} "
            f"type_acc={type_ok / max(type_n, 1):.3f} convs_all_right={whole}/{len(convs)} "
            f"notice={notice / max(n, 1):.3f}")
    return line, misses
