"""The one error type of the reader, and how it shows where in a file a value was written."""

from __future__ import annotations

import json
import re
from typing import Final

Key = str | int
"""One step of a path: a mapping key (text) or a sequence index."""
Path = tuple[Key, ...]
"""Where a value sits in a document, from the root: `("config", "security-groups:groups", "web", "ingress", 0)`."""
Position = tuple[int, int]
"""(line, column), both counted from 1, as editors show them."""

_PLAIN_KEY: Final = re.compile(r"[^\s.\[\]\"']+")
"""Keys shown as they are in a dotted path; anything else is shown quoted, `["a.b"]`, so the path stays readable."""


def dotted(path: Path) -> str:
    """A path as users write config paths: `config.security-groups:groups.web.ingress[0].from[1]`."""
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        elif _PLAIN_KEY.fullmatch(step):
            text += f".{step}" if text else step
        else:
            text += f"[{json.dumps(step, ensure_ascii=False)}]"
    return text


class YamlError(ValueError):
    """A file the reader refuses: where (file, line, column, path), what is wrong, and how to fix it.

    `str()` is one line, `file:line:column: path: message; fix`, ready to print as it is.
    """

    def __init__(self, file: str, position: Position, path: Path, message: str, fix: str) -> None:
        self.file = file
        self.line, self.column = position
        self.path = path
        self.message = message
        self.fix = fix
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}: "
        if self.path:
            where += f"{dotted(self.path)}: "
        return f"{where}{self.message}; {self.fix}"
