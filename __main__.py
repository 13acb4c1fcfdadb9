"""security-groups: this stack's EC2 security groups, built from stacks/Pulumi.<stack>.yaml.

The config is read and checked as a whole first; if anything is wrong, one error lists every problem
and nothing is created. See docs/config.md for the config format.
"""

from pathlib import Path

import pulumi
from security_groups_component import build_security_groups, collector, load_settings

# Before anything is built: a large stack's objects nearly all live to the end, and the default collector would
# spend about half of the program's time re-examining them (security_groups_component/collector.py).
collector.tune()

STACK_CONFIG_DIR = "stacks"
"""Where the stack files live: Pulumi.yaml's `stackConfigDir` (named in config errors; group files live there)."""

settings = load_settings(STACK_CONFIG_DIR, base_dir=Path(__file__).resolve().parent)
groups = build_security_groups(settings)

exported = {
    key: {
        "id": group.security_group_id,
        "arn": group.security_group_arn,
        "name": group.security_group_name,
        "vpcId": group.vpc_id,
        "ruleIds": group.rule_ids,
    }
    for key, group in groups.items()
}
# Names, VPC ids and rule keys come from the config: when it is secret, so is the export (the engine keeps
# a secret input's outputs secret in state, but an export is built here, from the component's outputs).
secret = bool({"groups", "vpcId", "vpc"} & settings.secret_keys)
pulumi.export("groups", pulumi.Output.secret(exported) if secret else exported)
