"""Check a Rasa endpoints file before Rasa reads it: every ${VARIABLE} set, none quoted.

Why: Rasa substitutes unquoted `${NAME}` from the environment, but leaves a quoted
"${NAME}" as it is, and once created a SQLite file literally named `${BOT_TRACKER_DB}` in
the project (with patients' test conversations in it). Failing loudly, with the name of
the variable, is kinder than a file named after a placeholder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Mapping

_VARIABLE = re.compile(r"(?P<quote>['\"]?)\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)\}(?P=quote)")


class EndpointsError(ValueError):
    """The endpoints file names a variable that is unset, or quotes one."""


def variables(path: Path) -> List[str]:
    """The ${NAME} variables an endpoints file uses, in order (comments ignored)."""
    names: List[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        code = line.split("#", 1)[0]
        names += [m.group("name") for m in _VARIABLE.finditer(code)]
    return list(dict.fromkeys(names))


def check(path: Path, env: Mapping[str, str]) -> None:
    """Raise EndpointsError naming the file and the variable when one is unset or quoted."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        code = line.split("#", 1)[0]
        for match in _VARIABLE.finditer(code):
            name = match.group("name")
            if match.group("quote"):
                raise EndpointsError(f"{path}:{number}: ${{{name}}} is quoted, so Rasa would not "
                                     f"substitute it; remove the quotes")
            if not str(env.get(name, "")).strip():
                raise EndpointsError(f"{path}:{number}: the variable {name} is not set")
