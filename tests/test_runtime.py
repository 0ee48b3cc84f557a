"""How a command runs in the process (zoomstate/usecases/runtime.py): a coroutine's
result handed back without asyncio.run building its repr() (CPython issue 112559), and
the collector tamed for a block and restored after it."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from tests.cli_runner import run_cli
from zoomstate.live import LiveState
from zoomstate.usecases.runtime import TAMED_THRESHOLDS, run_async, tamed_gc


class Counted:
    """A result that counts how often its repr() is built (asyncio formats results
    with reprlib, which swallows an exception from repr(): counting is what shows)."""

    built = 0

    def __repr__(self) -> str:
        type(self).built += 1
        return "Counted()"


def test_run_async_hands_back_the_result_without_its_repr() -> None:
    async def main() -> Counted:
        return Counted()

    Counted.built = 0
    assert isinstance(run_async(main()), Counted)
    assert Counted.built == 0


def test_run_async_raises_what_the_coroutine_raised() -> None:
    async def main() -> None:
        raise KeyError("inside")

    with pytest.raises(KeyError, match="inside"):
        run_async(main())


def test_plan_builds_no_repr_of_the_live_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The repr of a 100,000-user LiveState took 0.6 to 0.9 s, twice per read.
    built: list[int] = []

    def counted(self: LiveState) -> str:
        built.append(len(self.users))
        return "LiveState(...)"

    monkeypatch.setattr(LiveState, "__repr__", counted)
    state = Path(__file__).resolve().parents[1] / "state"
    result = run_cli(["--sandbox", str(tmp_path / "sb.json"), "plan", str(state)])
    assert result.code == 0, result.stderr
    assert built == []


def test_tamed_gc_raises_the_thresholds_and_restores_them() -> None:
    before = gc.get_threshold()
    with tamed_gc():
        assert gc.get_threshold() == TAMED_THRESHOLDS
        with tamed_gc():
            assert gc.get_threshold() == TAMED_THRESHOLDS
        assert gc.get_threshold() == TAMED_THRESHOLDS
    assert gc.get_threshold() == before


def test_tamed_gc_restores_the_thresholds_when_the_block_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), tamed_gc():
        raise RuntimeError("failed")
    assert gc.get_threshold() == before


def test_tamed_gc_as_a_decorator() -> None:
    before = gc.get_threshold()

    @tamed_gc()
    def work() -> tuple[int, int, int]:
        return gc.get_threshold()

    assert work() == TAMED_THRESHOLDS
    assert work() == TAMED_THRESHOLDS  # each call tames and restores again
    assert gc.get_threshold() == before
