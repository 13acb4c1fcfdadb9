"""The root program under Pulumi's mocks against a raw program that registers the same AWS resources.

Ours: `__main__.py` run exactly as the language host runs it, config passed as the CLI passes it
(`security_group_tools.program_runner`): validation, the component, the exports. The baseline: the same
`aws.ec2.SecurityGroup` and `aws.vpc.SecurityGroup{Ingress,Egress}Rule` resources (same types, names and
inputs, checked) registered directly, with no component and no validation, and the same exports. Both run in
this process through the same harness, alternated run by run.
"""

from __future__ import annotations

import re
import time
import tracemalloc
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from security_group_tools.program_runner import EGRESS, INGRESS, SG, cli_config, start_runtime
from security_groups_component import load_settings

from bench.stats import Sample, alternate
from bench.workloads import stack_config

STACK = "bench"
AWS_TYPES = (SG, INGRESS, EGRESS)


@dataclass(frozen=True)
class Planned:
    """One AWS resource the baseline registers: what our program registered, recorded under mocks."""

    typ: str
    name: str
    inputs: Mapping[str, Any]


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def run_ours(config: Mapping[str, str]) -> tuple[float, set[tuple[str, str, str]]]:
    """Seconds to run the real program once, and the AWS resources it registered."""
    with start_runtime(STACK) as runtime:
        started = time.perf_counter()
        run = runtime.run_program(config)
        elapsed = time.perf_counter() - started
        if run.error is not None:
            raise RuntimeError(f"the program failed on the benchmark config: {run.error}")
        snapshot = {row for row in runtime.mocks.snapshot() if row[0] in AWS_TYPES}
        return elapsed, snapshot


def plan_of(config: Mapping[str, str]) -> list[Planned]:
    """The AWS resources our program registers for `config`, groups first (recorded once, untimed)."""
    with start_runtime(STACK) as runtime:
        run = runtime.run_program(config)
        if run.error is not None:
            raise RuntimeError(f"the program failed on the benchmark config: {run.error}")
        rows = [Planned(r.typ, r.name, dict(r.inputs)) for r in runtime.mocks.resources if r.typ in AWS_TYPES]
    return sorted(rows, key=lambda row: row.typ != SG)


def raw_program(plan: list[Planned]) -> None:
    """Register the planned resources directly: no component, no validation; then export what ours exports."""
    groups: dict[str, aws.ec2.SecurityGroup] = {}
    ids: dict[str, pulumi.Output[str]] = {}
    rules: dict[str, dict[str, pulumi.Output[str]]] = {}
    for row in plan:
        if row.typ == SG:
            group = aws.ec2.SecurityGroup(row.name, **{_snake(k): v for k, v in row.inputs.items()})
            groups[row.name] = group
            ids[f"sg-{row.name}"] = group.id  # the id RecordingMocks gives each group
            continue
        # Point at the group resources' id outputs, so every rule depends on its group as in ours.
        args: dict[str, Any] = {_snake(k): ids.get(v, v) if isinstance(v, str) else v for k, v in row.inputs.items()}
        resource = aws.vpc.SecurityGroupIngressRule if row.typ == INGRESS else aws.vpc.SecurityGroupEgressRule
        owner = row.inputs["securityGroupId"].removeprefix("sg-")
        rules.setdefault(owner, {})[row.name.removeprefix(f"{owner}-")] = resource(row.name, **args).id
    pulumi.export(
        "groups",
        {
            key: {
                "id": group.id,
                "arn": group.arn,
                "name": group.name,
                "vpcId": group.vpc_id,
                "ruleIds": pulumi.Output.all(**rules.get(key, {})),
            }
            for key, group in groups.items()
        },
    )


def run_raw(plan: list[Planned]) -> tuple[float, set[tuple[str, str, str]]]:
    """Seconds to run the raw program once, and the AWS resources it registered."""
    with start_runtime(STACK) as runtime:
        started = time.perf_counter()
        run = runtime.run(lambda: raw_program(plan))
        elapsed = time.perf_counter() - started
        if run.error is not None:
            raise RuntimeError(f"the raw baseline failed: {run.error}")
        return elapsed, runtime.mocks.snapshot()


@dataclass(frozen=True)
class ProgramFigures:
    """Wall time and peak memory of ours and the baseline at one size."""

    groups: int
    rules: int
    resources: int
    ours: Sample
    raw: Sample
    ours_peak: Sample
    raw_peak: Sample


def _peak_bytes(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        fn()
        return float(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()


def measure_program(groups: int, rules: int, repeats: int, memory_repeats: int) -> ProgramFigures:
    """Ours and the raw baseline at one size, alternated; memory in separate runs (tracemalloc slows them)."""
    config = cli_config(stack_config(groups, rules))
    plan = plan_of(config)
    _, ours_rows = run_ours(config)  # also a warm-up for both: imports, caches
    _, raw_rows = run_raw(plan)
    if ours_rows != raw_rows:
        raise RuntimeError("the raw baseline did not register exactly the resources ours registered")
    times = alternate({"ours": lambda: run_ours(config)[0], "raw": lambda: run_raw(plan)[0]}, repeats, "s")
    peaks = alternate(
        {"ours": lambda: _peak_bytes(lambda: run_ours(config)), "raw": lambda: _peak_bytes(lambda: run_raw(plan))},
        memory_repeats,
        "B",
    )
    return ProgramFigures(groups, rules, len(plan), times["ours"], times["raw"], peaks["ours"], peaks["raw"])


def time_validation(config: Mapping[str, str]) -> float:
    """Seconds `load_settings()` takes to read and check the whole config (nothing registered)."""
    seconds: list[float] = []

    def validate() -> None:
        started = time.perf_counter()
        load_settings()
        seconds.append(time.perf_counter() - started)

    # Inside a program run, so whatever the runtime starts is drained before the loop closes.
    with start_runtime(STACK) as runtime:
        pulumi.runtime.set_all_config(dict(config), [])
        run = runtime.run(validate)
        if run.error is not None:
            raise RuntimeError(f"the benchmark config did not validate: {run.error}")
    return seconds[0]


@dataclass(frozen=True)
class ValidationFigures:
    """Config validation alone, against the raw program registering the same resources."""

    rules: int
    validation: Sample
    raw: Sample


def measure_validation(groups: int, rules: int, repeats: int) -> ValidationFigures:
    """Validation of groups x rules rules, alternated with the raw program for the same config."""
    config = cli_config(stack_config(groups, rules))
    plan = plan_of(config)
    time_validation(config)
    times = alternate({"validation": lambda: time_validation(config), "raw": lambda: run_raw(plan)[0]}, repeats, "s")
    return ValidationFigures(groups * rules, times["validation"], times["raw"])
