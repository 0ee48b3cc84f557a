"""The aspect registry diff and export go through: one entry per `account.manage` name,
in that order, each owning real UserSpec fields and exporting only its own."""

from __future__ import annotations

from tests.plan_builders import live_user
from zoomstate.diff import ASPECT_FIELDS, PlanResolver
from zoomstate.model import ALL_ASPECTS, ContactCenterSpec, UserSpec
from zoomstate.resources.aspects import ASPECTS
from zoomstate.resources.phone_spec import PhoneSpec


def test_registry_lists_every_managed_aspect_once_in_order() -> None:
    assert tuple(a.name for a in ASPECTS) == ALL_ASPECTS
    assert tuple(ASPECT_FIELDS) == ALL_ASPECTS


def test_aspects_own_distinct_userspec_fields() -> None:
    owned = [(a.block, name) for a in ASPECTS for name in a.fields]
    assert len(owned) == len(set(owned))
    assert {name for block, name in owned if block is None} <= set(UserSpec.model_fields)
    for aspect in ASPECTS:
        if aspect.block is not None:
            # A nested aspect's block is a field another aspect, listed before it, owns.
            before = ASPECTS[: ASPECTS.index(aspect)]
            assert any(aspect.block in a.fields for a in before if a.block is None)
            blocks = {"phone": PhoneSpec}
            assert set(aspect.fields) <= set(blocks[aspect.block].model_fields)


def test_each_aspect_exports_and_compares_only_its_fields() -> None:
    cc = ContactCenterSpec(package="premium", role="Agent", access="active")
    user = live_user("ann", ext=101, numbers=("+14155550100",), cc=cc)
    for aspect in ASPECTS:
        assert set(aspect.export(user, {200: "US/CA Unlimited"})) <= set(aspect.fields)
        assert set(aspect.comparable(user.spec)) == set(aspect.fields)
        assert aspect.same(user.spec, user.spec, PlanResolver(()))
