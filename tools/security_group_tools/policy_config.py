"""`--policy-pack-config` files, read one way: preview-offline and audit refuse the same files, word for word.

`read` checks what needs no pack: the file can be read, is UTF-8 JSON (errors with line and column), is an
object, and every level is one the engine knows. `check_names` then refuses a key that names no policy of the
pack (the Pulumi CLI ignores it silently, so a typo would switch nothing on), with the closest name as a hint.
What needs the policies' schemas is checked by reconciling (`pack_runner.reconcile`), whose problems `refused`
words the same way.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from .pack_runner import ConfigError, parse_config_file
from .paths import shown

ALL: str = "all"
"""The key that sets every policy's level at once."""


class PolicyConfigError(Exception):
    """A policy config the tools refuse; each problem starts with the file, as the user should read it."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


def read(path: Path, *, hint: str) -> dict[str, Any]:
    """The document, with its levels checked; `hint` says how to name another file (`pass --policy-config <file>`)."""
    where = shown(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise PolicyConfigError([f"{where}: cannot read the policy config ({error.strerror}); {hint}"]) from None
    except UnicodeDecodeError as error:
        raise PolicyConfigError([f"{where}: not UTF-8 text (byte {error.start + 1}); JSON files are UTF-8"]) from None
    return document(where, text)


def document(where: str, text: str) -> dict[str, Any]:
    """A policy config's text read as JSON and its levels checked; each problem starts with `where`.

    The Config rule reads its `policyConfig` parameter with this too, so the two refuse the same documents.
    """
    try:
        parsed = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise PolicyConfigError([f"{where}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}"]) from None
    except ValueError as error:  # NaN, Infinity: Python reads them, JSON (and the Pulumi CLI) does not
        raise PolicyConfigError([f"{where}: not valid JSON: {error}"]) from None
    except RecursionError:  # Python's reader recurses once per level: about a thousand at most
        raise PolicyConfigError([f"{where}: nested too deeply to be a policy config"]) from None
    if not isinstance(parsed, dict):
        raise PolicyConfigError([f"{where}: expected a JSON object of policy name -> enforcement level or settings"])
    try:
        parse_config_file(parsed)
    except ConfigError as error:
        raise PolicyConfigError([f"{where}: {problem}" for problem in error.problems]) from None
    return parsed


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def check_names(path: Path, document: Mapping[str, Any], policies: Sequence[str]) -> None:
    """Every key names a policy of the pack (or is `all`); otherwise every stray key, each with a hint."""
    problems = []
    for key in document:
        if key != ALL and key not in policies:
            close = difflib.get_close_matches(key, policies, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else "; policies/README.md's catalogue lists every policy"
            problems.append(f"{shown(path)}: {key}: no policy of that name in the pack{hint}")
    if problems:
        raise PolicyConfigError(problems)


def refused(path: Path, error: ConfigError) -> PolicyConfigError:
    """What the engine would refuse when reconciling the document against the policies' schemas, per problem."""
    return PolicyConfigError([f"{shown(path)}: {problem}" for problem in error.problems])
