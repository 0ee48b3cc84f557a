"""The users family's behaviour: Zoom users and their lifecycle (create, invite, update,
status, e-mail, delete), their settings, and the licences their type takes.

`feature.zoom_phone` on a user takes or gives back a Zoom Phone licence, so this family
builds on the phone family's `PhoneCore`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from zoomstate.sandbox.clock import iso
from zoomstate.sandbox.errors import FieldError, ZoomError, not_found_user, validation_failed
from zoomstate.sandbox.families.base import DAY
from zoomstate.sandbox.families.phone_core import PhoneCore
from zoomstate.sandbox.records import ADMIN_ROLE_ID, OWNER_ROLE_ID, User
from zoomstate.sandbox.validation import is_email

__all__ = ["UsersBehaviour"]

# The transfer_* query parameters of DELETE /users/{userId} (booleans) [U params].
TRANSFER_FLAGS = (
    "meeting",
    "webinar",
    "recording",
    "whiteboard",
    "clipfiles",
    "notes",
    "visitors",
    "docs",
)


def _transfer_items(query: dict[str, str]) -> list[str]:
    """What the transfer_* flags of a DELETE ask for (`meeting`, `recording`...)."""
    items: list[str] = []
    for item in TRANSFER_FLAGS:
        raw = query.get(f"transfer_{item}")
        if raw is None:
            continue
        if raw.lower() not in ("true", "false"):
            raise validation_failed([FieldError(f"transfer_{item}")])
        if raw.lower() == "true":
            items.append(item)
    return items


class UsersBehaviour(PhoneCore):
    def _role_name(self, role_id: str) -> str:
        role = self.account.roles.get(role_id)
        return role.name if role is not None else ""

    def _is_admin(self, user: User) -> bool:
        return user.role_id in (OWNER_ROLE_ID, ADMIN_ROLE_ID)

    def _domain(self, email: str) -> str:
        return email.rsplit("@", 1)[-1].lower()

    def _check_seat(self, type_: int, converting: bool) -> None:
        seats, acc = self.account.seats, self.account
        if type_ == 2 and seats.licensed is not None and acc.licensed_used >= seats.licensed:
            verb = "convert this user's plan type to" if converting else "add a new"
            raise ZoomError(
                400,
                2034,
                f'Your request to {verb} "Licensed" user could not be approved at this time '
                f"because your account has reached the permitted maximum number of "
                f'"{seats.licensed}" users.',
            )
        if type_ == 1 and seats.basic is not None and acc.basic_used >= seats.basic:
            raise ZoomError(
                400,
                2033,
                "Your request to add a basic user wasn't approved because you've already "
                "reached the maximum basic user limit allowed in your account.",
            )

    def user_list_item(self, user: User) -> dict[str, Any]:
        item: dict[str, Any] = {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "display_name": user.full_name(),
            "type": user.type,
            "status": user.status,
            "role_id": user.role_id,
            "pmi": user.pmi,
            "timezone": user.timezone,
            "verified": 0 if user.status == "pending" else 1,
            "dept": user.dept,
            "created_at": iso(user.created_at),
            "user_created_at": iso(user.created_at),
            "language": user.language,
            "group_ids": list(user.group_ids),
        }
        # "not returned for users with the pending status" [U GET /users resp200.users[].id]
        if user.status != "pending":
            item = {"id": user.id, **item}
        return item

    def users_filter(self, status: str, role_id: str | None) -> Callable[[User], bool]:
        now = self.clock.now()

        def keep(user: User) -> bool:
            if user.status != status or (role_id is not None and user.role_id != role_id):
                return False
            return not self._expired(user, now)

        return keep

    def get_user(self, user_id: str) -> dict[str, Any]:
        with self.account.lock:
            user = self._user(user_id)
            now = self.clock.now()
            out: dict[str, Any] = {
                "id": user.id,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "display_name": user.full_name(),
                "email": user.email,
                "type": user.type,
                "role_name": self._role_name(user.role_id),
                "role_id": user.role_id,
                "pmi": user.pmi,
                "use_pmi": False,
                "personal_meeting_url": f"https://zoom.us/j/{user.pmi}",
                "timezone": user.timezone,
                "verified": 0 if user.status == "pending" else 1,
                "dept": user.dept,
                # For pending users Zoom reports the time of the call [U GET desc].
                "created_at": iso(now if user.status == "pending" else user.created_at),
                "user_created_at": iso(user.created_at),
                "language": user.language,
                "status": user.status,
                "job_title": user.job_title,
                "cost_center": user.cost_center,
                "location": user.location,
                "company": user.company,
                "account_id": self.account.info.account_id,
                "account_number": self.account.info.account_number,
                "cluster": "us01",
                "group_ids": list(user.group_ids),
                "im_group_ids": [],
                "phone_numbers": [],
            }
            if user.manager and is_email(user.manager):
                out["manager"] = user.manager
            return out

    def create_user(self, body: dict[str, Any]) -> dict[str, Any]:
        action: str = body["action"]
        info: dict[str, Any] = body["user_info"]
        email: str = info["email"].strip()
        type_: int = info["type"]
        if type_ == 99:
            raise validation_failed([FieldError("user_info.type")])
        with self.account.lock:
            now = self.clock.now()
            existing = self.account.user_by_email(email)
            if existing is not None:
                if self._expired(existing, now):
                    # An expired invitation no longer holds the address.
                    self.account.remove_user(existing)
                else:
                    raise ZoomError(409, 1005, f'Email "{email}" has already been used.')
            self._check_seat(type_, converting=False)
            pending = action == "create" or (
                action == "ssoCreate"
                and email.lower() in {e.lower() for e in self.account.info.personal_account_emails}
            )
            want_phone = bool((info.get("feature") or {}).get("zoom_phone"))
            if want_phone and not pending:
                seats = self.account.seats
                if seats.zoom_phone is not None and self.account.phone_used >= seats.zoom_phone:
                    raise ZoomError(
                        404,
                        1102,
                        "You cannot enable the Zoom Phone feature because you do not have "
                        "any available licenses.",
                    )
            user = User(
                id=self.account.ids.zoom_id(),
                email=email,
                first_name=info.get("first_name", ""),
                last_name=info.get("last_name", ""),
                display_name=info.get("display_name", ""),
                type=type_,
                status="pending" if pending else "active",
                created_at=now,
                seq=self.account.new_seq(),
                pmi=self.account.ids.digits(10),
                create_action=action,
                invited_at=now if pending else None,
                phone_on_activation=want_phone and pending,
            )
            self.account.add_user(user)
            if want_phone and not pending:
                self._enable_phone(user, now)
            return {
                "id": user.id,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "type": user.type,
            }

    def update_user(self, user_id: str, body: dict[str, Any]) -> None:
        retype = [k for k in ("type", "plan_united_type", "zoom_one_type") if k in body]
        if len(retype) > 1:
            raise ZoomError(
                400,
                300,
                'You can\'t change the "type" or "plan_united_type" or "zoom_one_type" at '
                "the same time.",
            )
        with self.account.lock:
            user = self._user(user_id)
            if user.status == "pending":
                # Zoom accepts updates to pending users but does not apply them (SailPoint's
                # connector notes, REFERENCE §7.1), except `group_id`, "the group that you
                # would like to add a pending user to" [U PATCH /users/{userId}].
                if body.get("group_id") is not None:
                    self._invitee_group(user, str(body["group_id"]))
                return
            now = self.clock.now()
            new_type = body.get("type")
            if new_type == 99:
                raise validation_failed([FieldError("type")])
            if new_type is not None and new_type != user.type:
                if user.status == "active":
                    self._check_seat(new_type, converting=True)
                self.account.set_type_status(user, type_=new_type)
            for key, attr in (
                ("first_name", "first_name"),
                ("last_name", "last_name"),
                ("display_name", "display_name"),
                ("dept", "dept"),
                ("job_title", "job_title"),
                ("cost_center", "cost_center"),
                ("location", "location"),
                ("manager", "manager"),
                ("company", "company"),
                ("timezone", "timezone"),
                ("language", "language"),
            ):
                if key in body and body[key] is not None:
                    setattr(user, attr, body[key])
            self.account.version += 1
            if "feature" in body:
                self._apply_feature(user, body["feature"], now)

    def _invitee_group(self, user: User, group_id: str) -> None:
        """An invitee's group: the one group it is in (`group_id` names one)."""
        if group_id not in self.account.groups:
            raise ZoomError(404, 4130, f"Group does not exist: {group_id}.")
        for old in list(user.group_ids):
            self.account.leave_group(user, old)
        self.account.join_group(user, group_id)

    def delete_user(self, user_id: str, query: dict[str, str]) -> None:
        with self.account.lock:
            user = self.account.find_user(user_id)
            if user is None:
                raise not_found_user(user_id)
            if user.status == "pending":
                # PSZoom #109: with any action/transfer query Zoom answers 404 for pending
                # users; a bare DELETE removes them (REFERENCE §7.2).
                if any(k == "action" or k.startswith("transfer_") for k in query):
                    raise not_found_user(user_id)
                self._user(user_id)  # 1120 once the invitation has expired
                self.account.remove_user(user)
                return
            action = query.get("action", "disassociate")
            if action not in ("disassociate", "delete"):
                raise validation_failed([FieldError("action")])
            transfer = query.get("transfer_email")
            if transfer and transfer.lower() == user.email.lower():
                raise ZoomError(
                    400,
                    300,
                    "The transfer-to email address cannot be the same as the unlinked or "
                    "deleted user's email address.",
                )
            if user.role_id == OWNER_ROLE_ID:
                raise ZoomError(400, 200, "Cannot delete the account owner.")
            if action == "disassociate":
                if user.role_id == ADMIN_ROLE_ID:
                    raise ZoomError(400, 1117, "You can not disassociate an Admin user.")
                if self._domain(user.email) in self._managed_domains():
                    raise ZoomError(
                        400, 1107, "You can not disassociate a user with managed domain."
                    )
            self._check_no_line_role(user)
            items = _transfer_items(query)
            receiver = self._receiver(transfer, items) if transfer else None
            if receiver is not None:
                receiver.received.append(
                    {
                        "from": user.email,
                        "from_id": user.id,
                        "action": action,
                        "items": items,
                        "at": iso(self.clock.now()),
                    }
                )
            self.account.leave_lines(user)
            self.account.remove_user(user)

    def _receiver(self, email: str, items: list[str]) -> User:
        """The user a deletion hands its data to. Zoom documents no code for a target that
        does not exist; its other transfer refusals are 400/300 (users.json DELETE
        /users/{userId}), and a 404/1001 would read as "the deleted user is gone"."""
        receiver = self.account.find_user(email)
        if receiver is None or receiver.status == "pending":
            raise ZoomError(400, 300, f"The destination user does not exist: {email}.")
        # "Deactivating a user removes all licenses": an inactive user holds none.
        if items and (receiver.type != 2 or receiver.status != "active"):
            raise ZoomError(
                400,
                300,
                'The destination user does not have a "Licensed" or higher license and '
                "cannot receive this data.",
            )
        return receiver

    def _managed_domains(self) -> set[str]:
        return {d.lower() for d in self.account.info.managed_domains}

    def set_status(self, user_id: str, action: str) -> None:
        with self.account.lock:
            user = self._user(user_id)
            if action in ("activate", "deactivate") and self._is_admin(user):
                raise ZoomError(
                    400,
                    200,
                    "Zoom Room and Admin users' status cannot be activated or deactivated.",
                )
            if user.status == "pending":
                raise ZoomError(
                    400, 300, "The user has not accepted the invitation to the account yet."
                )
            if action == "deactivate" and user.status == "active":
                # "Deactivating a user removes all licenses associated with a user" [U desc].
                self._disable_phone(user)
                self.account.set_cc(user, None)
                self.account.set_type_status(user, type_=1 if user.type == 2 else user.type)
                self.account.set_type_status(user, status="inactive")
            elif action == "activate" and user.status == "inactive":
                self._check_seat(user.type, converting=False)
                self.account.set_type_status(user, status="active")

    def activate_pending(self, user_id: str) -> dict[str, Any]:
        """Admin API: the invitee clicked the link. Not part of Zoom's API."""
        with self.account.lock:
            user = self._user(user_id)
            if user.status != "pending":
                raise ZoomError(400, 300, f"User {user.email} is not pending.")
            self.account.set_type_status(user, status="active")
            user.invited_at = None
            if user.phone_on_activation:
                user.phone_on_activation = False
                # No licence left: the user ends up active without phone.
                with contextlib.suppress(ZoomError):
                    self._enable_phone(user, self.clock.now())
            return {"id": user.id, "email": user.email, "status": user.status}

    def get_settings(self, user_id: str) -> dict[str, Any]:
        with self.account.lock:
            user = self._settings_user(user_id)
            return {
                "feature": {
                    "meeting_capacity": 300 if user.type == 2 else 100,
                    "large_meeting": False,
                    "webinar": False,
                    "zoom_events": False,
                    "zoom_phone": user.zoom_phone,
                    "concurrent_meeting": "None",
                    "zoom_whiteboard": user.type == 2,
                    "zoom_docs": user.type == 2,
                },
            }

    def _settings_user(self, user_id: str) -> User:
        user = self._user(user_id)
        if user.status == "pending":
            # moodle-mod_zoom #131 (REFERENCE §6 table).
            raise ZoomError(
                400, 1000, "You can not access settings of users that are still in pending state."
            )
        return user

    def update_settings(self, user_id: str, body: dict[str, Any]) -> None:
        with self.account.lock:
            user = self._settings_user(user_id)
            self._apply_feature(user, body.get("feature"), self.clock.now())

    def change_email(self, user_id: str, new_email: str) -> None:
        with self.account.lock:
            user = self._user(user_id, allow_pending=False)
            if self._is_admin(user):
                raise ZoomError(400, 1000, "Admin can not change other admins email.")
            other = self.account.user_by_email(new_email)
            if other is not None and other is not user:
                raise ZoomError(409, 1005, f'Email "{new_email}" has already been used.')
            now = self.clock.now()
            recent = [t for t in user.email_changes if now - t < DAY]
            if len(recent) >= self.config.email_changes_per_day:
                raise ZoomError(
                    429,
                    429,
                    "You can only change a user's email 3 times in 24 hours.",
                )
            user.email_changes = [*recent, now]
            self.account.change_email(user, new_email)
