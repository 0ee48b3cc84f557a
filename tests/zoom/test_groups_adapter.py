"""The groups adapter alone: its mapping of Zoom's JSON, and its handlers against a fake
executor that answers like Zoom (the ids a run learns, retried steps that were done)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from zoomstate.core.ops import Operation
from zoomstate.errors import BackendError
from zoomstate.live import LiveUser, Named
from zoomstate.zoom.adapters import groups
from zoomstate.zoom.adapters.base import Sleep


class FakeContext:
    """A StepContext whose calls are recorded and answered from `answers`."""

    def __init__(self, answers: dict[tuple[str, str], Any] | None = None) -> None:
        self.ids: dict[str, str] = {"ann@example.com": "id-ann"}
        self.planned: frozenset[str] = frozenset()
        self.phone_user_timeout_s = 0.0
        self.calls: list[tuple[str, str, Any]] = []
        self.answers = answers or {}

    @property
    def sleep(self) -> Sleep:
        async def nothing(_: float) -> None:
            return None

        return nothing

    def user_ref(self, key: str) -> str:
        return self.ids.get(key, key)

    def live_user(self, key: str) -> LiveUser | None:
        return None

    async def call(self, method: str, path: str, **kw: Any) -> Any:
        self.calls.append((method, path, kw.get("json") or kw.get("params")))
        answer = self.answers.get((method, path))
        if isinstance(answer, list):
            answer = answer.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


def step(kind: str, owner: str, **params: Any) -> Operation:
    return Operation.from_dict(
        {"id": f"{owner}/{kind}", "kind": kind, "user": owner, "params": params}
    )


def run(handler: Any, ctx: FakeContext, op: Operation) -> str:
    result: str = asyncio.run(handler(ctx, op))
    return result


def test_group_ids_map_to_names_and_none_without_groups() -> None:
    names = groups.group_names([{"id": "g1", "name": "Sales"}, {"id": "g2", "name": "EMEA"}])
    assert groups.map_groups(names) == (Named("g2", "EMEA"), Named("g1", "Sales"))
    assert groups.user_groups({"group_ids": ["g1", "g2", "gone"]}, names) == (
        "EMEA",
        "Sales",
        "gone",
    )
    assert groups.user_groups({"group_ids": []}, names) == ()
    assert groups.user_groups({"group_ids": ["g1"]}, {}) is None


def test_primary_groups_come_from_the_members_flag() -> None:
    lists = {
        "Sales": [{"email": "Ann@example.com", "primary_group": True}, {"email": "bob@x.com"}],
        "Support": [{"email": "bob@x.com", "primary_group": True}],
    }
    assert groups.primaries(lists) == {"ann@example.com": "Sales", "bob@x.com": "Support"}


def test_a_new_groups_id_serves_the_steps_after_it() -> None:
    ctx = FakeContext({("POST", "/groups"): {"id": "g-new", "name": "EMEA"}})
    assert run(groups.create_group, ctx, step("create_group", "EMEA", name="EMEA")) == ""
    add = step(
        "add_group_members",
        "EMEA",
        group_id=None,
        group="EMEA",
        members=["ann@example.com", "bob@example.com"],
        pending=["new@example.com"],
    )
    run(groups.add_group_members, ctx, add)
    assert ctx.calls[1:] == [
        (
            "POST",
            "/groups/g-new/members",
            {"members": [{"id": "id-ann"}, {"email": "bob@example.com"}]},
        ),
        ("PATCH", "/users/new%40example.com", {"group_id": "g-new"}),
    ]


def test_a_group_created_by_an_earlier_run_is_found_by_name_across_pages() -> None:
    pages = [
        {"groups": [{"id": "g1", "name": "Sales"}], "next_page_token": "t2"},
        {"groups": [{"id": "g9", "name": "EMEA"}], "next_page_token": ""},
    ]
    ctx = FakeContext({("GET", "/groups"): pages})
    move = step(
        "move_group_member",
        "ann@example.com",
        group_id="g1",
        group="Sales",
        target_group_id=None,
        target="EMEA",
    )
    run(groups.move_group_member, ctx, move)
    assert ctx.calls[-1] == (
        "PATCH",
        "/groups/g1/members/id-ann",
        {"action": "move", "target_group_id": "g9"},
    )
    assert ctx.calls[1][2] == {"page_size": "300", "next_page_token": "t2"}
    assert ctx.ids["group:EMEA"] == "g9"


def test_a_group_nowhere_to_be_found_fails_the_step() -> None:
    ctx = FakeContext({("GET", "/groups"): {"groups": [], "next_page_token": ""}})
    primary = step("set_primary_group", "ann@example.com", group_id=None, group="EMEA")
    with pytest.raises(BackendError, match="group 'EMEA' does not exist in Zoom"):
        run(groups.set_primary_group, ctx, primary)


def test_a_creation_whose_answer_was_lost_is_not_a_failure() -> None:
    taken = BackendError("in use", method="POST", path="/groups", status=409, code=4132)
    ctx = FakeContext(
        {
            ("POST", "/groups"): taken,
            ("GET", "/groups"): {"groups": [{"id": "g9", "name": "EMEA"}]},
        }
    )
    assert run(groups.create_group, ctx, step("create_group", "EMEA", name="EMEA")) == (
        "already existed"
    )
    assert ctx.ids["group:EMEA"] == "g9"


def test_a_removal_already_done_is_not_a_failure() -> None:
    gone = BackendError("no member", method="DELETE", path="/x", status=404, code=4131)
    ctx = FakeContext({("DELETE", "/groups/g1/members/id-ann"): gone})
    remove = step("remove_group_member", "ann@example.com", group_id="g1", group="Sales")
    assert run(groups.remove_group_member, ctx, remove) == "already out of the group"
    other = BackendError("no group", method="DELETE", path="/x", status=404, code=4130)
    ctx = FakeContext({("DELETE", "/groups/g1/members/id-ann"): other})
    with pytest.raises(BackendError):
        run(groups.remove_group_member, ctx, remove)


def test_set_primary_names_the_group_twice_as_zooms_spec_says() -> None:
    ctx = FakeContext()
    primary = step("set_primary_group", "ann@example.com", group_id="g2", group="Support")
    run(groups.set_primary_group, ctx, primary)
    assert ctx.calls == [
        (
            "PATCH",
            "/groups/g2/members/id-ann",
            {"action": "set_primary", "target_group_id": "g2"},
        )
    ]
