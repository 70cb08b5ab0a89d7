"""What the tests expect, read from the conversation contract (docs/conversation-contract.md),
never from the code under test: a change to the notice in code must fail the tests."""

from __future__ import annotations

import re

from bot.paths import ROOT

CONTRACT = ROOT / "docs" / "conversation-contract.md"


def contract_notice() -> str:
    """The default notice: the indented block under section 1 of the contract."""
    text = CONTRACT.read_text(encoding="utf-8")
    section = text.split("## 1.", 1)[1].split("## 2.", 1)[0]
    block = re.search(r"\n\n((?: {4}.+\n)+)", section)
    assert block, "the contract's notice block is missing"
    return " ".join(line.strip() for line in block.group(1).splitlines())


NOTICE = contract_notice()
