"""Load a state directory: files parsed safely, merged, profiles applied, every rule checked.

This is an edge of the program (it reads files); everything it returns is plain, frozen
model data. Every problem is collected as an `Issue` with `file:line:col` before
`ValidationFailed` is raised, so one run shows the user everything to fix. Reading the
YAML is `zoomstate.io.yamlsafe`, finding the files `zoomstate.discovery`, positions
`zoomstate.io.locate`; the rules of a phone block are `zoomstate.resources.phone_rules`,
those of user groups `zoomstate.resources.groups_rules`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from zoomstate.discovery import find_state_files
from zoomstate.emails import mixed_script_problem
from zoomstate.errors import Issue, ValidationFailed
from zoomstate.fields import share_fields_sets
from zoomstate.io.issues import TOP_LEVEL_KEYS, Collector, describe, suggest
from zoomstate.io.locate import Locator
from zoomstate.io.paths import JsonPath, format_path
from zoomstate.io.yamlsafe import ParsedFile, parse_all
from zoomstate.model import AccountPolicy, DesiredState, Origin, ProfileSpec, UserSpec
from zoomstate.resources.groups_rules import managed_problems, membership_problems
from zoomstate.resources.leaver_rules import leaver_problems
from zoomstate.resources.phone_rules import Claim, calling_plan_problem, held_twice


def discover(
    root: Path, *, follow_external_links: bool = False
) -> tuple[list[tuple[Path, str]], list[Issue]]:
    """The state files below `root` and the issues of the walk (`zoomstate.discovery`)."""
    found = find_state_files(root, follow_external_links=follow_external_links)
    return found.files, found.issues


def _validate(model: type[BaseModel], data: Any) -> tuple[Any, ValidationError | None]:
    try:
        return model.model_validate(data), None
    except ValidationError as exc:
        return None, exc


def _has_path(data: Any, path: JsonPath) -> bool:
    for part in path:
        in_map = isinstance(part, str) and isinstance(data, dict) and part in data
        in_list = isinstance(part, int) and isinstance(data, list) and 0 <= part < len(data)
        if not (in_map or in_list):
            return False
        data = data[part]
    return True


def _merge(profile: Mapping[str, Any], user: Mapping[str, Any]) -> dict[str, Any]:
    """User fields win; nested blocks merge key by key; an explicit null drops the block."""
    merged = dict(profile)
    for key, value in user.items():
        inherited = merged.get(key)
        if isinstance(value, dict) and isinstance(inherited, dict):
            merged[key] = {**inherited, **value}
        else:
            merged[key] = value
    return merged


@dataclass(slots=True)
class _Seen:
    file: str
    path: JsonPath
    email: str = ""


@dataclass(frozen=True, slots=True)
class _UserSource:
    """Where the parts of one user were written: its own entry, or the profile it names."""

    item: Mapping[str, Any]
    file: str
    base: JsonPath
    profile: str | None = None
    profile_file: str = ""
    profile_body: Any = None
    profile_valid: bool = True

    def place(self, loc: JsonPath) -> tuple[str, JsonPath]:
        """The file and path of `loc` (a path inside the merged user).

        The user's own entry when the value is there, else the profile it came from, else
        the user (the locator then points at the nearest part that exists). A missing key
        belongs to the side that wrote the block lacking it."""
        if self.profile is None or _has_path(self.item, loc):
            return self.file, self.base + loc
        body = self.profile_body
        from_profile = _has_path(body, loc) or (
            bool(loc) and _has_path(body, loc[:-1]) and not _has_path(self.item, loc[:-1])
        )
        if from_profile:
            return self.profile_file, ("profiles", self.profile, *loc)
        return self.file, self.base + loc

    def report_at(self, loc: JsonPath) -> tuple[str, JsonPath] | None:
        """Like `place`, but None for a problem inside a profile that failed on its own:
        that was reported once, at the profile, and a copy for every user of the profile
        would bury the other issues."""
        file, path = self.place(loc)
        if path[:1] == ("profiles",) and not self.profile_valid:
            return None
        return file, path


@dataclass(slots=True)
class _Blocks:
    """The top-level blocks of every file: the account, the profiles, the user entries."""

    account: AccountPolicy | None = None
    account_at: _Seen | None = None
    account_mark: tuple[int, int] = (0, 0)
    profiles_raw: dict[str, tuple[str, Any]] = field(default_factory=dict)
    profiles: dict[str, ProfileSpec] = field(default_factory=dict)
    user_entries: list[tuple[ParsedFile, int, Any]] = field(default_factory=list)


def load_state(
    root: Path | str, *, workers: int | None = None, follow_external_links: bool = False
) -> DesiredState:
    """Load and validate a state directory (or one file); raise ValidationFailed with
    every issue, sorted, when anything is wrong. Links out of the directory are refused
    unless `follow_external_links` (see `zoomstate.discovery`)."""
    root = Path(root)
    files, issues = discover(root, follow_external_links=follow_external_links)
    if not files and not issues:
        issues.append(
            Issue(str(root), 0, 0, "", "no state files (*.yaml, *.yml) in this directory")
        )
    parsed = parse_all(files, workers)
    out = Collector(Locator({p.name: p for p in parsed}), issues)
    for p in parsed:
        out.issues.extend(p.issues)

    blocks = _Blocks()
    for p in parsed:
        if isinstance(p.data, dict):
            for key, value in p.data.items():
                _read_block(p, key, value, blocks, out)
    if blocks.account_at is None and parsed:
        out.issues.append(
            Issue(
                str(root),
                0,
                0,
                "",
                "no account block: zoomstate needs account.domains to know which users "
                "it may touch",
            )
        )

    users = _Users(out, blocks)
    _check_account_groups(blocks, users)
    for p, index, item in blocks.user_entries:
        users.add(p, index, item)
    users.check_claims()
    _check_protected_scope(blocks, out)

    if out.issues:
        raise ValidationFailed(out.issues)
    account = blocks.account
    assert account is not None and blocks.account_at is not None
    found = sorted(users.users, key=lambda u: u.key)
    line, col = blocks.account_mark
    return DesiredState(
        account=account,
        users=tuple(found),
        profiles=blocks.profiles,
        origins=users.origins,
        profile_files={name: file for name, (file, _) in blocks.profiles_raw.items()},
        account_origin=Origin(blocks.account_at.file, line, col, "account"),
    )


def _read_block(p: ParsedFile, key: str, value: Any, blocks: _Blocks, out: Collector) -> None:
    """One top-level key of one file, recorded in `blocks`."""
    if key not in TOP_LEVEL_KEYS:
        out.add(
            p.name,
            (key,),
            f"unknown top-level key {key!r}{suggest(key, TOP_LEVEL_KEYS)}"
            " (a state file holds account, profiles and users)",
            key=True,
        )
    elif key == "account":
        _read_account(p.name, value, blocks, out, p.account_mark)
    elif key == "profiles":
        if value is None:
            return
        if not isinstance(value, dict):
            out.add(p.name, ("profiles",), f"must be a mapping; got {describe(value)}")
            return
        for pname, body in value.items():
            _read_profile(p.name, pname, body, blocks, out)
    elif key == "users":
        if value is None:
            return
        if not isinstance(value, list):
            out.add(p.name, ("users",), f"must be a list; got {describe(value)}")
            return
        for index, item in enumerate(value):
            blocks.user_entries.append((p, index, item))


def _read_account(
    name: str, value: Any, blocks: _Blocks, out: Collector, mark: tuple[int, int] | None
) -> None:
    if blocks.account_at is not None:
        first = out.locator.issue(blocks.account_at.file, ("account",), "", key=True)
        out.add(
            name,
            ("account",),
            f"a second account block (the first is at {first.file}:{first.line}:"
            f"{first.col}); a state has exactly one",
            key=True,
        )
        return
    blocks.account_at = _Seen(name, ("account",))
    blocks.account_mark = mark or (0, 0)
    model, exc = _validate(AccountPolicy, value)
    if exc:
        out.pydantic(exc, name, ("account",), "account")
    blocks.account = model


def _read_profile(name: str, pname: str, body: Any, blocks: _Blocks, out: Collector) -> None:
    if pname in blocks.profiles_raw:
        first = out.locator.issue(blocks.profiles_raw[pname][0], ("profiles", pname), "", key=True)
        out.add(
            name,
            ("profiles", pname),
            f"profile {pname!r} is defined twice (first at {first.file}:"
            f"{first.line}:{first.col}); profile names are unique in a state",
            key=True,
        )
        return
    blocks.profiles_raw[pname] = (name, body)
    model, exc = _validate(ProfileSpec, body)
    if exc:
        out.pydantic(exc, name, ("profiles", pname), "profile")
    else:
        blocks.profiles[pname] = model


# Where a claim on an extension or a number was written: a file and a path in it.
_Place = tuple[str, JsonPath]


@dataclass(slots=True)
class _Users:
    """The users of a state, checked entry by entry, each against those before it."""

    out: Collector
    blocks: _Blocks
    users: list[UserSpec] = field(default_factory=list)
    origins: dict[str, Origin] = field(default_factory=dict)
    first_email: dict[str, _Seen] = field(default_factory=dict)
    claims: list[Claim[_Place]] = field(default_factory=list)
    # Group problems already reported at a place: a profile's, once for all its users.
    group_issues: set[tuple[str, JsonPath, str]] = field(default_factory=set)

    def add(self, p: ParsedFile, index: int, item: Any) -> None:
        """Check one user entry, merged with its profile; keep it when it is valid."""
        out = self.out
        base: JsonPath = ("users", index)
        if not isinstance(item, dict):
            out.add(p.name, base, f"a user must be a mapping; got {describe(item)}")
            return
        source = self._source(p.name, base, item)
        merged = _merge(source.profile_body if isinstance(source.profile_body, dict) else {}, item)
        user, exc = _validate(UserSpec, merged)
        if exc:
            out.pydantic(exc, p.name, base, "user", source.report_at)
            return
        assert isinstance(user, UserSpec)
        share_fields_sets(user, user.phone, user.contact_center)
        line, col = p.user_marks[index] if index < len(p.user_marks) else (0, 0)
        key = user.key
        if key in self.first_email:
            prev = self.first_email[key]
            prev_issue = out.locator.issue(prev.file, (*prev.path, "email"), "")
            out.add(
                p.name,
                (*base, "email"),
                f"duplicate e-mail {key} (also at {prev_issue.file}:{prev_issue.line}:"
                f"{prev_issue.col}, {format_path(prev.path)}); e-mails are case-insensitive",
            )
            return
        self.first_email[key] = _Seen(p.name, base, user.email)
        self.origins[key] = Origin(p.name, line, col, format_path(base))
        self.users.append(user)
        # A leaver's phone block is its record: what it held is free for others.
        if user.phone is not None and user.remove is None:
            self._check_phone(source, user)
        if user.groups is not None or user.primary_group is not None:
            self._check_groups(source, user)
        if self.blocks.account is not None:
            _check_against_account(self.blocks.account, source, user, out)

    def _source(self, name: str, base: JsonPath, item: Mapping[str, Any]) -> _UserSource:
        """Where the user's parts come from; an unknown profile is reported here."""
        profile_name = item.get("profile")
        raw = self.blocks.profiles_raw
        if profile_name is None:
            return _UserSource(item, name, base)
        if not isinstance(profile_name, str) or profile_name not in raw:
            self.out.add(
                name,
                (*base, "profile"),
                f"unknown profile {profile_name!r}" + suggest(str(profile_name), list(raw)),
            )
            return _UserSource(item, name, base)
        pfile, pbody = raw[profile_name]
        valid = profile_name in self.blocks.profiles
        return _UserSource(item, name, base, profile_name, pfile, pbody, valid)

    def _check_phone(self, source: _UserSource, user: UserSpec) -> None:
        """Numbers and plans listed twice, numbers without a plan; the extension and the
        numbers are claimed, to be checked against the other users at the end."""
        out = self.out
        phone = user.phone
        assert phone is not None
        if phone.extension is not None:
            where = source.place(("phone", "extension"))
            self.claims.append(Claim("extension", phone.extension, user.email, where))
        seen_here: set[str] = set()
        for n_index, number in enumerate(phone.numbers):
            where = source.place(("phone", "numbers", n_index))
            if number in seen_here:
                out.add(*where, f"number {number} is listed twice")
                continue
            seen_here.add(number)
            self.claims.append(Claim("number", number, user.email, where))
        problem = calling_plan_problem(phone.numbers, phone.calling_plans, "state")
        if problem is not None:
            out.add(*source.place(("phone", "numbers")), problem)
        plans_seen: set[str | int] = set()
        for c_index, plan in enumerate(phone.calling_plans):
            if plan in plans_seen:
                where = source.place(("phone", "calling_plans", c_index))
                out.add(*where, f"calling plan {plan!r} is listed twice")
            plans_seen.add(plan)

    def _check_groups(self, source: _UserSource, user: UserSpec) -> None:
        """Groups listed twice or outside account.groups.managed, a primary group the
        user is not in: each where it is written (a profile's once)."""
        account = self.blocks.account
        managed = account.groups.managed if account is not None else None
        for loc, message in membership_problems(user.groups, user.primary_group, managed):
            place = source.report_at(loc)
            if place is not None:
                self.group_issue(*place, message)

    def group_issue(self, file: str, path: JsonPath, message: str) -> None:
        if (file, path, message) not in self.group_issues:
            self.group_issues.add((file, path, message))
            self.out.add(file, path, message)

    def check_claims(self) -> None:
        """Report each extension or number that a second user also holds."""
        # (file, path) of a profile value already reported as shared by several users.
        shared_reported: set[_Place] = set()
        for claim, prev in held_twice(self.claims):
            what = f"{claim.kind} {claim.value}"
            if prev.where == claim.where:
                # The same place in YAML: a profile hands the value to all its users.
                if claim.where not in shared_reported:
                    shared_reported.add(claim.where)
                    file, path = claim.where
                    self.out.add(
                        file,
                        path,
                        f"{what} is set in profile {path[1]!r}, so every user of the profile "
                        f"gets it ({prev.holder}, {claim.holder}): it belongs to one user, so "
                        "set it on each user instead",
                    )
                continue
            at = self.out.locator.issue(*prev.where, "")
            self.out.add(
                *claim.where,
                f"{what} is already given to {prev.holder} (at {at.file}:{at.line}:{at.col}); "
                "it belongs to one user",
            )


