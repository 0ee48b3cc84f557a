"""The plan scenarios of issue 5, as data: a sandbox seed, a state directory, the plan
arguments, and what `zoomstate plan --format json --detailed-exitcode` must answer (the
exact operation ids in order, the waiting steps, the exit code, or the error).

Shared by the plan tests (`test_plan_scenarios.py`) and the apply tests: a scenario with
`converges=True` must reach the state in one apply, after which plan is empty.

State text may name a live user's Zoom id as `{id:EMAIL}`; `materialise` fills it in from
the sandbox file, since ids come from the seed's generator.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from zoomstate.sandbox.app import create_app

# An invitation time far ahead of any real clock: it never expires during a test.
FRESH_INVITATION = 4102444800.0  # 2100-01-01
SF_NUMBERS = [f"+1415555010{i}" for i in range(10)]

# The account every scenario starts from; scenarios add users and adjust seats.
BASE_SEED: Mapping[str, Any] = {
    "seed": 5,
    "account": {"id": "sandbox-account", "default_site": "San Francisco"},
    "seats": {"licensed": 50, "zoom_phone": 50},
    "sites": [
        {"name": "San Francisco", "site_code": 10, "country": "US", "extension_start": 1000},
        {"name": "London", "site_code": 20, "country": "GB", "extension_start": 2000},
    ],
    "calling_plans": [
        {"type": 200, "name": "US/CA Unlimited", "subscribed": 10},
        {"type": 100, "name": "US/CA Metered", "subscribed": 10},
        {"type": 202, "name": "GB/IE Unlimited", "subscribed": 10},
    ],
    "phone_numbers": [{"from": SF_NUMBERS[0], "to": SF_NUMBERS[-1], "site": "San Francisco"}],
    "setting_templates": [{"name": "Sales default"}],
    "roles": [{"id": "3", "name": "Auditor"}],
    "cc_roles": [{"name": "Agent"}],
    "cc_packages": [{"name": "premium", "seats": 5}],
    "users": [
        {"email": "owner@example.com", "first_name": "Olivia", "last_name": "Owens",
         "type": "licensed", "role": "Owner"},
    ],
}  # fmt: skip

BASE_ACCOUNT: Mapping[str, Any] = {
    "domains": ["example.com"],
    "create_action": "autoCreate",
    "on_missing_user": "report",
    "protected": ["owner@example.com"],
    "safety": {"max_deletes": 10, "max_delete_percent": 100},
}


def phone_user(
    email: str,
    extension: int,
    *,
    plans: tuple[str, ...] = ("US/CA Unlimited",),
    numbers: tuple[str, ...] = (),
    site: str = "San Francisco",
    **extra: Any,
) -> dict[str, Any]:
    """A live (seed) user with Zoom Phone."""
    name = email.split("@")[0].capitalize()
    return {
        "email": email,
        "first_name": name,
        "last_name": "Test",
        "type": "licensed",
        "phone": {
            "site": site,
            "extension": extension,
            "calling_plans": list(plans),
            "numbers": list(numbers),
        },
        **extra,
    }


ALICE = phone_user("alice@example.com", 101001, numbers=(SF_NUMBERS[0],))
BOB = phone_user("bob@example.com", 101002, numbers=(SF_NUMBERS[1],))
CAROL = phone_user("carol@example.com", 101003, numbers=(SF_NUMBERS[2],))

# The same users as the state writes them (names left to Zoom: absent = unmanaged).
ALICE_YAML = """\
  - email: alice@example.com
    type: licensed
    phone:
      site: San Francisco
      extension: 101001
      calling_plans: [US/CA Unlimited]
      numbers: ["+14155550100"]
"""
BOB_YAML = """\
  - email: bob@example.com
    type: licensed
    phone:
      site: San Francisco
      extension: 101002
      calling_plans: [US/CA Unlimited]
      numbers: ["+14155550101"]
"""

# A new hire with Zoom Phone, a site, an extension and a calling plan.
DAN_YAML = """\
  - email: dan@example.com
    type: licensed
    phone:
      site: San Francisco
      extension: 101010
      calling_plans: [US/CA Unlimited]
