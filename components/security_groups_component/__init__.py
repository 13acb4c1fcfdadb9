"""Security groups from validated config: the component, its presets and its config loader.

from security_groups_component import RulePreset, SecurityGroup

web = SecurityGroup("web", {
    "description": "Public web tier",
    "ingress": [{"preset": RulePreset.HTTPS, "peers": ["anywhere"], "description": "HTTPS from the internet"}],
})
"""

from .args import SecurityGroupArgs, SecurityGroupRule
from .component import TYPE_TOKEN, SecurityGroup, read_args
from .enums import Protocol, RulePreset
from .guard import GUARD_TYPE_TOKEN, SecurityGroupGuard, SecurityGroupGuardArgs
from .model import Direction, Group, Peer, PeerKind, Rule, Traffic
from .presets import PRESETS, Preset
from .problems import ConfigError, Problem
from .settings import StackSettings, load_settings
from .stack import build_security_groups

__version__ = "0.1.0"
"""The one place the version lives: the distribution (pyproject reads it) and the component package's
schema (components/__main__.py) both take it from here. Release by tagging the commit `v<version>`."""

__all__ = [
    "GUARD_TYPE_TOKEN",
    "PRESETS",
    "TYPE_TOKEN",
    "ConfigError",
    "Direction",
    "Group",
    "Peer",
    "PeerKind",
    "Preset",
    "Problem",
    "Protocol",
    "Rule",
    "RulePreset",
    "SecurityGroup",
    "SecurityGroupArgs",
    "SecurityGroupGuard",
    "SecurityGroupGuardArgs",
    "SecurityGroupRule",
    "StackSettings",
    "Traffic",
    "__version__",
    "build_security_groups",
    "load_settings",
    "read_args",
]
