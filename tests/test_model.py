"""The state model: E.164, identity, account scope and protection, and the profile merge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from zoomstate.fields import Spec
from zoomstate.loader import load_state
from zoomstate.model import AccountPolicy, ContactCenterSpec, PhoneSpec, UserSpec


@pytest.mark.parametrize(
    "number", ["+14155550100", "+442079460000", "+81312345678", "+123", "+123456789012345"]
)
def test_e164_accepts_plus_country_code_digits(number: str) -> None:
    assert PhoneSpec(numbers=(number,)).numbers == (number,)


@pytest.mark.parametrize(
    ("number", "hint"),
    [
        ("+1 415-555-0100", "write it as '+14155550100'"),
        ("(415) 555-0100", "lacks the '+' and country code"),
        ("14155550100", "lacks the '+' and country code"),
        ("0044 20 7946 0000", "write it as '+442079460000' ('+' replaces 00)"),
        ("1.41556E+10", "scientific notation"),
        ("+04155550100", "not in E.164 form"),
        ("+1234567890123456", "not in E.164 form"),  # 16 digits: over E.164's 15
        ("+1415555010x", "not in E.164 form"),
        ("", "not in E.164 form"),
    ],
)
def test_e164_rejects_with_a_hint(number: str, hint: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PhoneSpec(numbers=(number,))
    assert hint in str(caught.value)


def test_identity_key_is_the_lower_cased_email() -> None:
    assert UserSpec(email="Alice.Ng@Example.COM").key == "alice.ng@example.com"


def test_account_domains_are_lower_cased_and_scope_is_case_insensitive() -> None:
    account = AccountPolicy(domains=("Example.COM",))
    assert account.domains == ("example.com",)
    assert account.in_scope("Bob@EXAMPLE.com")
    assert not account.in_scope("bob@example.org")
    # A sub-domain is another domain: it must be listed to be in scope.
    assert not account.in_scope("bob@mail.example.com")


def test_protection_is_case_insensitive() -> None:
    account = AccountPolicy(domains=("example.com",), protected=("Owner@Example.com",))
    assert account.is_protected("owner@example.com")
    assert account.is_protected("OWNER@EXAMPLE.COM")
    assert not account.is_protected("it-admin@example.com")


def test_account_needs_at_least_one_domain() -> None:
    with pytest.raises(ValidationError):
        AccountPolicy(domains=())


def test_models_are_frozen_and_forbid_unknown_keys() -> None:
    user = UserSpec(email="a@example.com")
    with pytest.raises(ValidationError):
        user.first_name = "A"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        UserSpec.model_validate({"email": "a@example.com", "frist_name": "A"})


def _state(tmp_path: Path, profiles: str, users: str) -> dict[str, UserSpec]:
    (tmp_path / "account.yaml").write_text("account:\n  domains: [example.com]\n")
    (tmp_path / "profiles.yaml").write_text(profiles)
    (tmp_path / "users.yaml").write_text(users)
    return load_state(tmp_path).by_key()


PROFILES = """\
profiles:
  support:
    type: licensed
    department: Support
    job_title: Agent
    phone:
      site: London
      calling_plans: [GB/IE Unlimited]
      template: Support default
    contact_center: {package: premium, role: Agent}
"""


def test_profile_merge_user_wins_and_nested_blocks_merge(tmp_path: Path) -> None:
    users = _state(
        tmp_path,
        PROFILES,
        """\
users:
  - email: maya@example.com
    profile: support
    department: Support EMEA
    phone: {extension: 202001, numbers: ["+442079460001"]}
    contact_center: {role: Supervisor}
""",
    )
    maya = users["maya@example.com"]
    assert maya.type == "licensed"  # inherited
    assert maya.job_title == "Agent"  # inherited
    assert maya.department == "Support EMEA"  # the user wins
    assert maya.phone == PhoneSpec(
        site="London",
        extension=202001,
        calling_plans=("GB/IE Unlimited",),
        numbers=("+442079460001",),
        template="Support default",
    )
    assert maya.contact_center is not None
    assert maya.contact_center.role == "Supervisor"  # the user wins inside the block
    assert maya.contact_center.package == "premium"  # the rest of the block is kept
    assert maya.profile == "support"


def test_profile_merge_null_removes_an_inherited_block(tmp_path: Path) -> None:
    users = _state(
        tmp_path,
        PROFILES,
        """\
users:
  - {email: noah@example.com, profile: support, phone: null}
  - {email: pia@example.com, profile: support, contact_center: null}
  - {email: omar@example.com, profile: support}
