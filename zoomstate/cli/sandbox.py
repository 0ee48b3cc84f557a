"""`zoomstate sandbox`: the group, declared here so that listing it (in `zoomstate
--help`) imports nothing of the sandbox. Its `serve` is `zoomstate.sandbox.cli.serve`,
imported (with Starlette and uvicorn) only when it is run or its help is shown."""

from __future__ import annotations

import click

from zoomstate.cli.lazy import LazyCommands


@click.group(name="sandbox", commands=LazyCommands({"serve": "zoomstate.sandbox.cli:serve"}))
def sandbox() -> None:
    """A local emulator of Zoom's REST API (users, Zoom Phone, Contact Center).

    \b
    Examples:
      zoomstate sandbox serve --port 9000 --data sandbox.json
      zoomstate --sandbox sandbox.json plan    # the same account, in-process
    """