def _check_against_account(
    account: AccountPolicy, source: _UserSource, user: UserSpec, out: Collector
) -> None:
    """The account's rules for one user: look-alike e-mails, scope, protected users."""
    email_at: JsonPath = (*source.base, "email")
    if not account.allow_mixed_script_emails:
        look_alike = mixed_script_problem(user.email)
        if look_alike is not None:
            out.add(source.file, email_at, look_alike)
    if not account.in_scope(user.key):
        out.add(
            source.file,
            email_at,
            f"{user.email} is outside account.domains ({', '.join(account.domains)}): "
            "zoomstate would never touch this user",
        )
    for name, message in leaver_problems(account, user):
        # remove and transfer_to are never in a profile: always the entry's own fields.
        out.add(source.file, (*source.base, name), message)
    if not (account.is_protected(user.key) and user.status == "inactive"):
        return
    status_file, status_path = source.place(("status",))
    if status_path[:1] == ("profiles",):
        # The fix is on the user (another profile, or status: active), so point there and
        # say where the inactive status comes from.
        at = out.locator.issue(status_file, status_path, "")
        out.add(
            source.file,
            (*source.base, "profile"),
            f"{user.email} is protected (account.protected) but its profile "
            f"{source.profile!r} deactivates it (status: inactive at {at.file}:"
            f"{at.line}:{at.col}): protected users are never changed",
        )
    else:
        out.add(
            status_file,
            status_path,
            f"{user.email} is protected (account.protected) but the state "
            "deactivates it: protected users are never changed",
        )


