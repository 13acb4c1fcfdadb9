"""The component package's plugin: serve SecurityGroup to Pulumi programs in any language.

The Pulumi CLI runs this file as `python __main__.py <engine-address>` with this directory as the working
directory (PulumiPlugin.yaml); it prints its gRPC port and answers GetSchema and Construct. The schema is
inferred from the component's type hints and docstrings; components/schema.json is the reviewed copy.
"""

from pulumi.provider.experimental import component_provider_host
from security_groups_component import SecurityGroup, SecurityGroupGuard, __version__
from security_groups_component.component import PACKAGE_NAME, PACKAGE_NAMESPACE

if __name__ == "__main__":
    component_provider_host(
        components=[SecurityGroup, SecurityGroupGuard],
        name=PACKAGE_NAME,
        namespace=PACKAGE_NAMESPACE,
        version=__version__,
    )
