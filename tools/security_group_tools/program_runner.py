"""Run the real program (or a component) under Pulumi's mocks, with config passed the way the CLI passes it.

The CLI hands the program its config as `PULUMI_CONFIG`: a JSON object of strings, structured values as compact
JSON with sorted keys, Pulumi.yaml defaults filled in for keys the stack leaves out. Stack files and Pulumi.yaml
are read as the CLI reads them (`security_groups_component.stack_yaml`), and `cli_config` builds exactly that;
`start_runtime` gives a fresh runtime (root resource reset, new event loop) whose mocks record every
registration the way the engine would receive it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import json
import runpy
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from security_groups_component import stack_yaml

from . import phases
from .paths import PROJECT, PROJECT_DIR, STACKS_DIR

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
COMPONENT = "security-groups:index:SecurityGroup"
GET_VPCS = "aws:ec2/getVpcs:getVpcs"
GET_SECURITY_GROUPS = "aws:ec2/getSecurityGroups:getSecurityGroups"
CANNED_LOOKUPS = {GET_VPCS: "vpc", GET_SECURITY_GROUPS: "sg"}
"""The data sources the program calls, and the prefix of the one made-up id each answers offline."""


Answer = dict[str, Any] | tuple[dict[str, Any], list[tuple[str, str]]]
"""What a mock invoke returns: outputs, or outputs and failures as (property, reason) pairs."""


def canned_id(prefix: str, lookup: Mapping[str, Any]) -> str:
    """The made-up id answering one lookup offline: `<prefix>-0ff11e` and 11 hex digits of the lookup's hash."""
    digest = hashlib.sha256(json.dumps(lookup, sort_keys=True).encode()).hexdigest()
    return f"{prefix}-0ff11e{digest[:11]}"


def stack_names() -> list[str]:
    """Every stack with a stacks/Pulumi.<stack>.yaml file, sorted."""
    return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in STACKS_DIR.glob("Pulumi.*.yaml"))


class RecordingMocks(pulumi.runtime.Mocks):
    """Records every registered resource; outputs echo the inputs plus what AWS would compute."""

    def __init__(self, *, preview: bool = False) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []
        self.preview = preview
        self.invokes: list[tuple[str, dict[str, Any]]] = []
        """Every invoke the program made, as (token, arguments), in order."""
        self.answers: dict[str, Callable[[dict[str, Any]], Answer]] = {}
        """Replacement answers by invoke token: outputs, or outputs and the provider's failures (see `call`)."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """Record the registration; return the id and outputs the provider would."""
        phases.reached("program")
        self.resources.append(args)
        outputs = dict(args.inputs)
        if self.preview:
            # As in a real preview of a new stack: inputs are known, ids and computed outputs are not.
            return "", outputs
        if args.typ == SG:
            outputs.setdefault("name", f"{args.name}-0a1b2c3")  # what Pulumi auto-naming would produce
            outputs.setdefault("vpcId", "vpc-0default0000000000")  # AWS fills in the default VPC
            outputs["arn"] = f"arn:aws:ec2:us-east-1:123456789012:security-group/sg-{args.name}"
            return f"sg-{args.name}", outputs
        if args.typ in (INGRESS, EGRESS):
            return f"sgr-{args.name}", outputs
        return ("", outputs) if not args.custom else (f"{args.name}-id", outputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        """Answer the program's lookups (`security-groups:vpc`, `existingGroups`); any other invoke is a bug.

        Offline there is no account to look in: each lookup matches exactly one made-up resource, whose id starts
        `vpc-0ff11e` or `sg-0ff11e` and is derived from what was looked for (the same lookup, the same id). A test
        sets `answers[token]` to return other matches (none, several), or failures as a provider reports them.
        """
        self.invokes.append((args.token, args.args))
        answer = self.answers.get(args.token)
        if answer is not None:
            result = answer(args.args)
            return result if isinstance(result, tuple) else (result, [])
        if args.token in CANNED_LOOKUPS:
            return {"ids": [canned_id(CANNED_LOOKUPS[args.token], args.args)]}, []
        raise AssertionError(f"the program made an unexpected invoke: {args.token}")

    def of_type(self, typ: str) -> list[pulumi.runtime.MockResourceArgs]:
        """Every registered resource of one type, in registration order."""
        return [r for r in self.resources if r.typ == typ]

    def by_name(self, name: str, typ: str | None = None) -> pulumi.runtime.MockResourceArgs:
        """The one resource with this name (and type, if given)."""
        found = [r for r in self.resources if r.name == name and (typ is None or r.typ == typ)]
        assert len(found) == 1, f"expected one resource named {name!r}, found {len(found)}"
        return found[0]

    def names(self, typ: str) -> set[str]:
        """Names of every registered resource of one type."""
        return {r.name for r in self.of_type(typ)}

    def snapshot(self) -> set[tuple[str, str, str]]:
        """Every resource as (type, name, inputs as canonical JSON): what `pulumi up` would diff."""
        return {(r.typ, r.name, json.dumps(r.inputs, sort_keys=True)) for r in self.resources}

    def listing(self) -> list[dict[str, Any]]:
        """Every resource as {type, name, inputs}, sorted: a readable, reviewable record of a run."""
        rows = [{"type": r.typ, "name": r.name, "inputs": r.inputs} for r in self.resources]
        return sorted(rows, key=lambda row: (row["type"], row["name"]))


class RecordingMonitor(pulumi.runtime.mocks.MockMonitor):
    """The mock engine, also keeping each raw registration request (parent, deletedWith, ...)."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.requests: list[Any] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method's name
        """Keep the raw request, then register as the mock monitor does."""
        self.requests.append(request)
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]