"""


# Issue 12: 300 phone users with one direct number each (their own range of numbers).
MANY_NUMBERS = [f"+1415556{i:04d}" for i in range(300)]
MANY_NUMBERS_SEED: Mapping[str, Any] = {
    "seats": {"licensed": 400, "zoom_phone": 400},
    "calling_plans": [{"type": 200, "name": "US/CA Unlimited", "subscribed": 400}],
    "phone_numbers": [{"from": MANY_NUMBERS[0], "to": MANY_NUMBERS[-1], "site": "San Francisco"}],
}
MANY_NUMBER_HOLDERS = tuple(
    phone_user(f"u{i:03d}@example.com", 103000 + i, numbers=(number,))
    for i, number in enumerate(MANY_NUMBERS)
)


def _holders_yaml(count: int) -> str:
    """The first `count` holders as the state writes them, each without its `numbers:`."""
    return "".join(
        f"""\
  - email: u{i:03d}@example.com
    type: licensed
    phone:
      site: San Francisco
      extension: {103000 + i}
      calling_plans: [US/CA Unlimited]
"""
        for i in range(count)
    )


@dataclass(frozen=True)
class Scenario:
    """One plan scenario. `operations` are the exact ids, in plan order (an id names
    its user and kind: `user/kind[/detail]`); `waiting` are (user, kind) pairs."""

    name: str
    live_users: tuple[Mapping[str, Any], ...]
    users_yaml: str
    account: Mapping[str, Any] = field(default_factory=dict)
    seed_changes: Mapping[str, Any] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()
    waiting: tuple[tuple[str, str], ...] = ()
    exit_code: int = 2
    # Substrings stderr must hold (an error, a one-line note).
    stderr: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    # Whether one apply reaches the state (then plan again is empty, bar waiting steps).
    converges: bool = True
    # Extra state files (relative path -> text).
    extra_files: Mapping[str, str] = field(default_factory=dict)

    def seed(self) -> dict[str, Any]:
        seed = copy.deepcopy(dict(BASE_SEED))
        seed["users"] = [*seed["users"], *copy.deepcopy(list(self.live_users))]
        for key, value in self.seed_changes.items():
            seed[key] = copy.deepcopy(value)
        return seed

    def files(self) -> dict[str, str]:
        account = {**BASE_ACCOUNT, **self.account}
        out = {"account.yaml": yaml.safe_dump({"account": account}, sort_keys=False)}
        if self.users_yaml:
            out["users/people.yaml"] = "users:\n" + self.users_yaml
        out.update(self.extra_files)
        return out

    def plan_args(self, state: Path, fmt: str = "json") -> list[str]:
        return ["plan", str(state), "--format", fmt, "--detailed-exitcode", *self.args]


def materialise(scenario: Scenario, root: Path) -> tuple[Path, Path]:
    """Write the scenario's sandbox file and state directory under `root`; returns
    (sandbox file, state directory)."""
    sandbox = root / "sandbox.json"
    app = create_app(data=sandbox, seed=scenario.seed(), save_interval=0)
    del app  # the file is written on creation
    data = json.loads(sandbox.read_text())
    for user in data["users"]:
        if user["status"] == "pending":
            # Seeded invitations date from the seed epoch (2024), so on the sandbox's
            # real clock they have long expired; a scenario's invitation is fresh.
            user["invited_at"] = FRESH_INVITATION
    sandbox.write_text(json.dumps(data))
    ids = {u["email"]: u["id"] for u in data["users"]}
    state = root / "state"
    for rel, text in scenario.files().items():
        path = state / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(re.sub(r"\{id:([^}]+)\}", lambda m: ids[m.group(1)], text))
    return sandbox, state


def _seats(plan_type: int, subscribed: int) -> list[dict[str, Any]]:
    plans = copy.deepcopy(list(BASE_SEED["calling_plans"]))
    for plan in plans:
        if plan["type"] == plan_type:
            plan["subscribed"] = subscribed
    return plans


def _leaver(policy: str, operations: tuple[str, ...], exit_code: int) -> Scenario:
    return Scenario(
        name=f"leaver_{policy}",
        live_users=(ALICE, CAROL),
        users_yaml=ALICE_YAML,
        account={"on_missing_user": policy, "transfer_to": "alice@example.com"},
        operations=operations,
        exit_code=exit_code,
        warnings=(
            ("carol@example.com is in Zoom but not in the state (account.on_missing_user: report)",)
            if policy == "report"
            else ()
        ),
    )


SCENARIOS: tuple[Scenario, ...] = (
    # A new hire: the user first, then the licence, its extension, the plan, the number.
    Scenario(
        name="new_hire_with_phone_and_number",
        live_users=(ALICE,),
        users_yaml=ALICE_YAML
        + """\
  - email: dan@example.com
    first_name: Dan
    last_name: New
    type: licensed
    phone:
      site: San Francisco
      extension: 101010
      calling_plans: [US/CA Unlimited]
      numbers: ["+14155550105"]
