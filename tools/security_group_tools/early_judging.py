"""Judge a unit's groups and rules while the rest of the unit is still being read.

Reading one region is mostly waiting: for each page of rules EC2 (or moto) takes its time, and then the
interfaces are read. Each resource's Analyze needs only that resource (and, for a rule, its group's waiver
tags), so a thread of the unit's own analyses what has arrived while the read goes on (`aws_inventory.Seen`).
When the unit is read, the audit judges its stack as before, taking each resource's early diagnostics only
where the early resource is exactly the one judged now (same type, name and properties), and analysing the
rest itself: the verdicts, their order and every error path are those of judging after the read. A VPC's
`default` group (its rules inline) is left to the end; so is anything the early thread had no time for, and
everything when it stops on an error of its own.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Mapping, Sequence

from .audit_engine import Early, InProcessPack
from .audit_resources import group_item, rule_item, waiver_tags
from .aws_inventory import LiveGroup, LiveRule
from .pack_runner import StackItem

Batch = tuple[Sequence[LiveGroup], Sequence[LiveRule]]

Waivers = dict[str, Mapping[str, str] | None]
"""Group id -> its waiver tags; None for a `default` group, judged only with its rules, at the end."""


class EarlyJudging:
    """One unit's early Analyze calls, on a daemon thread; `seen` is the read's `aws_inventory.Seen`."""

    def __init__(self, pack: InProcessPack) -> None:
        self._pack = pack
        self._batches: queue.SimpleQueue[Batch | None] = queue.SimpleQueue()
        self._stopped = threading.Event()
        self._judged: dict[str, Early] = {}
        self._thread = threading.Thread(target=self._run, name="audit-early-judging", daemon=True)
        self._thread.start()

    def seen(self, groups: Sequence[LiveGroup], rules: Sequence[LiveRule]) -> None:
        """Called on the reading thread: queue what arrived (never judged there, so the read never waits)."""
        if not self._stopped.is_set():
            self._batches.put((groups, rules))

    def stop(self) -> None:
        """Judge nothing more (the unit failed, or the run was stopped); does not wait."""
        self._stopped.set()
        self._batches.put(None)

    def finish(self) -> Mapping[str, Early]:
        """Stop, wait for the Analyze under way (one resource at most), and hand over what was judged."""
        self.stop()
        self._thread.join()
        return self._judged

    def _run(self) -> None:
        waivers: Waivers = {}
        try:
            while (batch := self._batches.get()) is not None:
                if not self._judge_batch(waivers, batch):
                    return
        except Exception:  # noqa: BLE001  # what is not judged early is judged after the read, as before
            return

    def _judge_batch(self, waivers: Waivers, batch: Batch) -> bool:
        """Analyze one batch; False once stopped."""
        new_groups, rules = batch
        for group in new_groups:
            if group.is_default:
                waivers[group.group_id] = None
                continue
            waivers[group.group_id] = waiver_tags(group.tags)
            if not self._judge(group_item(group)):
                return False
        for rule in rules:
            group_waivers = waivers.get(rule.group_id)
            if group_waivers is None:  # a default group's, or a group created since the groups were read
                continue
            if not self._judge(rule_item(rule, group_waivers)):
                return False
        return True

    def _judge(self, item: StackItem) -> bool:
        if self._stopped.is_set():
            return False
        self._judged[item.name] = Early(item, self._pack.analyze_one(item))
        return True
