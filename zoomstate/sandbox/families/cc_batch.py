"""The Contact Center batch routes: `POST /contact_center/users/batch`, `PATCH
/contact_center/users` and `DELETE /contact_center/users`, at most 20 users a call [C
`users` maxItems 20; `user_ids`/`user_emails` maxItems 20]. Each item gets the checks of
the single route (`cc_users.py`), against the account and the items before it; one bad
item refuses the whole call and nothing changes (`base.every_item`)."""

from __future__ import annotations

from typing import Any

from zoomstate.sandbox.errors import FieldError, ZoomError, validation_failed
from zoomstate.sandbox.families.base import every_item
from zoomstate.sandbox.families.cc_users import CCClaims, ContactCenterBehaviour
from zoomstate.sandbox.records import User

__all__ = ["CC_BATCH_LIMIT", "ContactCenterBatchBehaviour"]

CC_BATCH_LIMIT = 20


def _package_lowered(item: dict[str, Any]) -> dict[str, Any]:
    # The batch update's enum is capitalised (`Essentials`), its description, the batch
    # create and every single-user operation are not (`essentials`) [C PATCH
    # /contact_center/users body.users.package_name]: both are taken, stored lower-case.
    body = dict(item)
    if body.get("package_name"):
        body["package_name"] = body["package_name"].lower()
    return body


class ContactCenterBatchBehaviour(ContactCenterBehaviour):
    def batch_create_cc_users(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        with self.account.lock:
            claims = CCClaims()
            made = every_item(
                items, "users", lambda item: self._cc_new(_package_lowered(item), claims)
            )
            for user, profile in made:
                self.account.set_cc(user, profile)
            return [self.cc_item(user) for user, _ in made]

    def _batch_update_item(
        self, item: dict[str, Any], claims: CCClaims
    ) -> tuple[User, dict[str, Any]]:
        # On batch update `user_id` wins over `user_email`, the other way round from create
        # [C PATCH /contact_center/users body.users.user_email].
        key = item.get("user_id") or item.get("user_email")
        if not key:
            raise ZoomError(400, 1009, "User ID or user email cannot be empty at the same time.")
        user = self._cc_user(key)
        if user.id in claims.users:
            raise ZoomError(400, 300, f"User is in this call more than once: {key}.")
        body = _package_lowered(item)
        self._cc_update_check(user, body, claims)
        return user, body

    def batch_update_cc_users(self, items: list[dict[str, Any]]) -> None:
        with self.account.lock:
            claims = CCClaims()
            checked = every_item(items, "users", lambda i: self._batch_update_item(i, claims))
            for user, body in checked:
                self._cc_update_apply(user, body)

    def batch_delete_cc_users(self, ids: list[str], emails: list[str]) -> None:
        """Either list names the users; "If both ... are provided, only `user_ids` will be
        used" [C DELETE /contact_center/users desc]. An unknown user is the operation's
        documented 404 / 1012 [C r404], and nothing is deleted."""
        keys, at = (ids, "user_ids") if ids else (emails, "user_emails")
        if not keys:
            raise validation_failed(
                [FieldError("user_ids", "user_ids or user_emails is required.")]
            )
        if len(keys) > CC_BATCH_LIMIT:
            raise validation_failed([FieldError(at, f"At most {CC_BATCH_LIMIT} users.")])
        with self.account.lock:
            users: dict[str, User] = {}
            for i, key in enumerate(keys):
                user = self.account.find_user(key)
                if user is None or user.cc is None:
                    raise ZoomError(404, 1012, f"User does not exist: {key}.")
                if user.id in users:
                    raise validation_failed(
                        [FieldError(f"{at}[{i}]", f"User is in this call more than once: {key}.")]
                    )
                users[user.id] = user
            for user in users.values():
                self.account.set_cc(user, None)
