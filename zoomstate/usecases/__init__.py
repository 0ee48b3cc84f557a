"""What each command does, without click: the CLI (`zoomstate.cli`) only parses options,
shows and maps errors to exit codes, so a CI runner or an API can call the same steps.

- `offline`: validate, schema, import-csv and writing state files (no account);
- `reading`: reading the account, then plan, drift and export over what was read;
- `applying`: apply (journal, re-plan and compare with a saved plan, consent, approval).

Each module imports only what its use cases need, so that an offline command loads no
HTTP client (and none of them loads the sandbox unless it is the account).
"""
