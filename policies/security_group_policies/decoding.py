"""The engine's requests decoded so that every one gets an answer, even one protobuf refuses to decode.

gRPC decodes a request before any servicer code runs. When that fails, grpcio answers `INTERNAL: Exception
deserializing request!` by itself, and the CLI stops the whole preview or update ("failed to run
remediation": the engine calls Remediate first, for every resource).

How deep a request may nest is upb's (the protobuf runtime's) decision. By default it refuses messages nested
more than 100 levels deep. The pulumi SDK, imported by every pack, lifts that to 65,535 levels
(`SetAllowOversizeProtos(True)` in pulumi/runtime/rpc.py, meant for large messages), and upb's decoder is
recursive: a request nested a few thousand levels deep then overflows the C stack and the pack process dies
with SIGSEGV (the engine sees its connection drop). `add_to_server` therefore puts the default back for the
pack process; with upb it limits depth only, not size (a 150 MB message still decodes). In a resource's
properties (a `Struct`) each map nested in another costs three levels (Struct, map entry, Value) and each list
two (ListValue, Value): a property's value may hold 32 maps, or 48 lists, inside one another (measured in
tests/policies/test_rpc_robust.py). upb also refuses text that is not UTF-8.

The three requests that carry properties (Analyze, Remediate, AnalyzeStack) and Configure are decoded here. A
request that cannot be decoded becomes an `Unreadable` value (with whatever can still be read of the resource:
its type, URN and name); an AnalyzeStack request is then decoded resource by resource, so one unreadable
resource leaves the others to be judged. The analyzer answers each unreadable part with an advisory note per
policy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, NamedTuple

import grpc
from google._upb import _message as _upb_message  # type: ignore[import-untyped]  # upb, protobuf 5's runtime
from google.protobuf import descriptor_pb2, descriptor_pool, empty_pb2, message_factory
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

UNDECODABLE: Final = (
    "protobuf could not decode the request: it nests more than 100 levels deep (a property holding more than 32 "
    "maps or 48 lists inside one another) or holds text that is not UTF-8"
)
"""Why an undecodable request is unreadable; it names the kinds of problem, never anything the request holds."""


class Unreadable(NamedTuple):
    """A resource (or a whole request) that could not be decoded, with what could be read of it."""

    resource_type: str | None
    """None when not even the type could be read: every policy must say it did not check."""
    urn: str
    name: str
    reason: str


class PartialStack(NamedTuple):
    """An AnalyzeStack request of which some resources could not be decoded."""

    request: analyzer_pb2.AnalyzeStackRequest
    """The resources that could be decoded, in the engine's order."""
    unreadable: tuple[Unreadable, ...]


def _shallow_messages() -> tuple[Any, Any]:
    """Message types with the field numbers of the engine's that read only what never nests.

    `Resource` has AnalyzeRequest's and AnalyzerResource's type (1), urn (3) and name (4) and leaves every other
    field undecoded; `Stack` has AnalyzeStackRequest's resources (1), each kept as its encoded bytes. Fields are
    bytes, not strings, so text that is not UTF-8 does not stop them either.
    """
    proto = descriptor_pb2.FileDescriptorProto(
        name="security_group_policies/shallow.proto", package="security_group_policies.shallow", syntax="proto3"
    )
    field = descriptor_pb2.FieldDescriptorProto
    resource = proto.message_type.add(name="Resource")
    for name, number in (("type", 1), ("urn", 3), ("name", 4)):
        resource.field.add(name=name, number=number, type=field.TYPE_BYTES, label=field.LABEL_OPTIONAL)
    stack = proto.message_type.add(name="Stack")
    stack.field.add(name="resources", number=1, type=field.TYPE_BYTES, label=field.LABEL_REPEATED)
    pool = descriptor_pool.DescriptorPool()  # our own pool: nothing of the engine's protocol is redefined
    classes = message_factory.GetMessages([proto], pool=pool)
    return classes["security_group_policies.shallow.Resource"], classes["security_group_policies.shallow.Stack"]


