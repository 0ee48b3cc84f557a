"""The CLI loads what a command needs, when it runs (issue 13): importing `zoomstate.cli`,
`zoomstate --help` and the offline `zoomstate validate` load no sandbox, no Starlette,
no uvicorn and no HTTP client. And the use cases below the CLI never import click."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import click
import pytest

from zoomstate.cli.lazy import LazyCommands

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("starlette", "uvicorn", "httpx", "zoomstate.sandbox")

# Prints, after running `code`, a last line with every loaded module that is or is under
# a HEAVY name (the command's own output comes before it). The CLI's stand-in for
# pydantic's plugin loader (zoomstate.cli.pydantic_plugins) is not pydantic loaded.
_REPORT = (
    "import sys\n"
    "{code}\n"
    "heavy = {heavy!r}\n"
    "print('heavy:' + ','.join(sorted(m for m, module in sys.modules.items()\n"
    "    if any(m == h or m.startswith(h + '.') for h in heavy)\n"
    "    and type(module).__name__ != '_LoaderStandIn')))\n"
)


def _heavy_after(code: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    """The modules loaded by `code` in a fresh interpreter that are, or are under, one of
    `heavy`."""
    # A fresh interpreter: this test process has imported everything already.
    done = subprocess.run(
        [sys.executable, "-c", _REPORT.format(code=code, heavy=heavy)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    last = done.stdout.splitlines()[-1]
    assert last.startswith("heavy:"), done.stdout
    return [m for m in last.removeprefix("heavy:").split(",") if m]


def _main(*args: str) -> str:
    return (
        "from zoomstate.cli import main\n"
        "try:\n"
        f"    code = main({list(args)!r})\n"
        "except SystemExit as exc:\n"  # --help exits through click
        "    code = exc.code\n"
        "assert code == 0, code\n"
    )


def test_importing_the_cli_loads_nothing_heavy() -> None:
    assert _heavy_after("import zoomstate.cli") == []


def test_importing_the_cli_loads_nothing_heavy_by_importtime() -> None:
    # The measure the issue names: every module Python reports importing.
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import zoomstate.cli"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()]
    assert "zoomstate.cli" in imported
    heavy = [m for m in imported if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert heavy == []


def test_help_loads_nothing_heavy() -> None:
    assert _heavy_after(_main("--help")) == []


def test_validate_loads_nothing_heavy() -> None:
    assert _heavy_after(_main("validate", str(REPO / "state"))) == []


# Issue 15: `--help` (every shell-completion TAB) and `validate` (every commit, through
# the pre-commit hook) under 0.2 s to start. What each must not load, beyond HEAVY: the
# planner, the client, apply, the renderers and the event loop are for the commands that
# talk to an account; the CSV import, the atomic writer, a process pool and difflib are
# for the commands and states that need them; pydantic's plugin discovery is for no
# command. Timings are measured in docs/benchmarks.md, never asserted here.
NOT_FOR_HELP = (
    *HEAVY,
    "asyncio",
    "pydantic",
    "yaml",
    "zoomstate.model",
    "zoomstate.loader",
    "zoomstate.io",
    "zoomstate.core",
    "zoomstate.zoom",
    "zoomstate.apply",
    "zoomstate.render",
)
NOT_FOR_VALIDATE = (
    *HEAVY,
    "asyncio",
    "concurrent.futures",
    "multiprocessing",
    "difflib",
    # pydantic's plugin discovery (zoomstate.cli.pydantic_plugins)
    "importlib.metadata",
    "email",
    "zoomstate.atomic",
    "zoomstate.importcsv",
    "zoomstate.io.importcsv",
    "zoomstate.io.csv_reader",
    "zoomstate.core",
    "zoomstate.diff",
    "zoomstate.plan",
    "zoomstate.zoom",
    "zoomstate.apply",
    "zoomstate.render",
    "zoomstate.session",
)


def test_help_loads_no_model_yaml_planner_or_event_loop() -> None:
    assert _heavy_after(_main("--help"), NOT_FOR_HELP) == []


def test_validate_loads_no_planner_client_csv_import_or_process_pool() -> None:
    assert _heavy_after(_main("validate", str(REPO / "state")), NOT_FOR_VALIDATE) == []


def test_the_check_sees_what_a_command_that_plans_loads(tmp_path: Path) -> None:
    # Not vacuous: plan does load the planner, the client and the event loop.
    loaded = _heavy_after(
        _main("--sandbox", str(tmp_path / "sb.json"), "plan", str(REPO / "state")),
        NOT_FOR_VALIDATE,
    )
    assert {"asyncio", "zoomstate.core", "zoomstate.zoom", "zoomstate.render"} <= set(loaded)


def test_a_large_state_does_parse_in_a_process_pool(tmp_path: Path) -> None:
    # The pool is imported when it is used: a state big enough to be parsed on every core
    # (the threshold lowered, so that two small files are "big enough").
    for f in range(2):
        (tmp_path / f"u{f}.yaml").write_text(f"users: [{{email: u{f}@example.com}}]\n")
    code = (
        "from pathlib import Path\n"
        "from zoomstate.io import yamlsafe\n"
        "yamlsafe._PARALLEL_MIN_BYTES = 0\n"
        f"files = sorted(Path({str(tmp_path)!r}).glob('*.yaml'))\n"
        "parsed = yamlsafe.parse_all([(p, p.name) for p in files], workers=2)\n"
        "assert [p.data['users'][0]['email'] for p in parsed] == "
        "['u0@example.com', 'u1@example.com']\n"
    )
    assert "concurrent.futures.process" in _heavy_after(code, ("concurrent.futures",))


def test_the_check_sees_a_command_that_does_need_the_sandbox() -> None:
    # Not vacuous: the sandbox server's help imports it (and Starlette).
    heavy = _heavy_after(_main("sandbox", "serve", "--help"))
    assert "zoomstate.sandbox.cli" in heavy and "starlette" in heavy


@pytest.mark.parametrize("module", sorted((REPO / "zoomstate" / "usecases").glob("*.py")))
def test_use_cases_do_not_import_click_or_the_cli(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    bad = [m for m in imported if m.split(".")[0] == "click" or m.startswith("zoomstate.cli")]
    assert bad == [], f"{module.name} imports {bad}"


def test_lazy_commands_import_a_command_only_when_it_is_looked_up() -> None:
    commands = LazyCommands({"validate": "zoomstate.cli.validate:validate"})
    assert "validate" in commands and list(commands) == ["validate"] and len(commands) == 1
    assert commands.get("nope") is None
    assert isinstance(commands["validate"], click.Command)
    extra = click.Command("extra")
    commands["extra"] = extra
    assert sorted(commands) == ["extra", "validate"] and commands["extra"] is extra
    del commands["validate"]
    assert list(commands) == ["extra"]
    with pytest.raises(KeyError):
        del commands["validate"]


def test_lazy_commands_refuse_what_is_not_a_command() -> None:
    with pytest.raises(TypeError, match="not a click command"):
        LazyCommands({"x": "zoomstate.cli.options:reason"})["x"]
