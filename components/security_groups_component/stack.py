"""Build every group of a stack, wiring `group:<key>` references between them, cycles included."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pulumi

from .args import group_args
from .component import SecurityGroup
from .model import PeerKind
from .settings import StackSettings


def build_security_groups(
    settings: StackSettings, opts: pulumi.ResourceOptions | None = None
) -> dict[str, SecurityGroup]:
    """Create one SecurityGroup component per configured group, in config order.

    Groups may reference each other in both directions (web allows app, app allows web). Each
    referenced group's id is handed out as a deferred Output first and resolved once that group exists,
    so the order of groups in config never matters and every rule still depends on the group it names.
    """
    referenced = {
        rule.peer.value
        for group in settings.groups.values()
        for rule in group.rules
        if rule.peer.kind is PeerKind.GROUP
    }
    deferred: dict[str, tuple[pulumi.Output[str], Callable[[pulumi.Output[str]], None]]] = {
        key: pulumi.deferred_output() for key in sorted(referenced)
    }
    ids: Mapping[str, pulumi.Input[str]] = {key: output for key, (output, _) in deferred.items()}
    built = {
        key: SecurityGroup(key, group_args(group, ids, settings.rule_quota), opts)
        for key, group in settings.groups.items()
    }
    for key, (_, resolve) in deferred.items():
        resolve(built[key].security_group_id)
    return built