""",
        operations=(
            "dan@example.com/create_user",
            # The whole phone block in one step (POST /phone/users/batch).
            "dan@example.com/add_phone_user",
        ),
    ),
    _leaver("ignore", (), 0),
    _leaver("report", (), 0),
    _leaver("deactivate", ("carol@example.com/deactivate_user",), 2),
    _leaver("disassociate", ("carol@example.com/delete_user",), 2),
    _leaver("delete", ("carol@example.com/delete_user",), 2),
    # One leaver by its own entry (issue 17): deleted, its data to the user it names, while
    # every other unlisted user is only reported.
    Scenario(
        name="leaver_by_own_entry_with_transfer",
        live_users=(ALICE, BOB, CAROL),
        users_yaml=ALICE_YAML
        + "  - {email: bob@example.com, remove: delete, transfer_to: alice@example.com}\n",
        operations=("bob@example.com/delete_user",),
        warnings=(
            "carol@example.com is in Zoom but not in the state (account.on_missing_user: report)",
        ),
    ),
    # account.transfer says what the deletion hands over (the transfer_* flags).
    Scenario(
        name="leaver_hands_over_what_account_transfer_lists",
        live_users=(ALICE, BOB),
        users_yaml=ALICE_YAML
        + "  - {email: bob@example.com, remove: delete, transfer_to: alice@example.com}\n",
        account={"transfer": ["docs", "recordings", "meetings", "whiteboard"]},
        operations=("bob@example.com/delete_user",),
    ),
    # A leaver whose account is already gone: its entry is a record, nothing to do.
    Scenario(
        name="leaver_already_gone",
        live_users=(ALICE,),
        users_yaml=ALICE_YAML + "  - {email: bob@example.com, remove: deactivate}\n",
        exit_code=0,
    ),
    # A transfer target that cannot receive the data: refused at plan time, at its line.
    Scenario(
        name="leaver_transfer_to_an_inactive_user_refused",
        live_users=(
            ALICE,
            BOB,
            {"email": "zed@example.com", "type": "basic", "status": "inactive"},
        ),
        users_yaml=ALICE_YAML
        + "  - {email: bob@example.com, remove: delete, transfer_to: zed@example.com}\n",
        exit_code=1,
        stderr=(
            "users/people.yaml:9:59: users[1].transfer_to: transfer target zed@example.com "
            "is inactive in Zoom",
        ),
    ),
    # A number moves: the old owner gives it up before the new one takes it.
    Scenario(
        name="number_moves_between_users",
        live_users=(ALICE, BOB),
        users_yaml=ALICE_YAML.replace('numbers: ["+14155550100"]', "numbers: []")
        + BOB_YAML.replace('["+14155550101"]', '["+14155550101", "+14155550100"]'),
        operations=(
            "alice@example.com/unassign_number/+14155550100",
            "bob@example.com/assign_number/+14155550100",
        ),
    ),
    # Two users swap extensions: one steps aside to a free extension first.
    Scenario(
        name="extension_swap",
        live_users=(ALICE, BOB),
        users_yaml=ALICE_YAML.replace("101001", "101002") + BOB_YAML.replace("101002", "101001"),
        operations=(
            "alice@example.com/update_phone/temp",
            "bob@example.com/update_phone",
            "alice@example.com/update_phone",
        ),
    ),
    # A calling plan switch keeps the number: one PUT, no unassign/assign of the number.
    Scenario(
        name="calling_plan_switch_keeps_number",
        live_users=(
            phone_user(
                "alice@example.com", 101001, plans=("US/CA Metered",), numbers=(SF_NUMBERS[0],)
            ),
        ),
        users_yaml=ALICE_YAML,
        operations=("alice@example.com/switch_calling_plan/100-200",),
    ),
    # No free seat of US/CA Unlimited until carol leaves: her deactivation (destructive,
    # so normally last) runs first because the new hire needs her seat.
    Scenario(
        name="seats_full_until_a_leaver_frees_one",
        live_users=(ALICE, CAROL),
        seed_changes={"calling_plans": _seats(200, 2)},
        users_yaml=ALICE_YAML + DAN_YAML,
        account={"on_missing_user": "deactivate"},
        operations=(
            "carol@example.com/deactivate_user",
            "dan@example.com/create_user",
            "dan@example.com/add_phone_user",
        ),
    ),
    # A new hire needs a seat of a calling plan with none free, and nothing frees one.
    Scenario(
        name="not_enough_calling_plan_seats_refused",
        live_users=(ALICE, BOB),
        seed_changes={"calling_plans": _seats(200, 2)},
        users_yaml=ALICE_YAML
        + BOB_YAML
        + """\
  - email: dan@example.com
    type: licensed
    phone:
      site: San Francisco
      calling_plans: [US/CA Unlimited]
