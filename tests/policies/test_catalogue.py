"""Every policy's name, module, docstring, description, severity and metadata agree, and the pack is sound."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel
from security_group_policies import checks
from security_group_policies.catalogue import METAS, RESOURCE_POLICIES, STACK_POLICIES, WAIVER_REPORT, analyzer
from security_group_policies.framework import PolicyMeta, ResourcePolicyDef, StackPolicyDef
from security_group_policies.sdk import as_sdk_policies
from security_group_policies.tables import RULE_BEARING_TYPES

NAME = re.compile(r"aws-ec2-(securitygroup|defaultsecuritygroup)-(disallow|missing|enforce|report)(-[a-z0-9]+)+")
"""`aws-ec2-<resource>-<verb>-<what>`, with a closed list of verbs."""

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
MODULES = {
    info.name: importlib.import_module(f"{checks.__name__}.{info.name}")
    for info in pkgutil.iter_modules(checks.__path__)
}


def module_of(meta: PolicyMeta) -> ModuleType:
    """A policy's module: its name without `aws-ec2-`, hyphens as underscores."""
    return MODULES[meta.name.removeprefix("aws-ec2-").replace("-", "_")]


def test_every_module_is_in_the_catalogue_once() -> None:
    """No policy module is left out of the pack, and no name is used twice."""
    names = [meta.name for meta in METAS]
    assert len(names) == len(set(names))
    assert sorted(module_of(meta).__name__ for meta in METAS) == sorted(module.__name__ for module in MODULES.values())


@pytest.mark.parametrize("meta", METAS, ids=lambda meta: meta.name)
def test_metadata_agrees(meta: PolicyMeta) -> None:
    """Name grammar, module docstring = description, remediation, severity and options are all in order."""
    module = module_of(meta)
    assert NAME.fullmatch(meta.name), meta.name
    assert len(meta.name) <= 100
    assert module.META is meta
    assert (module.__doc__ or "").splitlines()[0] == meta.description
    assert meta.description.endswith(".")
    assert meta.remediation_steps.endswith(".")
    assert meta.severity is not None
    assert meta.tags
    keys = [option.key for option in meta.options]
    assert len(keys) == len(set(keys))
    for option in meta.options:
        assert {"default", "description"} <= set(option.schema), option.key
        assert option.default == option.parse(option.schema["default"])
    assert ("allowWaivers" in keys) is meta.waivable
    assert "excludeNames" in keys or meta.name.endswith("report-waivers")


