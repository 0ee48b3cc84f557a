"""The operation registry (zoomstate/core/ops.py) is complete and is the plan file's check.

Every kind in the registry has an apply handler, a handler in the property tests' account
model, sandbox routes for every call its handler makes, and a row in docs/plan.md. A plan
file whose operation has an unknown kind or params that do not fit the kind's record is a
ConfigError naming the operation (exit 1 from the CLI, no traceback, no API call).
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any, get_args

import pytest

from tests.cli_runner import run_cli
from tests.plan_model import HANDLERS as MODEL_HANDLERS
from zoomstate.apply import HANDLERS, Executor
from zoomstate.core.ops import OPS, SPECS
from zoomstate.errors import ConfigError, InvalidPlan
from zoomstate.live import LiveState
from zoomstate.plan import OP_KINDS, SYMBOLS, Operation, OpKind, Plan
from zoomstate.planfile import parse_plan_file
from zoomstate.sandbox.app import ROUTES
from zoomstate.zoom.adapters import ADAPTERS

ROOT = Path(__file__).resolve().parent.parent

# Params a step of each kind may carry: every kind needs one (a new kind adds its own).
EXAMPLES: dict[str, dict[str, Any]] = {
    "create_user": {"action": "autoCreate", "email": "a@example.com", "type": 2,
                    "first_name": "A", "department": "Sales"},
    "update_user": {"fields": {"first_name": "A", "type": 1}},
    "change_email": {"email": "a@example.com"},
    "activate_user": {},
    "deactivate_user": {},
    "delete_user": {"action": "delete", "transfer_email": "b@example.com"},
    "assign_role": {"role_id": "3", "role": "Auditor"},
    "enable_phone": {},
    "add_phone_user": {"site_id": "s1", "site": "SF", "extension": 1101,
                       "short_extension": "101", "calling_plans": [200],
                       "plan_names": ["US/CA Unlimited"], "numbers": ["+14155550100"],
                       "template": "Sales"},
    "update_phone": {"site_id": "s1", "site": "SF", "extension": 101, "template_id": "t1",
                     "template": "Sales"},
    "assign_calling_plan": {"type": 200},
    "switch_calling_plan": {"source_type": 200, "target_type": 100},
    "unassign_calling_plan": {"type": 200},
    "assign_number": {"number": "+14155550100"},
    "unassign_number": {"number": "+14155550100"},
    "disable_phone": {},
    "create_contact_center_user": {"package": "premium", "role_id": "r1", "access": "active"},
    "update_contact_center_user": {"package": "elite"},
    "delete_contact_center_user": {},
    "create_group": {"name": "EMEA"},
    "add_group_members": {"group_id": "g1", "group": "Sales", "members": ["a@example.com"],
                          "pending": ["b@example.com"]},
    "move_group_member": {"group_id": "g1", "group": "Sales", "target_group_id": "g2",
                          "target": "Support"},
    "set_primary_group": {"group_id": "g2", "group": "Support"},
    "remove_group_member": {"group_id": "g1", "group": "Sales"},
    "add_call_queue_members": {"group_id": "q1", "name": "Support", "members": ["a@example.com"]},
    "remove_call_queue_member": {"group_id": "q1", "name": "Support"},
    "add_shared_line_group_members": {"group_id": "l1", "name": "Front Desk",
                                      "members": ["a@example.com"]},
    "remove_shared_line_group_member": {"group_id": "l1", "name": "Front Desk"},
}  # fmt: skip


def test_the_registry_is_the_kinds_in_order() -> None:
    assert tuple(s.kind for s in OPS) == OP_KINDS == get_args(OpKind)
    assert set(SPECS) == set(OP_KINDS)


# Kinds added since the registry, whose names do not start with a guessed prefix: their
# symbols are declared, not guessed.
DECLARED_SYMBOLS = {
    "add_phone_user": "+",
    "add_group_members": "+",
    "remove_group_member": "-",
    "add_call_queue_members": "+",
    "remove_call_queue_member": "-",
    "add_shared_line_group_members": "+",
    "remove_shared_line_group_member": "-",
}


def test_symbols_are_what_the_names_always_gave() -> None:
    # Before the registry, the symbol was guessed from the name's prefix; plans printed
    # before and after must show the same symbols.
    def guessed(kind: str) -> str:
        if kind in DECLARED_SYMBOLS:
            return DECLARED_SYMBOLS[kind]
        if kind.startswith(("create", "assign", "enable", "activate")):
            return "+"
        if kind.startswith(("delete", "unassign", "disable", "deactivate")):
            return "-"
        return "~"

    assert {k: guessed(k) for k in OP_KINDS} == dict(SYMBOLS)


def test_every_kind_has_an_apply_handler_and_a_model_handler() -> None:
    assert set(HANDLERS) == set(OP_KINDS)
    assert set(MODEL_HANDLERS) == set(OP_KINDS)


def test_every_kind_has_exactly_one_handler_across_the_adapters() -> None:
    # The executor's registry is the union of the adapters' (zoomstate/zoom/adapters/): a
    # kind two adapters handle would have one of them silently win.
    owners: dict[str, list[str]] = {}
    for adapter in ADAPTERS:
        for kind, handler in adapter.HANDLERS.items():
            owners.setdefault(kind, []).append(adapter.__name__)
            assert HANDLERS[kind] is handler
    assert {k: len(v) for k, v in owners.items()} == dict.fromkeys(OP_KINDS, 1), owners


def test_every_kind_has_a_row_in_docs_plan_md() -> None:
    text = (ROOT / "docs" / "plan.md").read_text(encoding="utf-8")
    section = text.split("## Operations", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| ([+~-]) \|", section, re.MULTILINE)
    assert [kind for kind, _ in rows] == list(OP_KINDS)
    assert {kind: symbol for kind, symbol in rows} == dict(SYMBOLS)


class _Recorder:
    """Stands in for the Zoom client: records each call and answers like an empty Zoom."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def request(self, method: str, path: str, **_: Any) -> Any:
        self.calls.append((method, path))
        if method == "GET" and path.startswith("/phone/users/"):
            return {"calling_plans": [], "phone_numbers": []}
        return {"id": "new-id"} if (method, path) == ("POST", "/users") else None