""",
        exit_code=1,
        stderr=("not enough calling plan 'US/CA Unlimited' seats", "0 are free"),
    ),
    # Licences Zoom does not count through the API come from account.seats.
    Scenario(
        name="not_enough_declared_licensed_seats_refused",
        live_users=(ALICE,),
        users_yaml=ALICE_YAML + "  - {email: dan@example.com, type: licensed}\n",
        account={"seats": {"licensed": 2}},
        exit_code=1,
        stderr=("not enough licensed seats",),
    ),
    # Zoom Phone licences (Zoom's API does not count them) come from account.seats too:
    # with none free, the new hire's Zoom Phone waits for carol to give hers up.
    Scenario(
        name="phone_licences_full_until_one_is_given_up",
        live_users=(ALICE, CAROL),
        seed_changes={"seats": {"licensed": 50, "zoom_phone": 2}},
        users_yaml=ALICE_YAML
        + """\
  - {email: carol@example.com, type: licensed}
"""
        + DAN_YAML,
        account={"seats": {"phone": 2}, "allow_data_loss": True},
        operations=(
            "carol@example.com/disable_phone",
            "dan@example.com/create_user",
            "dan@example.com/add_phone_user",
        ),
    ),
    Scenario(
        name="not_enough_phone_licences_refused",
        live_users=(ALICE, BOB),
        users_yaml=ALICE_YAML
        + BOB_YAML
        + """\
  - email: dan@example.com
    type: licensed
    phone: {site: San Francisco, extension: 101010}
