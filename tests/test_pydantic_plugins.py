"""The command line runs no pydantic plugins and does not look for them
(zoomstate.cli.pydantic_plugins); `PYDANTIC_DISABLE_PLUGINS` hands the choice back to
pydantic. Each check that needs a process where no model was built yet runs in a fresh
interpreter: this one built its models on import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from zoomstate.cli.pydantic_plugins import LOADER, skip_plugin_discovery

REPO = Path(__file__).resolve().parents[1]

_VALIDATE = (
    "import sys\n"
    "from zoomstate.cli import main\n"
    f"code = main(['validate', {str(REPO / 'state')!r}])\n"
    "assert code == 0, code\n"
    "print('loaded:', 'importlib.metadata' in sys.modules,"
    f" type(sys.modules[{LOADER!r}]).__name__)\n"
)


def _run(code: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env=env,
    )
    return done.stdout.splitlines()[-1]


@pytest.fixture
def plugin_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An installed pydantic plugin (a distribution with a `pydantic` entry point) that
    leaves a mark when pydantic loads it, and the environment that sees it."""
    mark = tmp_path / "loaded"
    (tmp_path / "markplugin.py").write_text(
        "from pathlib import Path\n"
        f"Path({str(mark)!r}).write_text('yes')\n"
        "class _Plugin:\n"
        "    def new_schema_validator(self, *args, **kwargs):\n"
        "        return None, None, None\n"
        "plugin = _Plugin()\n"
    )
    dist = tmp_path / "markplugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: markplugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[pydantic]\nmark = markplugin:plugin\n")
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env.get("PYTHONPATH", "")])
    return env, mark


def test_validate_neither_looks_for_nor_runs_a_plugin(
    plugin_env: tuple[dict[str, str], Path],
) -> None:
    env, mark = plugin_env
    assert _run(_VALIDATE, env) == "loaded: False _LoaderStandIn"
    assert not mark.exists()


def test_pydantic_disable_plugins_leaves_the_choice_to_pydantic(
    plugin_env: tuple[dict[str, str], Path],
) -> None:
    # Not vacuous: set (even empty), pydantic looks for plugins and finds this one.
    env, mark = plugin_env
    assert _run(_VALIDATE, {**env, "PYDANTIC_DISABLE_PLUGINS": ""}) == "loaded: True module"
    assert mark.read_text() == "yes"
    mark.unlink()
    assert _run(_VALIDATE, {**env, "PYDANTIC_DISABLE_PLUGINS": "__all__"}).endswith("module")
    assert not mark.exists()


def test_a_name_the_stand_in_does_not_know_loads_the_real_loader() -> None:
    # What a pydantic release that changed its loader would see: its own module.
    code = (
        "import sys\n"
        "from zoomstate.cli.pydantic_plugins import LOADER, skip_plugin_discovery\n"
        "assert skip_plugin_discovery()\n"
        "from pydantic.plugin._loader import PYDANTIC_ENTRY_POINT_GROUP\n"
        "from pydantic.plugin._loader import get_plugins\n"
        "print(PYDANTIC_ENTRY_POINT_GROUP, type(sys.modules[LOADER]).__name__,"
        " get_plugins.__module__)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    assert _run(code, env) == f"pydantic module {LOADER}"


def test_the_stand_in_goes_in_only_where_no_one_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, LOADER, raising=False)
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "__all__")
    assert skip_plugin_discovery() is False and LOADER not in sys.modules
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS")
    assert skip_plugin_discovery() is True
    stand_in = sys.modules[LOADER]
    assert list(stand_in.get_plugins()) == []
    assert skip_plugin_discovery() is True and sys.modules[LOADER] is stand_in
    with pytest.raises(AttributeError):
        stand_in.__path__  # noqa: B018 - what the import system asks of a module
