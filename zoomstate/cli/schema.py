"""`zoomstate schema`: the JSON Schema of a state file, for editors."""

from __future__ import annotations

import click

from zoomstate.cli.ui import emit_json


@click.command()
def schema() -> None:
    """Print the JSON Schema of one state file (for editors).

    \b
    Put this first line in a state file to get completion and checks in editors
    that use yaml-language-server (VS Code's YAML extension, for example):
      # yaml-language-server: $schema=../docs/state.schema.json

    \b
    Example:
      zoomstate schema > docs/state.schema.json
    """
    from zoomstate.usecases.offline import state_file_schema

    emit_json(state_file_schema())