""",
    )
    assert users["noah@example.com"].phone is None
    assert users["noah@example.com"].contact_center is not None
    assert users["pia@example.com"].contact_center is None
    assert users["pia@example.com"].phone is not None
    assert users["omar@example.com"].phone is not None


def test_profile_merge_replaces_lists_instead_of_merging_them(tmp_path: Path) -> None:
    # calling_plans and numbers are exact sets: a user's list replaces the profile's.
    users = _state(
        tmp_path,
        PROFILES,
        """\
users:
  - {email: maya@example.com, profile: support, phone: {calling_plans: [International]}}
""",
    )
    phone = users["maya@example.com"].phone
    assert phone is not None
    assert phone.calling_plans == ("International",)
    assert phone.site == "London"


# --------------------------------------------------------------------------------------
# Specs built in bulk share their fields-set (issue 15): `Spec.trusted` for Zoom's data,
# `share_fields_sets` for the loader's validated users.

_VALUES: dict[type[Spec], dict[str, Any]] = {
    UserSpec: {
        "first_name": "Ann",
        "last_name": "Lee",
        "department": None,
        "job_title": None,
        "type": "licensed",
        "role": "Member",
        "status": "active",
        "phone": None,
        "contact_center": None,
        "email": "ann@example.com",
        "id": "u1",
        "profile": None,
        "groups": ("Sales",),
        "primary_group": None,
        "remove": None,
        "transfer_to": None,
    },
    PhoneSpec: {
        "site": "Main",
        "extension": 1001,
        "calling_plans": (200,),
        "numbers": ("+14155550100",),
        "template": None,
        "call_queues": ("Support",),
        "shared_line_groups": None,
    },
    ContactCenterSpec: {"package": "premium", "role": "Agent", "access": "active"},
}


@pytest.mark.parametrize("cls", list(_VALUES), ids=lambda c: c.__name__)
def test_trusted_makes_what_model_construct_makes(cls: type[Spec]) -> None:
    values = _VALUES[cls]
    made, constructed = cls.trusted(**values), cls.model_construct(**values)
    assert made == constructed and repr(made) == repr(constructed)
    assert made.model_dump_json() == constructed.model_dump_json()
    assert made.model_fields_set == constructed.model_fields_set == set(cls.model_fields)
    # Given in another order: still the fields' own order (model_dump follows it).
    again = cls.trusted(**dict(reversed(values.items())))
    assert again == made and list(again.model_dump()) == list(cls.model_fields)
    # One set for every instance: the memory the issue measured.
    assert again.model_fields_set is made.model_fields_set


@pytest.mark.parametrize("cls", list(_VALUES), ids=lambda c: c.__name__)
def test_trusted_refuses_a_missing_or_unknown_field(cls: type[Spec]) -> None:
    values = dict(_VALUES[cls])
    first = next(iter(values))
    with pytest.raises(TypeError, match=f"missing \\['{first}'\\]"):
        cls.trusted(**{k: v for k, v in values.items() if k != first})
    with pytest.raises(TypeError, match="unknown \\['nope'\\]"):
        cls.trusted(**values, nope=1)


def test_a_copy_of_a_spec_with_a_shared_fields_set_leaves_the_others_alone() -> None:
    a, b = UserSpec.trusted(**_VALUES[UserSpec]), UserSpec.trusted(**_VALUES[UserSpec])
    shared = set(a.model_fields_set)
    for spec in (a, UserSpec(email="x@example.com", first_name="X")):
        copied = spec.model_copy(update={"department": "Sales"})
        assert copied.department == "Sales"
    assert a.model_fields_set == b.model_fields_set == shared
    with pytest.raises(ValidationError):
        a.department = "Sales"  # type: ignore[misc]  # frozen: never adds to the set
    assert b.model_fields_set == shared


def test_loaded_users_share_their_fields_sets(tmp_path: Path) -> None:
    (tmp_path / "state.yaml").write_text(
        "account: {domains: [example.com]}\n"
        "users:\n"
        + "".join(
            f"  - {{email: u{i}@example.com, first_name: U{i}, phone: {{extension: {1000 + i}}}}}\n"
            for i in range(3)
        )
        + "  - {email: other@example.com}\n",
        encoding="utf-8",
    )
    users = {u.email: u for u in load_state(tmp_path).users}
    other = users.pop("other@example.com")
    first, *rest = users.values()
    assert rest and all(u.model_fields_set is first.model_fields_set for u in rest)
    phones = [u.phone for u in users.values() if u.phone is not None]
    assert len(phones) == 3 and all(
        p.model_fields_set is phones[0].model_fields_set for p in phones
    )
    assert other.model_fields_set == {"email"} != first.model_fields_set
