"""The state model: E.164, identity, account scope and protection, and the profile merge."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from zoomstate.loader import load_state
from zoomstate.model import AccountPolicy, PhoneSpec, UserSpec


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
