"""Sets of ports as sorted, disjoint, inclusive ranges."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .tables import PORT_MAX, PORT_MIN


@dataclass(frozen=True)
class PortSet:
    """An immutable set of ports 0-65535, stored as merged inclusive ranges."""

    ranges: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, spans: Iterable[tuple[int, int]]) -> PortSet:
        """Build a set from (low, high) pairs; empty or inverted pairs are dropped, the rest clipped."""
        clipped = sorted(
            (max(low, PORT_MIN), min(high, PORT_MAX))
            for low, high in spans
            if low <= high and high >= PORT_MIN and low <= PORT_MAX
        )
        merged: list[tuple[int, int]] = []
        for low, high in clipped:
            if merged and low <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], high))
            else:
                merged.append((low, high))
        return cls(tuple(merged))

    @classmethod
    def ports(cls, ports: Iterable[int]) -> PortSet:
        """Build a set from single ports."""
        return cls.of((port, port) for port in ports)

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and any(low <= port <= high for low, high in self.ranges)

    def __and__(self, other: PortSet) -> PortSet:
        result = [
            (max(a_low, b_low), min(a_high, b_high))
            for a_low, a_high in self.ranges
            for b_low, b_high in other.ranges
            if max(a_low, b_low) <= min(a_high, b_high)
        ]
        return PortSet.of(result)

    def __or__(self, other: PortSet) -> PortSet:
        return PortSet.of(self.ranges + other.ranges)

    def __sub__(self, other: PortSet) -> PortSet:
        return self & other.complement()

    def complement(self) -> PortSet:
        """Every port not in this set."""
        gaps: list[tuple[int, int]] = []
        start = PORT_MIN
        for low, high in self.ranges:
            if low > start:
                gaps.append((start, low - 1))
            start = high + 1
        if start <= PORT_MAX:
            gaps.append((start, PORT_MAX))
        return PortSet(tuple(gaps))

    def covers(self, other: PortSet) -> bool:
        """True when every port of `other` is in this set."""
        return not (other - self)

    def describe(self, limit: int = 8) -> str:
        """Human form: `22`, `0-1024`, `20-21, 3389`, `all ports`; past `limit` ranges, `and N more`."""
        if self == ALL_PORTS:
            return "all ports"
        if not self.ranges:
            return "no ports"
        shown = [str(low) if low == high else f"{low}-{high}" for low, high in self.ranges[:limit]]
        more = len(self.ranges) - limit
        return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


ALL_PORTS = PortSet(((PORT_MIN, PORT_MAX),))
NO_PORTS = PortSet()
