"""A user's lifecycle: create, update names and licence type, change e-mail, activate,
deactivate, delete (account.on_missing_user, or a leaver's own `remove:`); then each
resource of the user."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zoomstate.core.aspect import JsonValue, ScalarFields
from zoomstate.errors import Issue
from zoomstate.live import LiveUser
from zoomstate.model import USER_TYPE_CODES, UserSpec
from zoomstate.resources.leaver_spec import RemoveAction
from zoomstate.resources.leavers import transfer_params
from zoomstate.resources.planners import USER_PART_PLANNERS
from zoomstate.resources.role import plan_role
from zoomstate.resources.steps import UserSteps

# What each of Zoom's create actions does, in the admin's words (users.json, POST /users).
CREATE_NOTES: dict[str, str] = {
    "create": "invited by e-mail; pending until accepted",
    "autoCreate": "created active on the managed domain; no invitation",
    "custCreate": "created without a password or portal login",
    "ssoCreate": "pre-provisioned for single sign-on",
}

ADMIN_ROLES = frozenset({"owner", "admin"})
ADMIN_ROLE_IDS = frozenset({"0", "1"})


def _is_admin(user: LiveUser) -> bool:
    role = (user.spec.role or "").lower()
    return role in ADMIN_ROLES or (user.role_id or "") in ADMIN_ROLE_IDS


def _user_fields(spec: UserSpec, original: UserSpec | None) -> dict[str, JsonValue]:
    fields: dict[str, JsonValue] = {}
    for name in ("first_name", "last_name", "department"):
        value = getattr(spec, name)
        if value is not None:
            fields[name] = value
    if original is not None and original.job_title is not None:
        fields["job_title"] = original.job_title
    return fields


class UserPlanner(UserSteps):
    """The steps of one user; cross-user links are added afterwards."""

    # -- the three kinds of difference

    def plan(self) -> None:
        if self.diff.kind == "missing":
            self.plan_missing()
        elif self.diff.kind == "remove":
            leaver = self.diff.desired
            assert leaver is not None and leaver.remove is not None
            self.plan_leaving(leaver.remove, leaver)
        elif self.diff.kind == "create":
            self.plan_create()
        else:
            self.plan_update()

    def plan_missing(self) -> None:
        policy = self.b.desired.account.on_missing_user
        if "users" not in self.manage or policy == "ignore":
            return
        if policy == "report":
            self.b.unlisted.append(self.key)
            return
        self.plan_leaving(policy, None)

    def plan_leaving(self, how: RemoveAction, leaver: UserSpec | None) -> None:
        """A live user leaves, as `account.on_missing_user` says (`leaver` None) or as
        its own entry's `remove:` says."""
        b, live = self.b, self.diff.live
        assert live is not None
        if live.status == "pending":
            # A pending invitation holds no licence and no data: revoking it is safe. Zoom
            # wants a bare DELETE here; an `action` query gets a 404 for pending users.
            self.step(
                "delete_user",
                {"action": None},
                before=live.status,
                after=None,
                removal=True,
                note="revoke the pending invitation",
            )
            return
        if live.status == "inactive" and how == "deactivate":
            return
        if how in ("deactivate", "disassociate") and _is_admin(live):
            self.refuse_admin(how, leaver)
            return
        if how == "deactivate":
            self.step(
                "deactivate_user",
                {},
                before="active",
                after="inactive",
                destroys_data=True,
                removal=True,
                note="drops every licence: Zoom Phone, calling plans, numbers",
            )
            return
        params: dict[str, JsonValue] = {"action": how}
        if how == "delete":
            params.update(transfer_params(b, self.key, leaver))
        self.step(
            "delete_user", params, before=live.status, after=None, destroys_data=True, removal=True
        )

    def refuse_admin(self, how: RemoveAction, leaver: UserSpec | None) -> None:
        b, live = self.b, self.diff.live
        assert live is not None
        if leaver is None:
            b.issues.append(
                Issue(
                    "(live account)",
                    0,
                    0,
                    self.key,
                    f"{self.key} is an admin ({live.spec.role}) and Zoom refuses to "
                    f"{how} admins (codes 200/1117): demote them in Zoom first, list them "
                    "in the state, or add them to account.protected",
                )
            )
            return
        code = 200 if how == "deactivate" else 1117
        b.problem(
            self.key,
            "remove",
            f"{self.key} is an admin ({live.spec.role}) and Zoom refuses to {how} admins "
            f"(code {code}): demote them in Zoom first, or use remove: delete",
        )

    def plan_create(self) -> None:
        b, target = self.b, self.diff.desired
        assert target is not None
        original = b.wanted.get(self.key)
        account = b.desired.account
        if "users" not in self.manage:
            self.pending_reason = "not in Zoom yet (users are created outside zoomstate)"
            b.warnings.append(
                f"{self.key} is in the state but not in Zoom, and users are "
                "not managed here: its steps wait until it appears"
            )
            self.plan_aspects(None, target, original)
            return
        if target.status == "inactive":
            b.warnings.append(
                f"{self.key} is inactive in the state and absent from Zoom: not created"
            )
            return
        fields = _user_fields(target, original)
        invited = account.create_action == "create"
        # Zoom's POST /users takes names and type only; for the other actions the handler
        # sends department and job title in a PATCH at once. An invited user is pending
        # and Zoom ignores updates to it: the plan shows what is sent, and the department
        # as a step that waits (the job title is not read back from Zoom's user list, so
        # no later plan would set it: say so instead).
        later = {k: fields.pop(k) for k in ("department",) if invited and k in fields}
        if invited and fields.pop("job_title", None) is not None:
            b.warnings.append(
                f"{self.key}: job_title is not sent with an invitation and zoomstate does not "
                "set it later: set it in Zoom once the user has accepted"
            )
        params: dict[str, JsonValue] = {
            "action": account.create_action,
            "email": self.key,
            "type": USER_TYPE_CODES[target.type or "basic"],
            **fields,
        }
        self.first = self.step(
            "create_user", params, after=target.type, note=CREATE_NOTES[account.create_action]
        )
        if invited:
            self.pending_reason = (
                "invited: the user is pending until they accept Zoom's "
                "e-mail; run apply again after that"
            )
            if later:
                self.step(
                    "update_user",
                    {"fields": later},
                    before=dict.fromkeys(later),
                    after=later,
                )
        self.plan_aspects(None, target, original)

    def plan_update(self) -> None:
        b, target, live = self.b, self.diff.desired, self.diff.live
        assert target is not None and live is not None
        original = b.wanted.get(self.key)
        if live.status == "pending":
            self.pending_reason = "pending: the user has not accepted Zoom's invitation yet"
            if "users" in self.manage and target.status == "inactive":
                # Zoom cannot deactivate an invitation (400/300): the step waits, and the
                # rest of the state (licences) does not apply to an inactive user.
                self.step("deactivate_user", {}, before="pending", after="inactive")
                return
        if live.key != self.key:
            self.first = self.step(
                "change_email", {"email": self.key}, before=live.key, after=self.key
            )
        if (
            "users" in self.manage
            and target.status != live.spec.status
            and live.status != "pending"
        ):
            if target.status == "inactive":
                demoted = None
                if _is_admin(live):
                    # Zoom refuses to deactivate an admin (400/200): the state must demote
                    # them too, and the demotion runs first.
                    wanted = (target.role or "").lower() if "role" in self.manage else ""
                    if not wanted or wanted in ADMIN_ROLES:
                        b.problem(
                            self.key,
                            "status",
                            f"{self.key} is an admin ({live.spec.role}) and Zoom refuses to "
                            "deactivate admins (code 200): give them a non-admin role in the "
                            "state too, or demote them in Zoom first",
                        )
                        return
                    plan_role(self, live.spec, target)
                    demoted = f"{self.key}/assign_role"
                deactivate = self.step(
                    "deactivate_user",
                    {},
                    before="active",
                    after="inactive",
                    destroys_data=True,
                    removal=True,
                    note="drops every licence: Zoom Phone, calling plans, numbers",
                )
                b.depend(deactivate or "", demoted if demoted in b.ops else None)
                return
            self.first = (
                self.step("activate_user", {}, before="inactive", after="active") or self.first
            )
        elif live.spec.status == "inactive" and target.status == "inactive":
            # An inactive user holds no licence and Zoom refuses them new ones: nothing
            # to do. Say so when the state asks for more, rather than stay silent.
            rest = [c.path for c in self.diff.changes if c.path not in ("status", "email")]
            if rest:
                b.warnings.append(
                    f"{self.key} is inactive in Zoom, so {', '.join(rest)} "
                    "cannot change (set status: active in the state to reactivate them)"
                )
            return
        self.plan_aspects(live.spec, target, original)

    # -- aspects

    def plan_aspects(
        self, live: UserSpec | None, target: UserSpec, original: UserSpec | None
    ) -> None:
        self.plan_user_fields(live, target, original)
        for plan_part in USER_PART_PLANNERS:
            plan_part(self, live, target)

    def plan_user_fields(
        self, live: UserSpec | None, target: UserSpec, original: UserSpec | None
    ) -> None:
        if live is None:
            return
        changes: dict[str, JsonValue] = {}
        before: dict[str, JsonValue] = {}
        if "profile" in self.manage:
            for name in ("first_name", "last_name", "department"):
                if getattr(target, name) != getattr(live, name):
                    changes[name] = getattr(target, name)
                    before[name] = getattr(live, name)
        removal = False
        if "users" in self.manage and target.type != live.type and target.type is not None:
            changes["type"] = USER_TYPE_CODES[target.type]
            before["type"] = live.type
            ranks = {"licensed": 2, "basic": 1, "none": 0}
            removal = ranks[target.type] < ranks.get(live.type or "basic", 1)
        if changes:
            after = {k: (target.type if k == "type" else v) for k, v in changes.items()}
            self.step(
                "update_user", {"fields": changes}, before=before, after=after, removal=removal
            )


@dataclass(frozen=True, slots=True)
class _Lifecycle(ScalarFields):
    """Licence type and status: a pending user is exported as the active user the
    invitation will make."""

    def export(self, user: LiveUser, plan_names: Mapping[int, str]) -> dict[str, Any]:
        out: dict[str, Any] = {} if user.spec.type is None else {"type": user.spec.type}
        out["status"] = "inactive" if user.status == "inactive" else "active"
        return out


# What Zoom gives a new user for a field the state leaves out.
USERS = _Lifecycle("users", ("type", "status"), {"type": "basic", "status": "active"})
PROFILE = ScalarFields("profile", ("first_name", "last_name", "department"))