def encode_config_value(value: object) -> str:
    """One config value as the CLI puts it in PULUMI_CONFIG (`stack_yaml.cli_value`).

    Text passes as it is; everything else is Go's compact JSON with map keys sorted, after the CLI's YAML round
    trip, so the program never sees the YAML's key order and an integral float arrives as an integer.
    """
    return stack_yaml.cli_value(value)


def project_defaults() -> dict[str, str]:
    """The defaults declared in Pulumi.yaml, which the CLI fills in for keys a stack leaves out.

    As pulumi/pulumi `pkg/workspace/config.go` (`mergeConfig`) does: a declaration's `default` (else its
    `value`); a bare value is shorthand for the default (`RewriteShorthandConfigValues`).
    """
    document = stack_yaml.read_file(PROJECT_DIR / "Pulumi.yaml", "Pulumi.yaml")
    declared = document.data.get("config") if isinstance(document.data, dict) else None
    defaults: dict[str, str] = {}
    for key, declaration in (declared or {}).items():
        full_key = stack_yaml.config_key(key, PROJECT)
        typed = declaration if isinstance(declaration, dict) else {"default": declaration}
        value = typed.get("default", typed.get("value"))
        if full_key is not None and value is not None:
            defaults[full_key] = encode_config_value(value)
    return defaults


def cli_config(stack_config: Mapping[str, object]) -> dict[str, str]:
    """A stack file's `config:` section plus Pulumi.yaml defaults, as the CLI passes them."""
    config = project_defaults()
    for key, value in stack_config.items():
        full_key = stack_yaml.config_key(key, PROJECT)
        if full_key is None:
            raise ValueError(f"{key!r} is not a config key the Pulumi CLI can parse")
        config[full_key] = encode_config_value(value)
    return config


def stack_config(stack: str) -> dict[str, object]:
    """The `config:` section of stacks/Pulumi.<stack>.yaml as the CLI reads it (bare keys namespaced)."""
    name = f"stacks/Pulumi.{stack}.yaml"
    return stack_yaml.stack_config(stack_yaml.read_file(STACKS_DIR / f"Pulumi.{stack}.yaml", name), PROJECT)