_SHALLOW_RESOURCE, _SHALLOW_STACK = _shallow_messages()


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _unreadable(data: bytes) -> Unreadable:
    """What can be read of an undecodable resource."""
    try:
        shallow = _SHALLOW_RESOURCE.FromString(data)
    except Exception:  # noqa: BLE001  # not even the outer message decodes: nothing is known of the resource
        return Unreadable(None, "", "", UNDECODABLE)
    return Unreadable(_text(shallow.type) or None, _text(shallow.urn), _text(shallow.name), UNDECODABLE)


def decode_analyze(data: bytes) -> analyzer_pb2.AnalyzeRequest | Unreadable:
    """An Analyze (or Remediate) request, or what could be read of it."""
    try:
        request: analyzer_pb2.AnalyzeRequest = analyzer_pb2.AnalyzeRequest.FromString(data)
        return request
    except Exception:  # noqa: BLE001  # any refusal of the decoder: answered, never an error status
        return _unreadable(data)


def decode_stack(data: bytes) -> analyzer_pb2.AnalyzeStackRequest | PartialStack | Unreadable:
    """An AnalyzeStack request; failing that, every resource that decodes, and what can be read of the rest."""
    try:
        stack: analyzer_pb2.AnalyzeStackRequest = analyzer_pb2.AnalyzeStackRequest.FromString(data)
        return stack
    except Exception:  # noqa: BLE001  # decoded again below, one resource at a time
        pass
    try:
        encoded = _SHALLOW_STACK.FromString(data).resources
    except Exception:  # noqa: BLE001  # not even the list of resources decodes
        return Unreadable(None, "", "", UNDECODABLE)
    readable: list[analyzer_pb2.AnalyzerResource] = []
    unreadable: list[Unreadable] = []
    for item in encoded:
        try:
            readable.append(analyzer_pb2.AnalyzerResource.FromString(item))
        except Exception:  # noqa: BLE001  # this resource only
            unreadable.append(_unreadable(item))
    return PartialStack(analyzer_pb2.AnalyzeStackRequest(resources=readable), tuple(unreadable))


def decode_configure(data: bytes) -> analyzer_pb2.ConfigureAnalyzerRequest | Unreadable:
    """A Configure request, or a note that it could not be decoded (Configure then refuses it clearly)."""
    try:
        config: analyzer_pb2.ConfigureAnalyzerRequest = analyzer_pb2.ConfigureAnalyzerRequest.FromString(data)
        return config
    except Exception:  # noqa: BLE001  # refused by the servicer with INVALID_ARGUMENT and this reason
        return Unreadable(None, "", "", UNDECODABLE)


def _handler(method: Callable[[Any, Any], Any], decode: Callable[[bytes], Any], response: Any) -> Any:
    return grpc.unary_unary_rpc_method_handler(
        method, request_deserializer=decode, response_serializer=response.SerializeToString
    )


def restore_depth_limit() -> None:
    """Let upb refuse messages nested more than 100 levels deep again (see the module), for this process."""
    _upb_message.SetAllowOversizeProtos(False)


def add_to_server(servicer: Any, server: grpc.Server) -> None:
    """Serve `servicer` as the generated `add_AnalyzerServicer_to_server` does, with the decoders above.

    gRPC asks generic handlers in the order they were added, so these four methods are answered by ours and
    every other method by the generated table, unchanged. Also restores upb's depth limit for this process,
    which only ever serves the pack.
    """
    restore_depth_limit()
    handlers = {
        "Analyze": _handler(servicer.Analyze, decode_analyze, analyzer_pb2.AnalyzeResponse),
        "AnalyzeStack": _handler(servicer.AnalyzeStack, decode_stack, analyzer_pb2.AnalyzeResponse),
        "Remediate": _handler(servicer.Remediate, decode_analyze, analyzer_pb2.RemediateResponse),
        "Configure": _handler(servicer.Configure, decode_configure, empty_pb2.Empty),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("pulumirpc.Analyzer", handlers),))
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(servicer, server)
