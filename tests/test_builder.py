"""The planner's lookups into the live account (zoomstate/core/builder.py)."""

from __future__ import annotations

from tests.plan_builders import email, live_state, live_user, state, want
from zoomstate.core.builder import Builder, PlanOptions


def test_a_member_is_known_by_its_email_else_by_its_zoom_id() -> None:
    ana = live_user("ana", 1001)
    b = Builder(state(want("ana", 1001)), live_state(ana), PlanOptions())
    assert ana.zoom_id is not None
    assert b.member_key("no-such-id", email("ana")) == email("ana")
    assert b.member_key(ana.zoom_id, None) == email("ana")
    assert b.member_key(ana.zoom_id, "") == email("ana")  # Zoom's empty e-mail: by id
    assert b.member_key("no-such-id", None) is None


def test_a_member_whose_email_the_state_changes_is_known_by_the_new_one() -> None:
    ana = live_user("ana", 1001)
    b = Builder(state(want("ana.new", 1001)), live_state(ana), PlanOptions())
    b.renamed[email("ana")] = email("ana.new")
    assert ana.zoom_id is not None
    assert b.member_key(ana.zoom_id, None) == email("ana.new")
    assert b.member_key("other", email("ana")) == email("ana.new")
