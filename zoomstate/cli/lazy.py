"""Commands imported when they are used, not when the CLI starts (hatch's LazyGroup).

Without this, `zoomstate validate` (offline, no network) imported the whole sandbox,
Starlette and httpx just to register `zoomstate sandbox serve`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping

import click

__all__ = ["LazyCommands"]


class LazyCommands(MutableMapping[str, click.Command]):
    """A group's commands by name, each imported from its "module:attribute" the first
    time it is looked up.

    A mapping, rather than a Group subclass overriding get_command, so that everything
    click and the tests do with `group.commands` (names for help and completion, `in`,
    `add_command`) keeps its meaning. Listing names imports nothing; `--help` looks up
    every command for its one-line help, which imports the command modules only (they
    import their use cases when run).
    """

    def __init__(self, specs: Mapping[str, str]) -> None:
        self._specs = dict(specs)
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module, _, attribute = self._specs[name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self._specs[name]} is not a click command")
            self._loaded[name] = command
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._specs.pop(name, None)
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._specs.pop(name, None)
        self._loaded.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._specs or name in self._loaded

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._specs, *self._loaded]))

    def __len__(self) -> int:
        return len(self._specs.keys() | self._loaded.keys())