@pytest.mark.parametrize("kind", OP_KINDS)
def test_every_kind_calls_only_routes_the_sandbox_serves(kind: str) -> None:
    assert set(EXAMPLES) == set(OP_KINDS)
    op = Operation.from_dict(
        {"id": f"a@example.com/{kind}", "kind": kind, "user": "a@example.com",
         "params": EXAMPLES[kind], "before": "a@example.com"}
    )  # fmt: skip
    client = _Recorder()
    executor = Executor(client=client, live=LiveState(users=()))  # type: ignore[arg-type]
    asyncio.run(HANDLERS[op.kind](executor, op))
    assert client.calls, f"{kind} made no call"
    for method, path in client.calls:
        assert ROUTES.find(method, path) is not None, f"{kind}: the sandbox has no {method} {path}"


@pytest.mark.parametrize("kind", OP_KINDS)
def test_params_round_trip_through_their_record(kind: str) -> None:
    record = SPECS[kind].params.model_validate(EXAMPLES[kind])
    assert record.dump() == EXAMPLES[kind]
    assert json.loads(json.dumps(record.dump())) == EXAMPLES[kind]


# -- reading a plan file


def _op(**changes: Any) -> dict[str, Any]:
    op: dict[str, Any] = {
        "id": "bob@example.com/assign_number/+14155550100",
        "kind": "assign_number",
        "user": "bob@example.com",
        "params": {"number": "+14155550100"},
        "before": None,
        "after": "+14155550100",
        "depends_on": [],
        "destroys_data": False,
        "removal": False,
        "reads": ["user:bob@example.com"],
        "note": "",
    }
    op.update(changes)
    return op


