"""`zoomstate completion`: the shell completion script."""

from __future__ import annotations

import click


@click.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script for SHELL.

    \b
    Examples:
      zoomstate completion bash > ~/.local/share/bash-completion/completions/zoomstate
      zoomstate completion zsh > "${fpath[1]}/_zoomstate"
      zoomstate completion fish > ~/.config/fish/completions/zoomstate.fish
    """
    from click.shell_completion import get_completion_class

    completer = get_completion_class(shell)
    assert completer is not None
    # The root command (zoomstate's group), found from here: no import cycle with it.
    click.echo(completer(ctx.find_root().command, {}, "zoomstate", "_ZOOMSTATE_COMPLETE").source())
