"""A progress bar on stderr for a multi-account run: units done of planned, groups read, findings.

It is drawn only when stderr is a terminal: in CI, in a pipe or in a log file a bar is only noise (and the
report on stdout is all a pipeline reads). tqdm redraws at most ten times a second, from the thread that runs
the plan; the pool's threads never touch it.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TextIO

from tqdm import tqdm


class UnitProgress:
    """`account-regions  3/12 [groups=40, findings=7]`, kept current as units end."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self.groups = 0
        self.findings = 0
        self._bar = tqdm(
            total=0,
            desc="account-regions",
            unit="unit",
            file=self._stream,
            disable=not self._stream.isatty(),
            leave=False,
            dynamic_ncols=True,
        )

    def __enter__(self) -> UnitProgress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Erase the bar (leave=False), so the report and any last line start on a clean line; again is harmless."""
        self._bar.close()

    @property
    def shown(self) -> bool:
        """Whether the bar is drawn at all (stderr is a terminal)."""
        return not self._bar.disable

    def planned(self, total: int) -> None:
        """The number of units known so far (it grows while accounts list their regions)."""
        if total != self._bar.total:
            self._bar.total = total
            self._bar.refresh()

    def unit_done(self, groups: int = 0, findings: int = 0) -> None:
        """One more unit ended, with its groups and findings."""
        self.groups += groups
        self.findings += findings
        # An ordered dict keeps this order: tqdm sorts keyword arguments by name.
        self._bar.set_postfix({"groups": self.groups, "findings": self.findings}, refresh=False)
        self._bar.update(1)
        if self._bar.n == self._bar.total:  # tqdm skips draws closer than 0.1 s apart: always show the last
            self._bar.refresh()