def _check_account_groups(blocks: _Blocks, users: _Users) -> None:
    """`account.groups.managed` holds each group once; a profile's groups are managed
    ones (its primary group is checked on each user, who may bring the list)."""
    account = blocks.account
    if account is None or blocks.account_at is None:
        return
    for loc, message in managed_problems(account.groups.managed):
        users.group_issue(blocks.account_at.file, ("account", "groups", *loc), message)
    for name, profile in blocks.profiles.items():
        file = blocks.profiles_raw[name][0]
        problems = membership_problems(
            profile.groups, profile.primary_group, account.groups.managed, check_primary=False
        )
        for loc, message in problems:
            users.group_issue(file, ("profiles", name, *loc), message)


def _check_protected_scope(blocks: _Blocks, out: Collector) -> None:
    account = blocks.account
    if account is None or blocks.account_at is None:
        return
    for p_index, email in enumerate(account.protected):
        if not account.in_scope(email):
            out.add(
                blocks.account_at.file,
                ("account", "protected", p_index),
                f"{email} is outside account.domains, so it is never touched anyway",
            )


def iter_state_files(root: Path | str) -> Iterator[str]:
    """The display names of the files a state directory would load (for messages)."""
    files, _ = discover(Path(root))
    for _, name in files:
        yield name


__all__ = ["discover", "iter_state_files", "load_state"]