def engine_defaults(meta: PolicyMeta) -> dict[str, Any]:
    """The defaults as the engine sends them back: from the schema, every number a float."""

    def as_engine(value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return float(value)
        if isinstance(value, list):
            return [as_engine(item) for item in value]
        return value

    return {option.key: as_engine(option.schema["default"]) for option in meta.options}


@pytest.mark.parametrize("definition", [*RESOURCE_POLICIES, *STACK_POLICIES], ids=lambda d: d.meta.name)
def test_code_defaults_equal_schema_defaults(definition: ResourcePolicyDef[Any] | StackPolicyDef[Any]) -> None:
    """A policy called with no config (unit tests) behaves as with the engine's filled-in schema defaults."""
    assert definition.read_settings({}) == definition.read_settings(engine_defaults(definition.meta))


def test_sdk_objects_carry_the_metadata() -> None:
    """The stock-pack policies (`sdk.py`) carry the metadata: pack order, names, levels, severities, schemas."""
    built = as_sdk_policies()
    assert [policy.name for policy in built] == [meta.name for meta in METAS]
    for policy, meta in zip(built, METAS, strict=True):
        assert (policy.description, policy.enforcement_level, policy.severity) == (
            meta.description,
            meta.enforcement_level,
            meta.severity,
        )
        assert policy.remediation_steps == meta.remediation_steps
        assert policy.config_schema is not None
        assert policy.config_schema.properties == meta.config_schema().properties


def test_analyzer_info_lists_the_pack_in_order() -> None:
    """GetAnalyzerInfo lists every policy in pack order: resource policies, the waiver report, stack policies."""
    info = analyzer().GetAnalyzerInfo(None, None)
    listed = [(policy.name, policy.policy_type) for policy in info.policies]
    resource, stack = analyzer_pb2.PolicyType.POLICY_TYPE_RESOURCE, analyzer_pb2.PolicyType.POLICY_TYPE_STACK
    assert listed == [
        *((definition.meta.name, resource) for definition in RESOURCE_POLICIES),
        (WAIVER_REPORT.META.name, resource),
        *((definition.meta.name, stack) for definition in STACK_POLICIES),
    ]
    assert WAIVER_REPORT.META.enforcement_level is EnforcementLevel.ADVISORY


def test_waivable_policies_are_covered_by_the_report() -> None:
    """Every type a waivable policy judges is one the report policy reads notes for."""
    for definition in RESOURCE_POLICIES:
        assert definition.applies_to <= RULE_BEARING_TYPES
    assert not any(definition.meta.waivable for definition in STACK_POLICIES)


def test_main_only_assembles_the_pack() -> None:
    """policies/__main__.py imports, freezes what it imported out of GC scans, and serves the catalogue's analyzer."""
    tree = ast.parse((PACK_DIR / "__main__.py").read_text())
    statements = [node for node in tree.body if not isinstance(node, (ast.Import, ast.ImportFrom))]
    assert isinstance(statements[0], ast.Expr)  # the module docstring
    freeze, call = statements[1:]
    assert ast.unparse(freeze) == "gc.freeze()"
    assert ast.unparse(call) == "serve(analyzer())"


def test_pack_project_file() -> None:
    """PulumiPolicy.yaml declares a Python runtime with a virtualenv, a version and a description."""
    import yaml

    project = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    assert project["runtime"] == {"name": "python", "options": {"virtualenv": "venv"}}
    assert re.fullmatch(r"\d+\.\d+\.\d+", project["version"])
    assert project["description"]


def test_pack_requirements_are_pinned() -> None:
    """Every requirement of the pack's own virtualenv is pinned to one version."""
    lines = [line.strip() for line in (PACK_DIR / "requirements.txt").read_text().splitlines()]
    requirements = [line for line in lines if line and not line.startswith("#")]
    assert requirements
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][A-Za-z0-9.]*", line) for line in requirements)


SHARED_STATE = {"threading.local", "weakref", "gc", "pulumi_policy.policy._PolicyAnalyzerServicer"}
"""What the policies must not lean on: per-thread state, weak references, collector tricks, the SDK's servicer."""


def _leans_on(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in {"weakref", "gc"})
        elif isinstance(node, ast.ImportFrom) and node.module == "pulumi_policy.policy":
            found.update(f"pulumi_policy.policy.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Attribute) and ast.unparse(node) == "threading.local":
            found.add("threading.local")
    return found & SHARED_STATE


@pytest.mark.parametrize("path", sorted((PACK_DIR / "security_group_policies").rglob("*.py")), ids=lambda p: p.name)
def test_no_policy_module_shares_state_between_calls_or_leans_on_the_sdks_servicer(path: Path) -> None:
    """Each request's context is passed explicitly (`framework.Call`, `stack.Stack`); nothing else carries it.

    The one exception is the loop's own: the analyzer moves a converted stack out of the cyclic collector's scans
    once per AnalyzeStack (`gc.freeze`), which no policy does or sees.
    """
    allowed = {"gc"} if path.name == "analyzer.py" else set()
    assert _leans_on(path) - allowed == set()


def test_the_guard_above_sees_what_it_forbids(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import gc\nimport threading\nfrom pulumi_policy.policy import _PolicyAnalyzerServicer\n"
        "_x = threading.local()\n"
    )
    assert _leans_on(probe) == {"gc", "threading.local", "pulumi_policy.policy._PolicyAnalyzerServicer"}
