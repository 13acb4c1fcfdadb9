"""The offline preview as JSON for other tools: sorted keys, resources by type and name, findings blocking first.

Values unknown until apply are the engine's unknown sentinel, as in `pulumi preview --json`.
"""

from __future__ import annotations

import json
from typing import Any

from .preview_model import Location, Preview


def location(where: Location | None) -> dict[str, Any] | None:
    """Where a finding's cause was written (path relative to the project, line and column from 1), or None."""
    if where is None:
        return None
    return {"path": where.path, "line": where.line, "column": where.column}


def document(preview: Preview) -> dict[str, Any]:
    """The preview as plain data."""
    resources = sorted(preview.resources, key=lambda r: (r.type, r.name, r.urn))
    return {
        "stack": preview.stack,
        "policyConfig": preview.policy_config,
        "resources": [
            {
                "type": r.type,
                "name": r.name,
                "urn": r.urn,
                "parent": r.parent,
                "inputs": r.inputs,
                "dependencies": {prop: list(urns) for prop, urns in r.dependencies.items()},
            }
            for r in resources
        ],
        "findings": [
            {
                "policy": f.policy,
                "level": f.level,
                "severity": f.severity,
                "resource": f.resource,
                "urn": f.urn,
                "message": f.message,
                "location": location(f.location),
            }
            for f in preview.findings
        ],
        "summary": preview.summary(),
    }


def render(preview: Preview) -> str:
    """Indented, key-sorted JSON with a final newline."""
    return json.dumps(document(preview), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
