"""Security groups from validated config: the component, its presets and its config loader.

from security_groups_component import SecurityGroup

web = SecurityGroup("web", {
    "description": "Public web tier",
    "ingress": [{"preset": "https", "peers": ["anywhere"], "description": "HTTPS from the internet"}],
})
"""

from .args import RuleArgs, SecurityGroupArgs, group_args, rule_args
from .component import TYPE_TOKEN, SecurityGroup, read_args
from .model import Direction, Group, Peer, PeerKind, Rule, Traffic
from .presets import PRESETS, Preset
from .problems import ConfigError, Problem
from .settings import StackSettings, load_settings
from .stack import build_security_groups

__all__ = [
    "PRESETS",
    "TYPE_TOKEN",
    "ConfigError",
    "Direction",
    "Group",
    "Peer",
    "PeerKind",
    "Preset",
    "Problem",
    "Rule",
    "RuleArgs",
    "SecurityGroup",
    "SecurityGroupArgs",
    "StackSettings",
    "Traffic",
    "build_security_groups",
    "group_args",
    "load_settings",
    "read_args",
    "rule_args",
]
