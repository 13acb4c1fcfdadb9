"""Policy-pack tests, a package so that this directory's conftest never shadows `tests/conftest.py`.

They import `security_group_policies` as installed in editable mode from `policies/` (requirements.txt), which
is the very directory `pulumi.policy` runs the pack from.
"""
