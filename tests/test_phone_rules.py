"""The phone rules the loader and import-csv share (zoomstate.resources.phone_rules), tested
pure; tests/corpus and tests/test_importcsv.py pin how each caller reports them."""

from __future__ import annotations

import subprocess
import sys

from zoomstate.resources.phone_rules import Claim, calling_plan_problem, held_twice


def test_numbers_without_a_calling_plan_are_refused_in_the_words_of_each_source() -> None:
    assert calling_plan_problem(["+14155550100"], [], "state") == (
        "direct numbers need a calling plan: Zoom drops a number whose calling plan goes, "
        "so this state could never be reached"
    )
    assert calling_plan_problem(["+14155550100"], [], "row") == (
        "direct numbers need a calling plan (Zoom drops a number whose calling plan goes) "
        "and this row has none"
    )


def test_a_calling_plan_or_no_number_is_fine() -> None:
    assert calling_plan_problem(["+14155550100"], [200], "state") is None
    assert calling_plan_problem([], [], "row") is None
    assert calling_plan_problem([], ["US Unlimited"], "state") is None


def test_each_later_holder_is_paired_with_the_first() -> None:
    claims = [
        Claim("number", "+14155550100", "a@example.com", 1),
        Claim("extension", 101, "a@example.com", 2),
        Claim("number", "+14155550100", "b@example.com", 3),
        Claim("extension", 101, "c@example.com", 4),
        Claim("number", "+14155550100", "c@example.com", 5),
    ]
    pairs = [(later.where, first.where) for later, first in held_twice(claims)]
    assert pairs == [(3, 1), (4, 2), (5, 1)]


def test_a_value_held_once_or_by_its_own_holder_again_is_no_conflict() -> None:
    claims = [
        Claim("number", "+14155550100", "a@example.com", "x"),
        Claim("number", "+14155550100", "a@example.com", "y"),
        Claim("number", "+14155550101", "b@example.com", "z"),
        # An extension and a number with the same digits are different things.
        Claim("extension", 101, "c@example.com", "e"),
        Claim("number", 101, "d@example.com", "n"),
    ]
    assert list(held_twice(claims)) == []


def test_the_rules_import_nothing_of_zoomstate_or_io() -> None:
    code = (
        "import sys\nimport zoomstate.resources.phone_rules\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('zoomstate.')"
        " and not m.startswith('zoomstate.resources') or m in ('yaml', 'pydantic', 'httpx'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
