"""Markdown cut to fit a comment (`plan`/`drift` `--max-chars`): between lines, every
`<details>` closed, the rows left out counted, the full document linked. What `head -c`
did before: half a table row, an open `<details>` that swallowed the comment's footer."""

from __future__ import annotations

import re

import pytest

from tests.cli_runner import run_cli
from zoomstate.core.ops import Operation, Waiting
from zoomstate.core.plan_format import Plan
from zoomstate.render.fit import fit_markdown
from zoomstate.render.markdown import render_plan_markdown


def big_plan(users: int) -> Plan:
    ops = tuple(
        Operation(
            f"user{i:05d}@example.com/update_user",
            "update_user",
            f"user{i:05d}@example.com",
            {"fields": {"department": "Sales | EMEA"}},
            before={"department": "Sales"},
            after={"department": "Sales | EMEA"},
        )
        for i in range(users)
    )
    waiting = tuple(
        Waiting(f"hire{i}@example.com", "assign_role", "invited: pending", "Admin")
        for i in range(30)
    )
    return Plan(ops, waiting, ("a warning",), "sha256:" + "0" * 64, {})


def rows(text: str) -> list[str]:
    return [
        line
        for line in text.splitlines()
        if (line.startswith("| ") and not re.match(r"^\|(\s*:?-+:?\s*\|)+$", line))
        or line.startswith("- ")
    ]


@pytest.mark.parametrize("limit", [1_000, 5_000, 60_000])
def test_a_long_plan_is_cut_between_rows_and_closed(limit: int) -> None:
    full = render_plan_markdown(big_plan(3_000))
    assert len(full) > limit
    cut = fit_markdown(full, limit, link="https://ci.invalid/run/1#artifacts")
    assert len(cut) <= limit
    kept, _, tail = cut.rpartition("\n**")
    # Whole lines of the plan, in order, up to the note.
    assert full.startswith(kept) and kept.endswith("|\n")
    assert cut.count("<details") == cut.count("</details>")
    # The last table line before the note is a whole row.
    last = [line for line in kept.splitlines() if line.startswith("|")][-1]
    assert last.endswith("|")
    shown_rows = len(rows(kept)) - 2 * kept.count("|---")  # headers are not rows
    left = int(re.search(r"^([\d,]+) more row", tail).group(1).replace(",", ""))  # type: ignore[union-attr]
    all_rows = len(rows(full)) - 2 * full.count("|---")
    assert left == all_rows - shown_rows > 0
    assert "[the full plan](https://ci.invalid/run/1#artifacts)" in tail


def test_what_fits_is_left_as_it_is() -> None:
    small = render_plan_markdown(big_plan(3))
    assert fit_markdown(small, 60_000) == small


def test_without_a_link_it_says_where_the_whole_is() -> None:
    cut = fit_markdown(render_plan_markdown(big_plan(500)), 2_000, what="report")
    assert "the full report is in the file saved with it" in cut


def test_max_chars_goes_with_markdown_only() -> None:
    done = run_cli(["plan", "state", "--max-chars", "1000"])
    assert done.code == 64 and "--max-chars goes with --format markdown" in done.stderr
    done = run_cli(["drift", "state", "--format", "markdown", "--full-link", "https://x"])
    assert done.code == 64 and "--full-link goes with --max-chars" in done.stderr
