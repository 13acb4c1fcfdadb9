"""The `security-groups` command (`console`) and what it is built from, for people without AWS or the CLI at hand.

`preview` runs the project's program under Pulumi's mocks with config passed as the CLI passes it
(`program_runner`) and starts the policy pack as the CLI does, talking to it as the engine does (`pack_runner`);
`adopt` and `audit` read live groups through boto3 and judge them with the pack's own policies. The pack
(`policies/`) never imports this package: it is what `pulumi policy publish` uploads, and nothing else.
"""

__version__ = "0.1.0"
