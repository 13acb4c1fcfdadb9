"""What a message may say about free text that arrived in a secret envelope: what is wrong, never what it says.

`text.text_problems` describes a problem by the text's length and its first offending character, and
`rules.missing_reason` may name the placeholder a description matched: both fine for plain text, but each
repeats part of a secret. These give the same number of problems for the same text, worded without any of it,
so a secret changes no verdict and no count of findings.
"""

from __future__ import annotations

from .rules import missing_reason
from .tables import TEXT_ALLOWED_CHARACTERS, TEXT_MAX_LENGTH
from .text import text_problems
from .wire import Text, TextState

SECRET_TEXT = "a secret value"
"""How a message refers to secret text it cannot quote."""


def problems_of(text: Text, subject: str, max_length: int = TEXT_MAX_LENGTH) -> list[str]:
    """`text_problems` for present text, worded without quoting it when it is secret."""
    if not text.secret:
        return text_problems(text.value, subject, max_length)
    problems = []
    if len(text.value) > max_length:
        problems.append(f"{subject} ({SECRET_TEXT}) is longer than AWS allows ({max_length} characters at most)")
    if any(char not in TEXT_ALLOWED_CHARACTERS for char in text.value):
        problems.append(
            f"{subject} ({SECRET_TEXT}) contains characters AWS rejects "
            "(allowed: letters, digits, space and . _ - : / ( ) # , @ [ ] + = & ; { } ! $ *)"
        )
    return problems


def missing_reason_of(text: Text) -> str | None:
    """`missing_reason`, without naming the placeholder a secret description matched."""
    reason = missing_reason(text)
    if reason is not None and text.secret and text.state is TextState.PRESENT and text.value.strip():
        # Text that is neither empty nor blank only counts as missing for matching a placeholder.
        return f"has a placeholder description ({SECRET_TEXT})"
    return reason
