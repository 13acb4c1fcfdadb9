"""One module per policy. Each holds its metadata next to its logic and exposes `DEFINITION`.

A module's name is its policy's name without the `aws-ec2-` prefix, with hyphens as underscores.
"""
