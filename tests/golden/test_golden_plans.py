"""Golden plans: every plan scenario, the demo and a mixed generated account, planned
again and compared byte for byte with the files in `tests/golden/plans/` (operation ids,
order, dependencies, fingerprints, `format_version`, `zoomstate_version`: saved plans and
the CI recipes depend on them).

A golden changes only on purpose. To regenerate after a deliberate change:

    ZOOMSTATE_UPDATE_GOLDEN=1 pytest -p no:cacheprovider tests/golden

then review `git diff tests/golden/plans` and give the reason in the commit and the
CHANGELOG (tests/golden/README.md).
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.golden.cases import DEMO, GOLDENS, PLANS_DIR, REPO, golden_path
from tests.scenarios.cases import BY_NAME, materialise
from zoomstate.cli import main

# Read at import: the suite's autouse fixture clears every ZOOMSTATE_* variable before
# each test runs.
UPDATE = os.environ.get("ZOOMSTATE_UPDATE_GOLDEN") == "1"
HOW_TO_UPDATE = (
    "if the change is on purpose: ZOOMSTATE_UPDATE_GOLDEN=1 pytest tests/golden, then give "
    "the reason in the commit and the CHANGELOG (tests/golden/README.md)"
)
MAX_DIFF_LINES = 150


def _op_ids(text: str) -> list[str] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    ops = data.get("operations") if isinstance(data, dict) else None
    return [str(op.get("id")) for op in ops] if isinstance(ops, list) else None


def explain(name: str, expected: str, actual: str) -> str:
    """What changed, for a person: the operation ids in order first (when both are
    plans), then a unified diff of the files."""
    lines = [f"golden plan {name!r} changed ({HOW_TO_UPDATE})"]
    before, after = _op_ids(expected), _op_ids(actual)
    if before is not None and after is not None and before != after:
        lines += ["operation ids, in order:", f"  golden:     {before}", f"  recomputed: {after}"]
    diff = list(
        difflib.unified_diff(
            expected.splitlines(),
            actual.splitlines(),
            fromfile=f"tests/golden/plans/{name}.json",
            tofile="recomputed",
            lineterm="",
        )
    )
    lines += diff[:MAX_DIFF_LINES]
    if len(diff) > MAX_DIFF_LINES:
        lines.append(f"... {len(diff) - MAX_DIFF_LINES} more diff lines")
    return "\n".join(lines)


@pytest.mark.parametrize("name", sorted(GOLDENS))
def test_plan_is_the_golden_byte_for_byte(name: str, tmp_path: Path) -> None:
    actual = GOLDENS[name](tmp_path)
    path = golden_path(name)
    if UPDATE and (not path.exists() or path.read_text(encoding="utf-8") != actual):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        pytest.skip(f"updated {path.relative_to(REPO)}")
    assert path.exists(), f"no golden file {path.relative_to(REPO)} ({HOW_TO_UPDATE})"
    expected = path.read_bytes().decode("utf-8")
    if actual != expected:
        pytest.fail(explain(name, expected, actual), pytrace=False)


def test_every_golden_file_belongs_to_a_case() -> None:
    stale = sorted(p.stem for p in PLANS_DIR.glob("*.json") if p.stem not in GOLDENS)
    if UPDATE:
        for name in stale:
            golden_path(name).unlink()
        return
    assert stale == [], f"golden files of no case (a scenario renamed or gone?): {stale}"


def test_the_same_inputs_give_the_same_bytes(tmp_path: Path) -> None:
    # The scenario with the most steps, planned twice from fresh sandboxes.
    first = GOLDENS["seats_full_until_a_leaver_frees_one"](tmp_path / "a")
    assert GOLDENS["seats_full_until_a_leaver_frees_one"](tmp_path / "b") == first


# -- the goldens are what the CLI saves


def _cli(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


def _refused(name: str) -> bool:
    data: dict[str, Any] = json.loads(golden_path(name).read_text(encoding="utf-8"))
    return "refused" in data


def test_make_demo_first_plan_saves_the_demo_golden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make demo`: a fresh sandbox file from the demo seed, on the real clock, then
    `zoomstate --sandbox FILE plan state/`: with `--out`, the file is the golden."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "plan.json"
    code, err = _cli(
        "--sandbox", str(tmp_path / "demo.json"), "plan", str(REPO / "state"), "--out", str(out),
        capsys=capsys,
    )  # fmt: skip
    assert code == 0, err
    assert out.read_text(encoding="utf-8") == golden_path(DEMO).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_cli_saved_plan_is_the_golden(
    name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`zoomstate --sandbox FILE plan STATE --out PLAN` with the scenario's arguments
    writes the golden; a refused scenario exits 1 and writes nothing."""
    scenario = BY_NAME[name]
    sandbox, state = materialise(scenario, tmp_path)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "plan.json"
    code, err = _cli(
        "--sandbox", str(sandbox), "plan", str(state), "--out", str(out), *scenario.args,
        capsys=capsys,
    )  # fmt: skip
    if _refused(name):
        assert (code, out.exists()) == (1, False), err
        return
    assert code == 0, err
    assert out.read_text(encoding="utf-8") == golden_path(name).read_text(encoding="utf-8")
