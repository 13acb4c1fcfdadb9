"""Tools around the program and the policy pack, for people without AWS or the Pulumi CLI at hand.

They live beside the pack because they run it: `pack_runner` starts the pack as the CLI does and talks to it as
the engine does; `program_runner` runs the root program under Pulumi's mocks with config passed as the CLI passes
it. The pack itself (`policies/__main__.py`) never imports this package.
"""
