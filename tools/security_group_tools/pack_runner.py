"""Run the policy pack as the Pulumi CLI does and talk to it as the engine does.

- Start: `<python> -u -m pulumi.policy <engine-address> .` with cwd = policies/ and the env the CLI adds
  (PULUMI_PROJECT, PULUMI_STACK, PULUMI_ORGANIZATION, PULUMI_DRY_RUN, PULUMI_CONFIG); the first stdout line is
  the gRPC port. The engine address is a tiny fake Engine service started here (pulumi-policy does not call
  it today, but the CLI always passes a live one, and any log call would land there). The pack also inherits
  a pipe it watches, named by a variable the CLI never sets, so it stops when this process ends, even by
  SIGKILL (`child_processes`).
- Values go on the wire as the engine sends them: every number a double, unknowns as the sentinel string,
  secrets as signature objects, engine bookkeeping keys starting with `__`.
- Config is reconciled as pulumi/pulumi `ReconcilePolicyPackConfig` does: schema defaults per policy, then
  `all`, then each entry of the config file; validated against each policy's schema (the engine uses
  gojsonschema; jsonschema's Draft 7 validator stands in for it here) before `Configure`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import jsonschema
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, engine_pb2_grpc

from . import child_processes, phases
from .child_processes import ParentWatch
from .paths import PACK_DIR, PROJECT

SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

LEVELS = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}
LEVEL_NAMES = {number: name for name, number in LEVELS.items()}
SEVERITY_NAMES = {
    analyzer_pb2.POLICY_SEVERITY_UNSPECIFIED: "",
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}


# --- Wire values ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Secret:
    """A value the engine would send as a secret."""

    value: Any


def wire(value: Any) -> Any:
    """A Python value in the engine's wire form (before it becomes a protobuf Struct)."""
    if isinstance(value, Secret):
        return {SECRET_SIG_KEY: SECRET_SIG, "value": wire(value.value)}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, Mapping):
        return {str(key): wire(item) for key, item in value.items()}
    if isinstance(value, Iterable):
        return [wire(item) for item in value]
    raise TypeError(f"no wire form for {type(value).__name__}")


def struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    """A property bag as a protobuf Struct, numbers as doubles."""
    result = struct_pb2.Struct()
    result.update(wire(value))
    return result


def urn(resource_type: str, name: str, stack: str = "dev") -> str:
    """A URN as the engine writes it."""
    return f"urn:pulumi:{stack}::{PROJECT}::{resource_type}::{name}"


def analyze_request(
    resource_type: str, name: str, props: Mapping[str, Any], *, resource_urn: str = "", parent: str = ""
) -> analyzer_pb2.AnalyzeRequest:
    """What the engine sends to Analyze (and Remediate) for one resource (URN built from type and name if not given)."""
    return analyzer_pb2.AnalyzeRequest(
        type=resource_type,
        properties=struct(props),
        urn=resource_urn or urn(resource_type, name),
        name=name,
        options=analyzer_pb2.AnalyzerResourceOptions(parent=parent),
    )