""",
        account={"seats": {"phone": 2}},
        exit_code=1,
        stderr=("not enough Zoom Phone seats: this plan needs 1, 0 are free",),
    ),
    # A number held by a user outside account.domains is never taken from them.
    Scenario(
        name="number_held_outside_scope_refused",
        live_users=(ALICE, phone_user("pat@partner.example", 101007, numbers=(SF_NUMBERS[5],))),
        users_yaml=ALICE_YAML.replace(
            'numbers: ["+14155550100"]', f'numbers: ["+14155550100", "{SF_NUMBERS[5]}"]'
        ),
        exit_code=1,
        stderr=("outside account.domains",),
    ),
    # Destructive steps go last when nothing waits for them, whatever their user's name.
    Scenario(
        name="destructive_steps_last",
        live_users=(phone_user("aaron@example.com", 101004), ALICE, BOB),
        users_yaml=ALICE_YAML.replace("type: licensed", "type: licensed\n    department: Ops")
        + BOB_YAML.replace("type: licensed", "type: licensed\n    department: Ops"),
        account={"on_missing_user": "deactivate"},
        operations=(
            "alice@example.com/update_user",
            "bob@example.com/update_user",
            "aaron@example.com/deactivate_user",
        ),
    ),
    # Two users trade calling plans and neither plan has a free seat: each switch waits
    # for the other's seat. Refused with the steps named, not planned in a wrong order.
    Scenario(
        name="calling_plan_trade_without_a_free_seat_refused",
        live_users=(
            phone_user("alice@example.com", 101001, plans=("US/CA Metered",)),
            phone_user("bob@example.com", 101002),
        ),
        seed_changes={
            "calling_plans": [
                {"type": 200, "name": "US/CA Unlimited", "subscribed": 1},
                {"type": 100, "name": "US/CA Metered", "subscribed": 1},
            ]
        },
        users_yaml=ALICE_YAML.replace('numbers: ["+14155550100"]', "numbers: []")
        + BOB_YAML.replace("US/CA Unlimited", "US/CA Metered").replace('["+14155550101"]', "[]"),
        exit_code=1,
        stderr=(
            "dependency cycle among alice@example.com/switch_calling_plan/100-200, "
            "bob@example.com/switch_calling_plan/200-100",
            "free one seat of the plans involved",
        ),
    ),
    # A pending user: phone steps wait for the invitation; waiting alone is no change.
    Scenario(
        name="pending_user_needs_phone",
        live_users=(
            ALICE,
            {
                "email": "erin@example.com",
                "type": "licensed",
                "status": "pending",
                "create_action": "create",
            },
        ),
        users_yaml=ALICE_YAML
        + """\
  - email: erin@example.com
    type: licensed
    phone:
      site: San Francisco
      calling_plans: [US/CA Unlimited]
""",
        waiting=(
            ("erin@example.com", "enable_phone"),
            ("erin@example.com", "update_phone"),
            ("erin@example.com", "assign_calling_plan"),
        ),
        exit_code=0,
        stderr=("Only waiting steps remain",),
        converges=False,
    ),
    # A new e-mail with the same Zoom id: an e-mail change, not a delete and a create.
    Scenario(
        name="email_changed_with_id",
        live_users=(ALICE, phone_user("frank.old@example.com", 101005)),
        users_yaml=ALICE_YAML
        + """\
  - email: frank.new@example.com
    id: "{id:frank.old@example.com}"
    type: licensed
    phone:
      extension: 101005
      calling_plans: [US/CA Unlimited]
""",
        account={"on_missing_user": "delete"},
        operations=("frank.new@example.com/change_email",),
    ),
    # A protected user is never changed nor removed, whatever the state says.
    Scenario(
        name="protected_user_untouched",
        live_users=(ALICE,),
        users_yaml=ALICE_YAML
        + """\
  - email: owner@example.com
    department: Elsewhere
    phone:
      site: London
      calling_plans: [GB/IE Unlimited]
""",
        account={"on_missing_user": "delete"},
        exit_code=0,
    ),
    # Zoom refuses to deactivate an admin: refused at plan time, with the reason.
    Scenario(
        name="admin_leaver_refused",
        live_users=(ALICE, phone_user("gina@example.com", 101006, role="Admin")),
        users_yaml=ALICE_YAML,
        account={"on_missing_user": "deactivate"},
        exit_code=1,
        stderr=("gina@example.com is an admin (Admin) and Zoom refuses to deactivate admins",),
    ),
    # The state deactivates an admin: Zoom refuses that, so the demotion runs first...
    Scenario(
        name="admin_demoted_then_deactivated",
        live_users=(ALICE, phone_user("gina@example.com", 101006, role="Admin")),
        users_yaml=ALICE_YAML + "  - {email: gina@example.com, role: Member, status: inactive}\n",
        operations=("gina@example.com/assign_role", "gina@example.com/deactivate_user"),
    ),
    # ... and without a demotion in the state, the plan is refused.
    Scenario(
        name="admin_deactivated_without_demotion_refused",
        live_users=(ALICE, phone_user("gina@example.com", 101006, role="Admin")),
        users_yaml=ALICE_YAML + "  - {email: gina@example.com, status: inactive}\n",
        exit_code=1,
        stderr=("users/people.yaml:9:39: users[1].status: gina@example.com is an admin",),
    ),
    # Zoom picks the extension of a new phone user, maybe the one another user is about
    # to claim (101000, the first free one here): the claim runs before Zoom picks.
    Scenario(
        name="claims_before_zoom_picks_an_extension",
        live_users=(ALICE, phone_user("zed@example.com", 101009)),
        users_yaml=ALICE_YAML
        + """\
  - email: dan@example.com
    phone:
      calling_plans: [US/CA Unlimited]
  - email: zed@example.com
    phone:
      extension: 101000
      calling_plans: [US/CA Unlimited]