def test_a_valid_operation_reads_back_as_it_was_written() -> None:
    data = _op()
    assert Operation.from_dict(data).to_dict() == data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "update_phonee"}, "unknown kind 'update_phonee'"),
        ({"kind": None}, "unknown kind None"),
        ({"params": {}}, "params.number: Field required"),
        ({"params": {"number": 14155550100}}, "params.number: Input should be a valid string"),
        ({"params": {"number": "+1", "site": "x"}}, "params.site: Extra inputs are not permitted"),
        ({"params": ["+1"]}, "params: Input should be"),
        ({"user": 7}, "user must be a non-empty string"),
        ({"depends_on": "a/b"}, "depends_on must be a list of strings"),
        ({"destroys_data": "no"}, "destroys_data must be true or false"),
    ],
)
def test_a_malformed_operation_is_a_config_error_naming_it(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        Operation.from_dict(_op(**changes))
    text = str(caught.value)
    assert text.startswith("plan operation 'bob@example.com/assign_number/+14155550100': ")
    assert message in text


def test_an_operation_without_an_id_is_named_by_its_place() -> None:
    with pytest.raises(ConfigError, match=r"operations\[1\]: id must be a non-empty string"):
        Plan.from_dict(
            {"format_version": 1, "state_hash": "x", "operations": [_op(), _op(id=None)]}
        )
    with pytest.raises(ConfigError, match=r"operations\[0\]: not an object"):
        Plan.from_dict({"format_version": 1, "state_hash": "x", "operations": [3]})


def test_a_waiting_step_of_an_unknown_kind_is_a_config_error() -> None:
    waiting = [{"user": "a@example.com", "kind": "enable_phonee", "reason": "pending"}]
    with pytest.raises(ConfigError, match=r"plan waiting step #1: unknown kind 'enable_phonee'"):
        Plan.from_dict({"format_version": 1, "state_hash": "x", "waiting": waiting})


def _unknown_kind(op: dict[str, Any]) -> None:
    op["kind"] = "update_phonee"


def _unknown_param(op: dict[str, Any]) -> None:
    op["params"] = {**op["params"], "surprise": 1}


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        # Caught by the file's shape (zoomstate.planfile).
        (_unknown_kind, "unknown kind 'update_phonee'"),
        # Caught by the kind's params record (the registry).
        (_unknown_param, "params.surprise: Extra inputs are not permitted"),
    ],
)
def test_apply_of_a_plan_with_an_unknown_kind_fails_cleanly(
    tmp_path: Path, fmt: str, tamper: Any, message: str
) -> None:
    # Before the registry: KeyError in the text renderer, AttributeError in the executor.
    sandbox = tmp_path / "sb.json"
    state = ROOT / "state"
    plan_file = tmp_path / "plan.json"
    made = run_cli(["--sandbox", str(sandbox), "plan", str(state), "--out", str(plan_file)])
    assert made.code == 0, made.stderr
    plan = json.loads(plan_file.read_text())
    tamper(plan["operations"][0])
    plan_file.write_text(json.dumps(plan))
    before = sandbox.read_bytes()
    result = run_cli(
        ["--sandbox", str(sandbox), "apply", str(state), "--plan", str(plan_file),
         "--auto-approve", "--allow-data-loss", "--format", fmt]
    )  # fmt: skip
    assert result.code == 1
    assert message in result.stderr
    assert plan["operations"][0]["id"] in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert sandbox.read_bytes() == before


def test_a_saved_plan_whose_params_do_not_fit_is_one_line_naming_the_step() -> None:
    # zoomstate.planfile checks the file's shape first; the params are the registry's.
    good = Plan(
        operations=(Operation.from_dict(_op()),),
        waiting=(),
        warnings=(),
        state_hash="sha256:" + "0" * 64,
        fingerprints={"user:bob@example.com": "f"},
    )
    assert parse_plan_file(Path("p.json"), good.to_json()).plan.to_dict() == good.to_dict()
    data = good.to_dict()
    data["operations"][0]["params"] = {"number": 14155550100}  # type: ignore[index]
    with pytest.raises(InvalidPlan) as caught:
        parse_plan_file(Path("p.json"), json.dumps(data))
    assert str(caught.value) == (
        "p.json: not a zoomstate plan file: operations[0] "
        "(bob@example.com/assign_number/+14155550100): params.number: Input should be a "
        "valid string"
    )
