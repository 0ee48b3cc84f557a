"""The command line runs no pydantic plugins, and so does not look for them.

pydantic looks for plugins (the `pydantic` entry points of every installed distribution)
when it builds its first model: its loader module imports `importlib.metadata`, and with
it `email`, `zipfile`, `csv` and `socket`, then reads every distribution's metadata. On
this project's machine that is about 30 ms of every command's start-up, an eighth of
`validate`'s (docs/benchmarks.md), for something zoomstate has no use for: a pydantic
plugin watches validation (logfire's, for one), and any installed one would also slow
every state load.

pydantic's documented switch, `PYDANTIC_DISABLE_PLUGINS`, skips the reading but not the
import. So `main` puts a stand-in for the loader module in `sys.modules` before any model
is built: it finds no plugins. Any other name asked of it loads the real module and
hands that out, so a pydantic release that changes its loader runs its own code, only
without the saving. Setting `PYDANTIC_DISABLE_PLUGINS` (to anything, even empty) leaves
the choice to pydantic, as pydantic documents it.
"""

from __future__ import annotations

import importlib
import os
import sys
import types

__all__ = ["LOADER", "skip_plugin_discovery"]

LOADER = "pydantic.plugin._loader"


def _no_plugins(*args: object, **kwargs: object) -> tuple[()]:
    return ()


class _LoaderStandIn(types.ModuleType):
    """`pydantic.plugin._loader` with no plugins to find."""

    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):
            # The import system asks a module for `__path__` and the like: a plain
            # module has none of them.
            raise AttributeError(name)
        # A name this stand-in does not know: the real module, from now on.
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def skip_plugin_discovery() -> bool:
    """Put the stand-in in place unless the user chose with `PYDANTIC_DISABLE_PLUGINS`
    or pydantic's loader is already loaded. True when it is in place."""
    if "PYDANTIC_DISABLE_PLUGINS" in os.environ or LOADER in sys.modules:
        return isinstance(sys.modules.get(LOADER), _LoaderStandIn)
    stand_in = _LoaderStandIn(LOADER, "zoomstate: pydantic's plugin loader, no plugins.")
    vars(stand_in)["get_plugins"] = _no_plugins
    sys.modules[LOADER] = stand_in
    return True
