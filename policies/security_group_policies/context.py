"""What the pack's analyzer tells every resource policy of an Analyze call: the enabled policies and their settings.

The policies of one call cannot see each other's results, and nothing may pass between them through call
order or shared state. A policy that leaves a problem to a more specific one (`precedence.py`) instead works
out what that one reports from this context: which policies are enabled, at which level, with which settings
(read by that policy's own reader). The analyzer builds the context once per `Configure` and hands the same
read-only value to every call until the next one.

Policies served by a stock `pulumi_policy.PolicyPack` (`sdk.py`) have no context; each policy then judges
on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final, NamedTuple

from pulumi_policy import EnforcementLevel


class Enabled(NamedTuple):
    """One enabled resource policy, as this call runs it."""

    level: EnforcementLevel
    """ADVISORY or MANDATORY (a remediate-level policy reports as mandatory, as the SDK does)."""
    config: Mapping[str, object]
    """The policy's config as the engine sent it at Configure (read-only; empty when it sent none)."""
    settings: Any
    """The policy's settings, read from `config` by its own reader; None when they could not be read."""


Context = Mapping[str, Enabled]
"""The enabled resource policies of the pack, by name."""

NO_CONFIG: Final[Mapping[str, object]] = MappingProxyType({})
"""The config of a policy the engine sent none for: its settings reader falls back to every default."""

_STRICTNESS: Final = {EnforcementLevel.ADVISORY: 1, EnforcementLevel.MANDATORY: 2, EnforcementLevel.REMEDIATE: 2}


def at_least_as_strict(level: EnforcementLevel, than: EnforcementLevel) -> bool:
    """True when a finding at `level` stops a run whenever one at `than` does (disabled is never strict)."""
    return _STRICTNESS.get(level, 0) >= _STRICTNESS.get(than, 0) > 0
