"""Two security groups from the pip-installed component: a public web tier and an app tier only it can reach."""

import pulumi
from security_groups_component import Protocol, RulePreset, SecurityGroup

web = SecurityGroup(
    "web",
    {
        "description": "Public web tier",
        "ingress": [{"preset": RulePreset.HTTPS, "peers": ["anywhere"], "description": "HTTPS from the internet"}],
    },
)

app = SecurityGroup(
    "app",
    {
        "description": "Application servers",
        "ingress": [
            {"protocol": Protocol.TCP, "ports": "8080", "peers": ["group:web"], "description": "From the web tier"}
        ],
        "egress": [],
        # `group:web` above names this key; the id is an output of the other component.
        "group_ids": {"web": web.security_group_id},
    },
)

pulumi.export("webSecurityGroupId", web.security_group_id)
pulumi.export("appRuleIds", app.rule_ids)
