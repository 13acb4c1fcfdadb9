"""Every compliant baseline passes every resource policy and every stack policy with the default config."""

from __future__ import annotations

import pytest
from security_group_policies.catalogue import RESOURCE_POLICIES, STACK_POLICIES
from security_group_policies.framework import ResourcePolicyDef, StackPolicyDef

from .pack_fixtures import (
    BASELINES,
    GROUP_ID,
    SG,
    VPC_IN,
    VPC_OUT,
    Item,
    group,
    run,
    run_stack,
    vpc_egress,
    vpc_ingress,
)


@pytest.mark.parametrize("resource_type", sorted(BASELINES))
@pytest.mark.parametrize("definition", RESOURCE_POLICIES, ids=lambda d: d.meta.name)
def test_baseline_passes(definition: ResourcePolicyDef[object], resource_type: str) -> None:
    """A baseline draws no finding and no preview note from any resource policy."""
    result = run(definition, resource_type, BASELINES[resource_type]())
    assert (result.messages, result.preview_gap) == ([], None)


@pytest.mark.parametrize("definition", STACK_POLICIES, ids=lambda d: d.meta.name)
def test_component_shaped_stack_passes(definition: StackPolicyDef[object]) -> None:
    """A group with no inline rules and separate vpc rules (the component's shape) passes every stack policy."""
    items = [
        Item(SG, "web", group(id=GROUP_ID, ingress=[], egress=[])),
        Item(VPC_IN, "web-in-https", vpc_ingress(), {"securityGroupId": ["web"]}),
        Item(VPC_OUT, "web-out-https", vpc_egress(), {"securityGroupId": ["web"]}),
    ]
    result = run_stack(definition, items)
    assert (result.messages, result.preview_gap) == ([], None)
