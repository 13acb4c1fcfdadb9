"""`python -m security_group_tools`: the same as the `security-groups` command."""

from security_group_tools.console import main

raise SystemExit(main())
