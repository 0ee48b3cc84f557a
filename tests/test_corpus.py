"""Every invalid state in tests/corpus/invalid is rejected with exactly the expected lines.

See tests/corpus/README.md for the layout and the convention (run from inside the case
folder as `zoomstate validate state`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli_runner import run_cli
from tests.corpus.runtime import BUILDERS, INVALID, case_names, expected_lines, materialise

CASES = case_names()
REPO = Path(__file__).resolve().parents[1]


def test_corpus_is_large_enough_and_complete() -> None:
    assert len(CASES) >= 45
    for name in CASES:
        case = INVALID / name
        assert (case / "expected.txt").is_file(), f"{name}: no expected.txt"
        assert expected_lines(name), f"{name}: expected.txt is empty"
        assert (case / "state").is_dir() or name in BUILDERS, f"{name}: no state/"
    assert set(BUILDERS) <= set(CASES)


@pytest.mark.parametrize("name", CASES)
def test_invalid_state_is_rejected_with_exact_issues(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = materialise(name, tmp_path / name)
    monkeypatch.chdir(case)
    result = run_cli(["validate", "state"])
    assert result.stderr.splitlines() == expected_lines(name)
    assert result.stdout == ""
    assert result.code == 1


def test_example_account_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = run_cli(["validate", "state/"])
    assert result.code == 0, result.stderr
    assert result.stdout == ""
    assert re.fullmatch(r"state: valid \(\d+ users, \d+ profiles\)\n", result.stderr)
