"""Run the component package's plugin as the Pulumi CLI does and talk to it as the engine does.

- Start: `<python> __main__.py <engine-address>` with cwd = components/ (PulumiPlugin.yaml); the first stdout line
  is the gRPC port of a ResourceProvider server.
- GetPluginInfo and GetSchema: what `pulumi package add` reads to generate an SDK.
- Construct: what the engine sends when a program in any language creates the component. The plugin then
  registers the component and its children with the resource monitor named in the request; `Monitor` is a small
  ResourceMonitor on 127.0.0.1 that records every registration and answers as the engine would, with the ids and
  outputs of `RecordingMocks` (the one fake AWS of these tools).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import grpc
import pulumi
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc, resource_pb2, resource_pb2_grpc

from .child_processes import ParentWatch
from .pack_runner import Spawned, clean_env, interrupt, serve_locally, spawn_plugin, struct
from .paths import COMPONENTS_DIR, PROJECT
from .program_runner import RecordingMocks

MONITOR_FEATURES = (
    resource_pb2.RESOURCE_MONITOR_FEATURE_SECRETS,
    resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES,
    resource_pb2.RESOURCE_MONITOR_FEATURE_OUTPUT_VALUES,
    resource_pb2.RESOURCE_MONITOR_FEATURE_DELETED_WITH,
    resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
)
"""What the fake monitor tells the SDK it supports (GetDeploymentInfo), as a current engine would."""


@dataclass(frozen=True)
class Registration:
    """One RegisterResource request as the monitor received it, with its properties as plain JSON values."""

    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    deleted_with: str
    urn: str


class FakeMonitor(resource_pb2_grpc.ResourceMonitorServicer):
    """Records registrations; answers with the URN the engine would build and the mocks' ids and outputs."""

    def __init__(self, *, stack: str, preview: bool) -> None:
        self.stack = stack
        self.mocks = RecordingMocks(preview=preview)
        self.registrations: list[Registration] = []
        self.outputs: dict[str, dict[str, Any]] = {}
        """RegisterResourceOutputs by URN: what a component recorded as its outputs."""

    def GetDeploymentInfo(self, request: Any, context: Any) -> resource_pb2.DeploymentInfo:  # noqa: N802
        """The features this monitor supports."""
        return resource_pb2.DeploymentInfo(supportedFeatures=MONITOR_FEATURES)

    def RegisterResource(self, request: Any, context: Any) -> resource_pb2.RegisterResourceResponse:  # noqa: N802
        """Record the registration; answer with a URN and, for custom resources, the mocks' id and outputs."""
        qualified = request.type
        if request.parent:
            qualified = f"{request.parent.split('::')[2].split('$')[-1]}${request.type}"
        urn = f"urn:pulumi:{self.stack}::{PROJECT}::{qualified}::{request.name}"
        inputs = json_format.MessageToDict(request.object)
        self.registrations.append(
            Registration(request.type, request.name, request.parent, request.custom, inputs, request.deletedWith, urn)
        )
        if not request.custom:
            return resource_pb2.RegisterResourceResponse(urn=urn, object=struct_pb2.Struct())
        resource_id, outputs = self.mocks.new_resource(
            pulumi.runtime.MockResourceArgs(typ=request.type, name=request.name, inputs=inputs, custom=True)
        )
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=struct(outputs))

    def RegisterResourceOutputs(self, request: Any, context: Any) -> empty_pb2.Empty:  # noqa: N802
        """Keep a component's outputs."""
        self.outputs[request.urn] = json_format.MessageToDict(request.outputs)
        return empty_pb2.Empty()


@dataclass
class Monitor:
    """A fake resource monitor gRPC server on 127.0.0.1, on a port chosen at run time."""

    server: grpc.Server
    address: str
    servicer: FakeMonitor

    @classmethod
    def start(cls, *, stack: str = "dev", preview: bool = False) -> Monitor:
        """Serve on a free port of 127.0.0.1."""
        servicer = FakeMonitor(stack=stack, preview=preview)
        server, address = serve_locally(resource_pb2_grpc.add_ResourceMonitorServicer_to_server, servicer)
        return cls(server, address, servicer)

    def stop(self) -> None:
        """Stop serving at once."""
        self.server.stop(grace=None)


@dataclass
class ComponentPlugin:
    """The component package's plugin process and a client channel to it."""

    spawned: Spawned
    """The process, its port, and what it printed after the port."""
    channel: grpc.Channel
    stub: provider_pb2_grpc.ResourceProviderStub

    @classmethod
    def start(cls, engine_address: str, *, python: str = sys.executable, timeout: float = 60.0) -> ComponentPlugin:
        """Spawn the plugin as the CLI does, read its port, and connect once the channel is ready.

        The plugin is the SDK's component provider host, which watches no pipe: on Linux the kernel kills it when
        the spawning thread ends (`ParentWatch.SIGNAL`).
        """
        spawned = spawn_plugin(
            "the component plugin",
            [python, "__main__.py", engine_address],
            COMPONENTS_DIR,
            clean_env(),
            timeout,
            watch=ParentWatch.SIGNAL,
            phase="plugin-start",
        )
        try:
            channel = grpc.insecure_channel(f"127.0.0.1:{spawned.port}")
            grpc.channel_ready_future(channel).result(timeout=timeout)
        except BaseException:
            interrupt(spawned.process)  # nobody else holds the process yet
            raise
        return cls(spawned, channel, provider_pb2_grpc.ResourceProviderStub(channel))

    def plugin_info(self) -> plugin_pb2.PluginInfo:
        """GetPluginInfo."""
        info: plugin_pb2.PluginInfo = self.stub.GetPluginInfo(empty_pb2.Empty(), timeout=30)
        return info

    def schema(self) -> dict[str, Any]:
        """GetSchema (version 0, the only one), parsed."""
        response = self.stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=30)
        schema: dict[str, Any] = json.loads(response.schema)
        return schema

    def construct(
        self,
        monitor: Monitor,
        resource_type: str,
        name: str,
        inputs: Mapping[str, Any],
        *,
        dry_run: bool = False,
    ) -> provider_pb2.ConstructResponse:
        """Construct one component, as the engine does when a program registers it (numbers sent as doubles)."""
        stack = monitor.servicer.stack
        stack_urn = f"urn:pulumi:{stack}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{stack}"
        request = provider_pb2.ConstructRequest(
            project=PROJECT,
            stack=stack,
            organization="organization",
            dryRun=dry_run,
            monitorEndpoint=monitor.address,
            type=resource_type,
            name=name,
            parent=stack_urn,
            inputs=struct(inputs),
            config={"aws:region": "eu-west-1"},
            accepts_output_values=True,
        )
        response: provider_pb2.ConstructResponse = self.stub.Construct(request, timeout=60)
        return response

    def stop(self) -> None:
        """Interrupt the plugin (it stops its server on KeyboardInterrupt) and wait for it."""
        self.channel.close()
        interrupt(self.spawned.process)
