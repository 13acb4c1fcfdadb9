"""Checks for the free text AWS limits: group names, group descriptions, rule descriptions.

Free text may be a decrypted secret, so these findings describe a problem by length, position and the
offending character alone, never by quoting the text.
"""

from __future__ import annotations

import unicodedata

from .aws_facts import TEXT_MAX_LENGTH, rejected_characters


def character(char: str) -> str:
    """Name one character safely: `'é' (U+00E9)`, or just the code point if it does not print."""
    code = f"U+{ord(char):04X}"
    if char.isprintable() and not char.isspace() and unicodedata.category(char)[0] != "C":
        return f"'{char}' ({code})"
    return code


def text_problems(text: str, subject: str, max_length: int = TEXT_MAX_LENGTH) -> list[str]:
    """Why AWS would reject `text` as `subject` (e.g. "the group description"), or [] when it accepts it."""
    problems = []
    if len(text) > max_length:
        problems.append(f"{subject} is {len(text)} characters long; AWS allows at most {max_length}")
    rejected = rejected_characters(text)
    if rejected:
        index, char = rejected[0]
        distinct = len({char for _, char in rejected})
        count = f"{distinct} kinds of character" if distinct > 1 else "a character"
        problems.append(
            f"{subject} contains {count} AWS rejects, the first {character(char)} at position {index + 1} "
            "(allowed: letters, digits, space and . _ - : / ( ) # , @ [ ] + = & ; { } ! $ *)"
        )
    return problems