@dataclass
class StackItem:
    """One resource as AnalyzeStack receives it."""

    resource_type: str
    name: str
    props: Mapping[str, Any]
    deps: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Property name -> logical names of the resources it depends on."""
    urn: str = ""
    """The engine's URN; built from type and name when empty."""
    parent: str = ""
    """The parent's URN, if any."""
    property_urns: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Property name -> URNs it depends on (for stacks where logical names repeat across types)."""


@dataclass(frozen=True)
class Linked:
    """One resource of a stack as the engine links it: its URN, dependencies and property dependencies."""

    item: StackItem
    urn: str
    dependencies: list[str]
    by_prop: dict[str, list[str]]


def linked(items: Sequence[StackItem]) -> list[Linked]:
    """Each item with the URNs the engine would send for it (`stack_request`, and the audit's in-process call)."""
    urns = {item.name: item.urn or urn(item.resource_type, item.name) for item in items}
    found: list[Linked] = []
    for item in items:
        by_prop: dict[str, list[str]] = {prop: [urns[name] for name in names] for prop, names in item.deps.items()}
        for prop, more in item.property_urns.items():
            by_prop.setdefault(prop, []).extend(more)
        dependencies = sorted({u for urns_of in by_prop.values() for u in urns_of})
        found.append(Linked(item, item.urn or urns[item.name], dependencies, by_prop))
    return found


def stack_request(items: Sequence[StackItem]) -> analyzer_pb2.AnalyzeStackRequest:
    """What the engine sends to AnalyzeStack: outputs, parents, dependencies and property dependencies."""
    resources = [
        analyzer_pb2.AnalyzerResource(
            type=link.item.resource_type,
            properties=struct(link.item.props),
            urn=link.urn,
            name=link.item.name,
            options=analyzer_pb2.AnalyzerResourceOptions(parent=link.item.parent),
            parent=link.item.parent,
            dependencies=link.dependencies,
            propertyDependencies={
                prop: analyzer_pb2.AnalyzerPropertyDependencies(urns=found) for prop, found in link.by_prop.items()
            },
        )
        for link in linked(items)
    ]
    return analyzer_pb2.AnalyzeStackRequest(resources=resources)


# --- Config, reconciled as the engine does -----------------------------------------------------------------


class ConfigError(ValueError):
    """The engine would refuse this config before any policy runs."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems) or (message,)
        """Each problem as `<policy>[.<key path>]: <what is wrong>`."""


LEVEL_CHOICES = ", ".join(LEVELS)


def key_path(parts: Iterable[str | int]) -> str:
    """A JSON-schema error path as config keys are written: `.ports[0]`."""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)


def parse_config_file(document: Mapping[str, Any]) -> dict[str, tuple[str, dict[str, Any] | None]]:
    """A `--policy-pack-config` document as the engine reads it: name -> (level or "", properties)."""
    parsed: dict[str, tuple[str, dict[str, Any] | None]] = {}
    for key, value in document.items():
        if isinstance(value, str):
            if value not in LEVELS:
                raise ConfigError(f"{key}: {value!r} is not a valid enforcement level; use one of {LEVEL_CHOICES}")
            parsed[key] = (value, None)
        elif isinstance(value, Mapping):
            props = dict(value)
            level = props.pop("enforcementLevel", "")
            if level and (not isinstance(level, str) or level not in LEVELS):  # a list or object is no level either
                shown = repr(level) if isinstance(level, str) else json.dumps(level)[:80]
                raise ConfigError(
                    f"{key}.enforcementLevel: {shown} is not a valid enforcement level; use one of {LEVEL_CHOICES}"
                )
            if key == "all" and props and not level:
                # The engine would pass on an `all` entry with no level at all: the Pulumi CLI's own marshalling
                # stops on it, and the pack's Configure cannot take it either.
                raise ConfigError(
                    f"all: {', '.join(sorted(props))}: `all` sets only an enforcement level "
                    '({"all": "mandatory"}); a policy\'s properties go under its own name'
                )
            if level or props:
                parsed[key] = (level, props or None)
        else:
            raise ConfigError(f"{key}: must be a string or object")
    return parsed


def reconcile(
    info: analyzer_pb2.AnalyzerInfo, document: Mapping[str, Any] | None
) -> dict[str, tuple[str, dict[str, Any] | None]]:
    """Defaults from GetAnalyzerInfo, then `all`, then each entry; validated; as ReconcilePolicyPackConfig."""
    result: dict[str, tuple[str, dict[str, Any] | None]] = {}
    schemas: dict[str, dict[str, Any]] = {}
    for policy in info.policies:
        properties = json_format.MessageToDict(policy.configSchema.properties)
        schemas[policy.name] = {"type": "object", "properties": properties}
        if policy.configSchema.required:
            schemas[policy.name]["required"] = list(policy.configSchema.required)
        defaults = {key: spec["default"] for key, spec in properties.items() if "default" in spec}
        result[policy.name] = (LEVEL_NAMES[policy.enforcementLevel], defaults or None)
    given = parse_config_file(document or {})
    if "all" in given and given["all"][0]:
        result = {name: (given["all"][0], props) for name, (_, props) in result.items()}
    for name, (level, props) in given.items():
        old_level, old_props = result.get(name, ("", None))
        merged = dict(old_props) if old_props else None
        if props:
            merged = {**(merged or {}), **props}
        result[name] = (level or old_level, merged)
    errors: list[str] = []
    for name, schema in schemas.items():
        validator = jsonschema.Draft7Validator(schema)
        errors.extend(
            f"{name}{key_path(error.absolute_path)}: {error.message}"
            for error in validator.iter_errors(result[name][1] or {})
        )
    if errors:
        raise ConfigError("; ".join(errors), errors)
    return result


def configure_request(
    reconciled: Mapping[str, tuple[str, dict[str, Any] | None]],
) -> analyzer_pb2.ConfigureAnalyzerRequest:
    """The Configure call for a reconciled config: every entry, numbers as doubles."""
    return analyzer_pb2.ConfigureAnalyzerRequest(
        policyConfig={
            name: analyzer_pb2.PolicyConfig(enforcementLevel=LEVELS[level], properties=struct(props or {}))
            for name, (level, props) in reconciled.items()
        }
    )


# --- The processes ------------------------------------------------------------------------------------------


class FakeEngine(engine_pb2_grpc.EngineServicer):
    """Records log calls, as the engine would show them."""

    def __init__(self) -> None:
        self.logs: list[str] = []

    def Log(self, request: Any, context: Any) -> empty_pb2.Empty:  # noqa: N802  # gRPC method name
        """Keep the message, as the engine would print it."""
        self.logs.append(request.message)
        return empty_pb2.Empty()


def clean_env() -> dict[str, str]:
    """This process's environment without Pulumi's variables or PYTHONPATH, as a plugin's starting point."""
    return {key: value for key, value in os.environ.items() if not key.startswith(("PULUMI_", "PYTHONPATH"))}


@dataclass
class Spawned:
    """A plugin process that has printed its gRPC port."""

    process: subprocess.Popen[bytes]
    port: int
    output: list[bytes]
    """Everything it printed after the port (stdout, then stderr), collected as it comes."""


def spawn_plugin(
    what: str,
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    *,
    watch: ParentWatch,
    phase: str,
) -> Spawned:
    """Start a plugin (`what`, for messages) as the CLI does and read the port it prints first on stdout.

    The process is recorded until it is stopped and never outlives this one (`child_processes`, `watch`);
    `phase` names the moment between spawning and reading the port for `phases`.
    """
    process = child_processes.spawn(what, argv, cwd=cwd, env=env, watch=watch)
    output: list[bytes] = []
    first_line: list[bytes] = []
    got_line = threading.Event()

    def pump_stdout() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if not got_line.is_set():
                first_line.append(line)
                got_line.set()
            else:
                output.append(line)
        got_line.set()

    def pump_stderr() -> None:
        assert process.stderr is not None
        output.extend(process.stderr)

    threading.Thread(target=pump_stdout, daemon=True).start()
    threading.Thread(target=pump_stderr, daemon=True).start()
    try:
        phases.reached(phase)
        printed_port = got_line.wait(timeout) and first_line and first_line[0].strip().isdigit()
    except BaseException:
        # An exception while waiting: nobody else holds the process yet, so nobody else could stop it.
        child_processes.kill(process)
        raise
    if not printed_port:
        interrupt(process)
        printed = b"".join(first_line + output).decode(errors="replace")
        raise RuntimeError(f"{what} printed no port: {printed}")
    return Spawned(process, int(first_line[0].strip()), output)


def interrupt(process: subprocess.Popen[bytes]) -> None:
    """Stop a plugin as the CLI does (SIGINT: it stops its gRPC server and exits); kill it if it hangs."""
    child_processes.stop(process)


def serve_locally(add_to_server: Callable[[Any, grpc.Server], None], servicer: Any) -> tuple[grpc.Server, str]:
    """Serve one fake service on a free port of 127.0.0.1 (the caller stops it); the server and its address."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    add_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, f"127.0.0.1:{port}"


@dataclass
class Engine:
    """A fake engine gRPC server on 127.0.0.1, on a port chosen at run time."""

    server: grpc.Server
    address: str
    servicer: FakeEngine

    @classmethod
    def start(cls) -> Engine:
        """Serve on a free port of 127.0.0.1."""
        servicer = FakeEngine()
        server, address = serve_locally(engine_pb2_grpc.add_EngineServicer_to_server, servicer)
        return cls(server, address, servicer)

    def stop(self) -> None:
        """Stop serving at once."""
        self.server.stop(grace=None)


@dataclass
class Pack:
    """The policy pack process and a client channel to it."""

    process: subprocess.Popen[bytes]
    channel: grpc.Channel
    stub: analyzer_pb2_grpc.AnalyzerStub
    port_seconds: float
    """From spawning the process to reading its port."""
    ready_seconds: float
    """From spawning the process to the gRPC channel being ready."""
    output: list[bytes] = field(default_factory=list)

    @classmethod
    def start(
        cls,
        engine_address: str,
        *,
        stack: str = "dev",
        dry_run: bool = True,
        config: Mapping[str, str] | None = None,
        python: str = sys.executable,
        timeout: float = 60.0,
        pack_dir: Path = PACK_DIR,
        launcher: Sequence[str] | None = None,
        extra_env: Mapping[str, str] | None = None,
        watch: ParentWatch = ParentWatch.PIPE,
    ) -> Pack:
        """Spawn the pack as the CLI does, read its port, and connect once the channel is ready.

        `pack_dir`, `launcher` and `extra_env` start another pack (the benchmark's baselines): `launcher` is the
        command before `<engine-address> .` (default: this Python with `-u -m pulumi.policy`), and `extra_env`
        adds what the CLI adds for that runtime (the Node host's `PULUMI_NODEJS_*` copies). `watch` is how the
        pack learns that this process is gone: this pack's `analyzer.serve` watches a pipe; a pack that does not
        serve through it needs `ParentWatch.SIGNAL`.
        """
        env = clean_env()
        env.update(
            PULUMI_PROJECT=PROJECT,
            PULUMI_STACK=stack,
            PULUMI_ORGANIZATION="organization",
            PULUMI_DRY_RUN="true" if dry_run else "false",
            PULUMI_CONFIG=json.dumps(dict(config or {"aws:region": "eu-west-1"})),
        )
        env.update(extra_env or {})
        command = [*(launcher or (python, "-u", "-m", "pulumi.policy")), engine_address, "."]
        started = time.perf_counter()
        spawned = spawn_plugin("the policy pack", command, pack_dir, env, timeout, watch=watch, phase="pack-start")
        port_seconds = time.perf_counter() - started
        try:
            channel = grpc.insecure_channel(f"127.0.0.1:{spawned.port}")
            grpc.channel_ready_future(channel).result(timeout=timeout)
        except BaseException:
            # Also on Ctrl-C while waiting: nobody else holds the process yet, so nobody else could stop it.
            child_processes.kill(spawned.process)
            raise
        ready_seconds = time.perf_counter() - started
        process, output = spawned.process, spawned.output
        return cls(process, channel, analyzer_pb2_grpc.AnalyzerStub(channel), port_seconds, ready_seconds, output)

    def info(self) -> analyzer_pb2.AnalyzerInfo:
        """GetAnalyzerInfo."""
        info: analyzer_pb2.AnalyzerInfo = self.stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
        return info

    def configure(self, document: Mapping[str, Any] | None = None) -> dict[str, tuple[str, dict[str, Any] | None]]:
        """Reconcile `document` as the engine does and send it with Configure.

        Raises ConfigError when the engine would refuse the document, or the pack refuses it (INVALID_ARGUMENT,
        one problem a line), as the CLI then stops with the pack's message.
        """
        reconciled = reconcile(self.info(), document)
        try:
            self.stub.Configure(configure_request(reconciled), timeout=30)
        except grpc.RpcError as error:
            if error.code() is not grpc.StatusCode.INVALID_ARGUMENT:
                raise
            details = error.details() or "the policy pack refused its config"
            raise ConfigError(details, details.splitlines()) from None
        return reconciled

    def analyze(
        self, resource_type: str, name: str, props: Mapping[str, Any], *, resource_urn: str = "", parent: str = ""
    ) -> analyzer_pb2.AnalyzeResponse:
        """Analyze one resource."""
        response: analyzer_pb2.AnalyzeResponse = self.stub.Analyze(
            analyze_request(resource_type, name, props, resource_urn=resource_urn, parent=parent), timeout=30
        )
        return response

    def analyze_stack(self, items: Sequence[StackItem]) -> analyzer_pb2.AnalyzeResponse:
        """AnalyzeStack over the given resources."""
        response: analyzer_pb2.AnalyzeResponse = self.stub.AnalyzeStack(stack_request(items), timeout=30)
        return response

    def stop(self) -> None:
        """Interrupt the pack (it stops its server on KeyboardInterrupt) and wait for it."""
        self.channel.close()
        interrupt(self.process)


@dataclass(frozen=True)
class Diagnostic:
    """An AnalyzeDiagnostic, decoded."""

    policy: str
    level: str
    severity: str
    urn: str
    message: str

    @property
    def finding(self) -> str:
        """The message after the policy description line, without its `. Fix: …` tail."""
        return self.message.split("\n", 1)[-1].split(". Fix: ")[0]


def diagnostics(response: analyzer_pb2.AnalyzeResponse) -> list[Diagnostic]:
    """The response's diagnostics, decoded."""
    return [
        Diagnostic(d.policyName, LEVEL_NAMES[d.enforcementLevel], SEVERITY_NAMES[d.severity], d.urn, d.message)
        for d in response.diagnostics
    ]