""",
        operations=(
            "dan@example.com/create_user",
            "zed@example.com/update_phone",
            # No site in the state: not in a batch (the batch takes the short extension).
            "dan@example.com/enable_phone",
            "dan@example.com/assign_calling_plan/200",
        ),
    ),
    # A state with no users would remove everyone: refused, even with --force.
    *(
        Scenario(
            name=f"empty_state_refused{suffix}",
            live_users=(ALICE, BOB),
            users_yaml="",
            account={"on_missing_user": "deactivate"},
            args=args,
            exit_code=1,
            stderr=("would remove every managed user (2)", "Refused, even with --force"),
        )
        for suffix, args in (("", ()), ("_with_force", ("--force",)))
    ),
    # An inactive user is not removed again by a deactivate policy: it must not hide an
    # empty state that deactivates every active user.
    Scenario(
        name="empty_state_with_an_inactive_user_refused",
        live_users=(
            ALICE,
            BOB,
            {"email": "ivy@example.com", "type": "basic", "status": "inactive"},
        ),
        users_yaml="",
        account={"on_missing_user": "deactivate"},
        exit_code=1,
        stderr=("would remove every managed user", "Refused, even with --force"),
    ),
    # --target plans only the named users.
    Scenario(
        name="target_plans_only_named_users",
        live_users=(ALICE, BOB),
        users_yaml=ALICE_YAML.replace("type: licensed", "type: licensed\n    department: Ops")
        + BOB_YAML.replace("type: licensed", "type: licensed\n    department: Ops"),
        args=("--target", "BOB@example.com"),
        operations=("bob@example.com/update_user",),
        converges=False,
    ),
    # --skip-removals: the leaver stays, the other change goes ahead.
    Scenario(
        name="skip_removals",
        live_users=(ALICE, BOB, CAROL),
        users_yaml=ALICE_YAML.replace("type: licensed", "type: licensed\n    department: Ops")
        + BOB_YAML,
        account={"on_missing_user": "deactivate"},
        args=("--skip-removals",),
        operations=("alice@example.com/update_user",),
        warnings=("--skip-removals: not planned: carol@example.com/deactivate_user",),
        converges=False,
    ),
    # Over account.safety: refused without --force, planned with it.
    *(
        Scenario(
            name=f"safety_limits{suffix}",
            live_users=(ALICE, BOB, CAROL, phone_user("hal@example.com", 101008)),
            users_yaml=ALICE_YAML,
            account={
                "on_missing_user": "deactivate",
                "safety": {"max_deletes": 2, "max_delete_percent": 100},
            },
            args=args,
            operations=operations,
            exit_code=code,
            stderr=stderr,
        )
        for suffix, args, operations, code, stderr in (
            (
                "",
                (),
                (),
                1,
                (
                    "takes users, licences or numbers away from 3 of 4 managed users",
                    "use --force",
                ),
            ),
            (
                "_forced",
                ("--force",),
                (
                    "bob@example.com/deactivate_user",
                    "carol@example.com/deactivate_user",
                    "hal@example.com/deactivate_user",
                ),
                2,
                (),
            ),
        )
    ),
    # Issue 12: dropping every `numbers:` list unassigned 300 of 300 numbers in one plan
    # that counted no removal. Unassigned numbers count toward account.safety: refused
    # (apply with --allow-data-loss, as CI runs it, too), planned with --force...
    *(
        Scenario(
            name=f"numbers_dropped_over_safety{suffix}",
            live_users=MANY_NUMBER_HOLDERS,
            seed_changes=MANY_NUMBERS_SEED,
            users_yaml=_holders_yaml(len(MANY_NUMBER_HOLDERS)),
            account={"safety": {"max_deletes": 5, "max_delete_percent": 100}},
            args=args,
            operations=operations,
            exit_code=code,
            stderr=stderr,
        )
        for suffix, args, operations, code, stderr in (
            (
                "",
                (),
                (),
                1,
                (
                    "takes users, licences or numbers away from 300 of 300 managed users "
                    "(100.0%; steps: 300 unassign_number), over account.safety (max_deletes 5,",
                    "use --force to go ahead, or raise account.safety in the state",
                ),
            ),
            (
                "_forced",
                ("--force",),
                tuple(
                    f"{u['email']}/unassign_number/{u['phone']['numbers'][0]}"
                    for u in MANY_NUMBER_HOLDERS
                ),
                2,
                (),
            ),
        )
    ),
    # ... while a few unassigned numbers within the limits plan as before.
    Scenario(
        name="numbers_dropped_within_safety",
        live_users=MANY_NUMBER_HOLDERS[:3],
        seed_changes=MANY_NUMBERS_SEED,
        users_yaml=_holders_yaml(3),
        account={"safety": {"max_deletes": 5, "max_delete_percent": 100}},
        operations=tuple(
            f"{u['email']}/unassign_number/{u['phone']['numbers'][0]}"
            for u in MANY_NUMBER_HOLDERS[:3]
        ),
    ),
    # A moved number loses nothing and is not counted: max_deletes 0 lets it through.
    Scenario(
        name="number_moves_within_zero_deletes",
        live_users=(ALICE, BOB),
        users_yaml=ALICE_YAML.replace('numbers: ["+14155550100"]', "numbers: []")
        + BOB_YAML.replace('["+14155550101"]', '["+14155550101", "+14155550100"]'),
        account={"safety": {"max_deletes": 0, "max_delete_percent": 0}},
        operations=(
            "alice@example.com/unassign_number/+14155550100",
            "bob@example.com/assign_number/+14155550100",
        ),
    ),
    # Names the account does not have: each reported where the state writes it.
    Scenario(
        name="unknown_site_plan_role_template",
        live_users=(ALICE,),
        users_yaml=ALICE_YAML
        + """\
  - email: ivy@example.com
    role: Wizard
    phone:
      site: Paris
      calling_plans: [US/CA Unlimited]
  - email: jay@example.com
    phone:
      calling_plans: [Mars Unlimited]
  - email: kim@example.com
    phone:
      template: No such template