@dataclass
class Run:
    """The result of running the program (or a component) once under mocks."""

    mocks: RecordingMocks
    error: BaseException | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    known: bool = True
    program_globals: dict[str, Any] = field(default_factory=dict)
    """The program module's globals once it ran to the end (empty for a component, or a program that failed):
    what it built, such as its validated settings, for tools that explain where a resource came from."""


class Pulumi:
    """A fresh Pulumi runtime under mocks, one per test."""

    def __init__(self, mocks: RecordingMocks, *, stack: str, preview: bool) -> None:
        self.mocks = mocks
        self.stack = stack
        self.preview = preview

    def run(self, fn: Callable[[], object]) -> Run:
        """Run `fn` as a Pulumi program; keep any exception it raises."""
        result = Run(self.mocks)

        @pulumi.runtime.test  # type: ignore[untyped-decorator]
        def program() -> object:
            return fn()

        # The project's program tunes the collector for the process it owns under the CLI (the language host's);
        # here that process is the caller's, which gets its own thresholds back.
        thresholds = gc.get_threshold()
        try:
            program()
        except Exception as error:  # noqa: BLE001 - the test inspects whatever the program raised
            result.error = error
            return result
        else:
            root = pulumi.runtime.settings.get_root_resource()
            outputs = getattr(root, "outputs", {})
            result.outputs, result.known = resolve(outputs)
            return result
        finally:
            gc.set_threshold(*thresholds)

    def run_program(
        self, config: Mapping[str, str], program_dir: Path = PROJECT_DIR, *, secret_keys: Sequence[str] = ()
    ) -> Run:
        """Run a program's __main__.py (the project's, unless told) exactly as the Python language host does.

        The host reads `PULUMI_CONFIG` and `PULUMI_CONFIG_SECRET_KEYS` (the keys `pulumi config set --secret`
        made secret) and calls `set_all_config(config, secret_keys)` before running the program; so does this.
        """
        pulumi.runtime.set_all_config(dict(config), list(secret_keys))
        namespace: dict[str, Any] = {}

        def program() -> None:
            # run_path returns the program's globals; they are not outputs (only exports are), but kept aside.
            namespace.update(runpy.run_path(str(program_dir), run_name="__main__"))

        result = self.run(program)
        result.program_globals = namespace
        return result


def registered_urns() -> list[str]:
    """URNs of everything registered so far (the mock builds them from the immediate parent's type)."""
    return list(_recording_monitor().resources)


def registration_requests() -> dict[str, Any]:
    """Each registered resource's raw request, by resource name (names are unique within one test)."""
    return {request.name: request for request in _recording_monitor().requests}


def _recording_monitor() -> RecordingMonitor:
    monitor = pulumi.runtime.settings.get_monitor()
    if not isinstance(monitor, RecordingMonitor):
        raise RuntimeError("no runtime under mocks is running: use start_runtime()")
    return monitor


def resolve(value: object) -> tuple[Any, bool]:
    """Await an Output (or a structure of them): its value with unknowns left in, and whether it is known."""
    box: dict[str, Any] = {}

    async def grab() -> None:
        output = pulumi.Output.from_input(value)
        box["value"] = await output.future(with_unknowns=True)
        box["known"] = await output.is_known()

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def waiter() -> object:
        return asyncio.ensure_future(grab())

    waiter()
    return box["value"], box["known"]


@contextlib.contextmanager
def start_runtime(stack: str = "dev", *, preview: bool = False) -> Iterator[Pulumi]:
    """A fresh runtime under mocks; everything it set is reset on exit."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pulumi.runtime.settings.ROOT.set(None)  # otherwise the root Stack, and its exports, leak between tests
    mocks = RecordingMocks(preview=preview)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=preview, monitor=RecordingMonitor(mocks))
    pulumi.runtime.set_all_config({}, [])
    try:
        yield Pulumi(mocks, stack=stack, preview=preview)
    finally:
        pulumi.runtime.set_all_config({}, [])
        pulumi.runtime.settings.ROOT.set(None)
        loop.close()
        asyncio.set_event_loop(None)
