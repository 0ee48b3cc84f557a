"""The plan-file validator and the claim check (zoomstate/planfile.py), without an account:
a file is read strictly, every problem is one line naming the file and the step, and a
fresh plan must equal the file field by field."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from zoomstate.errors import InvalidPlan, StalePlan
from zoomstate.plan import Operation, Plan
from zoomstate.planfile import check_claim, check_dependencies, load_plan_file, parse_plan_file

PATH = Path("saved.json")


def op(op_id: str, *deps: str, **fields: Any) -> Operation:
    user, _, kind = op_id.partition("/")
    return Operation(
        id=op_id,
        kind=kind.split("/")[0],  # type: ignore[arg-type]
        user=user,
        params=fields.pop("params", {}),
        depends_on=deps,
        reads=(f"user:{user}",),
        **fields,
    )


def plan(*ops: Operation, fingerprints: dict[str, str] | None = None) -> Plan:
    prints = {r: "f" for o in ops for r in o.reads} if fingerprints is None else fingerprints
    return Plan(
        operations=tuple(ops),
        waiting=(),
        warnings=(),
        state_hash="sha256:" + "0" * 64,
        fingerprints=prints,
    )


HONEST = plan(
    # Params that fit each kind's record (zoomstate/core/params.py), which a file is
    # also checked against.
    op("a@x.com/create_user", params={"action": "create", "email": "a@x.com", "type": 2}),
    op("a@x.com/assign_role", "a@x.com/create_user", params={"role_id": "2", "role": "Admin"}),
    op("b@x.com/deactivate_user", destroys_data=True, removal=True),
)


def doc(p: Plan = HONEST) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(p.to_json())
    return data


def refusal(data: object) -> str:
    with pytest.raises(InvalidPlan) as caught:
        parse_plan_file(PATH, json.dumps(data))
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith("saved.json: not a zoomstate plan file: "), text
    return text.removeprefix("saved.json: not a zoomstate plan file: ")


def test_an_honest_file_reads_back_as_its_plan() -> None:
    saved = parse_plan_file(PATH, HONEST.to_json())
    assert saved.plan.to_dict() == HONEST.to_dict()
    assert [o["id"] for o in saved.operations] == [o.id for o in HONEST.operations]
    check_claim(saved, HONEST)  # equal: no refusal


def _set(*path: str | int, value: object) -> dict[str, Any]:
    """The honest document with `value` at `path` (KeyError: that key deleted)."""
    data = doc()
    node: Any = data
    *parents, key = path
    for part in parents:
        node = node[part]
    if value is KeyError:
        del node[key]
    else:
        node[key] = value
    return data


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (None, "a plan is a JSON object, not null"),
        ([], "a plan is a JSON object, not []"),
        (1, "a plan is a JSON object, not 1"),
        ({}, "format_version None is not 1"),
        (_set("format_version", value=True), "format_version True is not 1"),
        (_set("format_version", value=1.0), "format_version 1.0 is not 1"),
        (_set("state_hash", value=KeyError), "the plan: missing field 'state_hash'"),
        (_set("fingerprints", value=KeyError), "the plan: missing field 'fingerprints'"),
        (_set("operations", value=KeyError), "the plan: missing field 'operations'"),
        (_set("surprise", value=1), "the plan: unknown field 'surprise'"),
        (_set("operations", value=None), "operations: input should be a valid list"),
        (
            _set("fingerprints", "user:a@x.com", value=1),
            "fingerprints.user:a@x.com: input should be",
        ),
        (
            _set("operations", 0, "kind", value="drop_database"),
            "operations[0] (a@x.com/create_user).kind: unknown kind 'drop_database'",
        ),
        (
            _set("operations", 2, "destroys_data", value=KeyError),
            "operations[2] (b@x.com/deactivate_user): missing field 'destroys_data'",
        ),
        (
            _set("operations", 2, "destroys_data", value=0),
            "operations[2] (b@x.com/deactivate_user).destroys_data: input should be a valid "
            "boolean",
        ),
        (
            _set("operations", 2, "removal", value="yes"),
            "operations[2] (b@x.com/deactivate_user).removal: input should be a valid boolean",
        ),
        (_set("operations", 1, "id", value=7), "operations[1].id: input should be a valid string"),
        (
            _set("operations", 1, "extra", value=7),
            "operations[1] (a@x.com/assign_role): unknown field 'extra'",
        ),
        (
            _set("operations", 1, "depends_on", value="a@x.com/create_user"),
            "operations[1] (a@x.com/assign_role).depends_on: input should be a valid list",
        ),
        (
            _set(
                "waiting", value=[{"user": "c@x.com", "kind": "nope", "reason": "", "after": None}]
            ),
            "waiting[0].kind: unknown kind 'nope'",
        ),
    ],
)
def test_every_shape_problem_is_one_line_naming_the_step(data: object, expected: str) -> None:
    assert expected in refusal(data)


def test_the_graph_is_checked_after_the_shape() -> None:
    data = doc()
    data["operations"].append(dict(data["operations"][0]))
    assert refusal(data) == "a@x.com/create_user: the step is listed twice"
    data = _set("operations", 0, "depends_on", value=["a@x.com/assign_role"])
    assert refusal(data) == (
        "a@x.com/create_user: dependency cycle: a@x.com/create_user -> a@x.com/assign_role "
        "-> a@x.com/create_user"
    )
    data = _set("operations", 2, "depends_on", value=["z@x.com/create_user"])
    assert refusal(data) == (
        "b@x.com/deactivate_user: depends on z@x.com/create_user, which is not in the plan"
    )


def test_not_json_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidPlan, match=r"saved.json: not a zoomstate plan file: not JSON \("):
        parse_plan_file(PATH, "{")
    with pytest.raises(InvalidPlan, match="no such plan file"):
        load_plan_file(tmp_path / "absent.json")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InvalidPlan, match="cannot read the plan file"):
        load_plan_file(binary)
    with pytest.raises(InvalidPlan, match="cannot read the plan file"):
        load_plan_file(tmp_path)  # a directory


def test_check_dependencies() -> None:
    check_dependencies([("a", []), ("b", ["a"]), ("c", ["a", "b"])])
    with pytest.raises(InvalidPlan, match="a: dependency cycle: a -> a"):
        check_dependencies([("a", ["a"])])
    with pytest.raises(InvalidPlan, match="b: dependency cycle: b -> c -> d -> b"):
        check_dependencies([("a", []), ("b", ["a", "c"]), ("c", ["d"]), ("d", ["b"])])
    with pytest.raises(InvalidPlan, match="listed twice"):
        check_dependencies([("a", []), ("a", [])], known=False)
    # The executor tolerates a dependency outside the plan; a file may not have one.
    check_dependencies([("a", ["gone"])], known=False)
    with pytest.raises(InvalidPlan, match="depends on gone"):
        check_dependencies([("a", ["gone"])])
    # A long chain: no recursion limit.
    chain = [(f"s{i}", [f"s{i - 1}"] if i else []) for i in range(20_000)]
    check_dependencies(chain)
    with pytest.raises(InvalidPlan, match="dependency cycle: s0 -> s19999 -> s19998"):
        check_dependencies([("s0", ["s19999"]), *chain[1:]])


def claim_refusal(file_plan: Plan, fresh: Plan) -> str:
    saved = parse_plan_file(PATH, file_plan.to_json())
    with pytest.raises(StalePlan) as caught:
        check_claim(saved, fresh)
    text = str(caught.value)
    assert "\n" not in text
    return text


def test_the_claim_names_what_differs() -> None:
    extra = op(
        "owner@x.com/delete_user", params={"action": "delete"}, destroys_data=True, removal=True
    )
    tampered = replace(HONEST, operations=(*HONEST.operations, extra))
    text = claim_refusal(tampered, HONEST)
    assert text.startswith("saved.json: the plan file is not what zoomstate plans")
    assert "steps only in the file: owner@x.com/delete_user" in text
    assert "nothing was applied: run plan again" in text
    assert "--skip-removals, --force or --no-batch is applied with the same options" in text

    text = claim_refusal(replace(HONEST, operations=HONEST.operations[:1]), HONEST)
    assert "steps only in a fresh plan: a@x.com/assign_role, b@x.com/deactivate_user" in text

    flipped = replace(HONEST.operations[2], destroys_data=False, removal=False)
    text = claim_refusal(replace(HONEST, operations=(*HONEST.operations[:2], flipped)), HONEST)
    assert "steps that differ: b@x.com/deactivate_user (destroys_data, removal)" in text

    # `true` is not `1`: values are compared as JSON, not as Python values. (In `after`,
    # which is free JSON: params are held to their kind's record, so `1` and `true`
    # cannot both be read there.)
    role = replace(HONEST.operations[1], after=1)
    fresh = replace(HONEST, operations=(HONEST.operations[0], role, HONEST.operations[2]))
    truthy = replace(role, after=True)
    file_plan = replace(HONEST, operations=(HONEST.operations[0], truthy, HONEST.operations[2]))
    assert "a@x.com/assign_role (after)" in claim_refusal(file_plan, fresh)

    reordered = replace(HONEST, operations=tuple(reversed(HONEST.operations)))
    assert "the same steps in another order" in claim_refusal(reordered, HONEST)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("user", "b@x.com"),
        ("params", {"action": "create", "email": "a@x.com", "type": 1}),
        ("before", {"type": "basic"}),
        ("after", {"type": "basic"}),
        ("depends_on", ["b@x.com/deactivate_user"]),
        ("destroys_data", True),
        ("removal", True),
        ("reads", ["user:a@x.com", "user:b@x.com"]),
        ("note", "approved by the owner"),
    ],
)
def test_every_field_of_every_step_is_part_of_the_claim(field: str, value: object) -> None:
    # The first step too, and the last field too: each one edited alone is named.
    data = _set("operations", 0, field, value=value)
    saved = parse_plan_file(PATH, json.dumps(data))
    with pytest.raises(StalePlan) as caught:
        check_claim(saved, HONEST)
    assert f"steps that differ: a@x.com/create_user ({field})" in str(caught.value)


def test_the_claim_covers_the_fingerprints_and_the_state() -> None:
    text = claim_refusal(replace(HONEST, fingerprints={}), HONEST)
    assert "fingerprints missing from the file: user:a@x.com, user:b@x.com" in text
    more = {**HONEST.fingerprints, "user:c@x.com": "f"}
    text = claim_refusal(replace(HONEST, fingerprints=more), HONEST)
    assert "fingerprints of objects no step reads: user:c@x.com" in text
    other = {**HONEST.fingerprints, "user:a@x.com": "g"}
    assert "fingerprints that differ: user:a@x.com" in claim_refusal(
        replace(HONEST, fingerprints=other), HONEST
    )
    text = claim_refusal(replace(HONEST, state_hash="sha256:" + "1" * 64), HONEST)
    assert text.startswith("the state changed since this plan was made")


def test_a_long_difference_is_cut_short() -> None:
    many = tuple(op(f"u{i:02d}@x.com/update_user", params={"fields": {}}) for i in range(25))
    text = claim_refusal(replace(HONEST, operations=HONEST.operations + many), HONEST)
    assert "u09@x.com/update_user and 15 more" in text
    assert "u10@x.com" not in text


CC = {"package": "premium", "role_id": "r1", "access": "active"}
BATCHED = plan(
    *(
        op(f"{u}@x.com/create_contact_center_user", params=CC, batch="batch/contact_center_users/1")
        for u in ("a", "b", "c")
    )
)


def test_a_batched_plan_reads_back_with_its_batches() -> None:
    data = doc(BATCHED)
    assert data["summary"]["batches"] == 1
    assert data["batches"] == [
        {
            "id": "batch/contact_center_users/1",
            "kind": "create_contact_center_user",
            "members": [o.id for o in BATCHED.operations],
        }
    ]
    saved = parse_plan_file(PATH, BATCHED.to_json())
    assert saved.plan == BATCHED
    # A plan without batches writes none of the keys: its file reads as before.
    assert "batches" not in doc() and "batch" not in doc()["operations"][0]


def test_a_batches_list_that_is_not_its_steps_is_refused() -> None:
    data = doc(BATCHED)
    data["batches"][0]["members"].pop()
    assert "batches: not the batches its steps name" in refusal(data)
    data = doc(BATCHED)
    del data["batches"]
    assert "batches: not the batches its steps name" in refusal(data)


def test_a_batch_of_a_kind_that_does_not_batch_or_over_the_limit_is_refused() -> None:
    big = plan(
        *(
            op(
                f"u{i}@x.com/create_contact_center_user",
                params=CC,
                batch="batch/contact_center_users/1",
            )
            for i in range(21)
        )
    )
    assert "over Zoom's 20 a call" in refusal(doc(big))
    roles = plan(
        op("a@x.com/assign_role", params={"role_id": "2", "role": "Admin"}, batch="batch/r/1"),
        op("b@x.com/assign_role", params={"role_id": "2", "role": "Admin"}, batch="batch/r/1"),
    )
    assert "not all of one kind that goes in batches" in refusal(doc(roles))


def test_a_batched_plan_is_not_the_claim_of_a_plan_made_without_batches() -> None:
    # The fresh plan `apply --plan F --no-batch` makes has no `batch` in its steps: the
    # field only the file has is a difference too, both ways round.
    unbatched = plan(*(replace(o, batch="") for o in BATCHED.operations))
    for saved, fresh in ((BATCHED, unbatched), (unbatched, BATCHED)):
        text = claim_refusal(saved, fresh)
        assert "steps that differ: a@x.com/create_contact_center_user (batch)" in text