""",
        exit_code=1,
        stderr=(
            "users/people.yaml:10:11: users[1].role: unknown role 'Wizard'",
            "users/people.yaml:12:13: users[1].phone.site: unknown site 'Paris'",
            "users/people.yaml:16:23: users[2].phone.calling_plans[0]: unknown calling plan "
            "'Mars Unlimited'",
            "users/people.yaml:19:17: users[3].phone.template: unknown setting template "
            "'No such template'",
        ),
    ),
    # A number the account does not have.
    Scenario(
        name="number_not_in_account",
        live_users=(ALICE,),
        users_yaml=ALICE_YAML.replace('["+14155550100"]', '["+14155550100", "+14155559999"]'),
        exit_code=1,
        stderr=(
            "users/people.yaml:8:16: users[0].phone.numbers: number +14155559999 is not in "
            "this Zoom account",
        ),
    ),
    # An account with no phone numbers at all: the check still runs (it used to be
    # skipped when the number list was empty).
    Scenario(
        name="number_in_an_account_without_numbers",
        live_users=(phone_user("alice@example.com", 101001),),
        seed_changes={"phone_numbers": []},
        users_yaml=ALICE_YAML,
        exit_code=1,
        stderr=("number +14155550100 is not in this Zoom account",),
    ),
)

# The user-group scenarios (issue 16) build on `Scenario`, so they are imported once it is.
from tests.scenarios.group_cases import GROUP_SCENARIOS  # noqa: E402
from tests.scenarios.queue_cases import QUEUE_SCENARIOS  # noqa: E402

SCENARIOS = (*SCENARIOS, *GROUP_SCENARIOS, *QUEUE_SCENARIOS)

BY_NAME: Mapping[str, Scenario] = {s.name: s for s in SCENARIOS}
