"""The core stays pure: importing it pulls in no HTTP client, no CLI and no sandbox."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import zoomstate.core
import zoomstate.resources

# Every module of the planning packages counts as core, new ones included.
_PACKAGES = tuple(
    f"{package.__name__}.{module.name}"
    for package in (zoomstate.core, zoomstate.resources)
    for module in pkgutil.iter_modules(package.__path__)
)
CORE = (
    "zoomstate.model",
    "zoomstate.live",
    "zoomstate.diff",
    "zoomstate.plan",
    "zoomstate.drift",
    "zoomstate.export",
    "zoomstate.render",
    "zoomstate.render.drift",
    "zoomstate.ratelimits",
    "zoomstate.endpoints",
    "zoomstate.emails",
    "zoomstate.resources.phone_rules",
    "zoomstate.io.paths",
    "zoomstate.core",
    "zoomstate.resources",
    *_PACKAGES,
)
FORBIDDEN = ("httpx", "click", "zoomstate.sandbox", "zoomstate.zoom", "starlette", "uvicorn")


def test_core_imports_no_io_library() -> None:
    # A fresh interpreter: this test process has imported everything already.
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE)
        + f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} or "
        + f"any(m == f or m.startswith(f + '.') for f in {FORBIDDEN!r})]\n"
        + "print(','.join(sorted(bad)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"the core imported: {result.stdout.strip()}"


def test_sandbox_does_not_import_the_client() -> None:
    code = (
        "import sys\nimport zoomstate.sandbox.app, zoomstate.sandbox.embedded\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('zoomstate.zoom')"
        " or m.startswith(('zoomstate.core', 'zoomstate.resources'))"
        " or m in ('zoomstate.plan', 'zoomstate.diff', 'zoomstate.cli'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_the_property_tests_model_is_independent_of_apply() -> None:
    # tests.models is an oracle for what Zoom does; built on the executor or the client,
    # it would agree with their mistakes.
    code = (
        "import sys\nimport tests.models, tests.plan_model\n"
        "print(','.join(sorted(m for m in sys.modules if m == 'zoomstate.apply'"
        " or m.startswith(('zoomstate.apply.', 'zoomstate.zoom', 'zoomstate.sandbox')))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"the model imported: {result.stdout.strip()}"
