"""The Contact Center family's agents (`/contact_center/users`): how Zoom shows them, and
the checks of a create or an update, written once so that a batch route can run them per
item. A check looks at the account and at what the call's earlier items claimed
(`CCClaims`; empty for a single route): one call is one answer, so a batch's third item
could not take the seat its first item took."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from zoomstate.sandbox.clock import iso
from zoomstate.sandbox.errors import FieldError, ZoomError, validation_failed
from zoomstate.sandbox.families.base import ServiceBase
from zoomstate.sandbox.records import CCProfile, User

__all__ = ["CC_STATUS_NAMES", "CCClaims", "ContactCenterBehaviour"]

CC_STATUS_NAMES = {"0": "Offline", "1": "Ready", "2": "Not Ready", "3": "Occupied"}


@dataclass(slots=True)
class CCClaims:
    """What the items of one call checked so far take: the users, and the package seats."""

    users: set[str] = field(default_factory=set)
    seats: dict[str, int] = field(default_factory=dict)

    def take(self, user: User, package: str | None) -> None:
        self.users.add(user.id)
        if package:
            self.seats[package] = self.seats.get(package, 0) + 1


class ContactCenterBehaviour(ServiceBase):
    def cc_item(self, user: User) -> dict[str, Any]:
        cc = user.cc
        assert cc is not None
        role = self.account.cc_roles.get(cc.role_id)
        item: dict[str, Any] = {
            "user_id": user.id,
            "display_name": user.full_name(),
            "user_email": user.email,
            "role_id": cc.role_id,
            "role_name": role.name if role else "",
            "status_id": cc.status_id,
            "status_name": CC_STATUS_NAMES.get(cc.status_id, "Offline"),
            "user_access": cc.user_access,
            "region_id": cc.region_id,
            "region_name": self.account.info.cc_region_name,
            "country_iso_code": cc.country_iso_code,
            "client_integration": cc.client_integration,
            "channel_settings": {
                "multi_channel_engagements": {"enable": False, "max_agent_load": 100},
                "concurrent_message_capacity": 4,
                "concurrent_email_capacity": 1,
            },
            "add_ons_plan": list(cc.add_ons_plan),
            "modified_by": "",
            "last_modified_time": iso(cc.modified_at),
        }
        if cc.package_name:
            item["package_name"] = cc.package_name
        return item

    def cc_filter(
        self, search_key: str | None, user_access: str | None, region_id: str | None
    ) -> Callable[[User], bool]:
        key = search_key.lower() if search_key else None

        def keep(user: User) -> bool:
            cc = user.cc
            if cc is None:
                return False
            if user_access is not None and cc.user_access != user_access:
                return False
            if region_id is not None and cc.region_id != region_id:
                return False
            return key is None or key in user.email.lower() or key in user.full_name().lower()

        return keep

    def _cc_user(self, user_id: str) -> User:
        user = self.account.find_user(user_id)
        if user is None or user.cc is None:
            raise ZoomError(404, 1001, f"User does not exist: {user_id}.")
        return user

    def get_cc_user(self, user_id: str) -> dict[str, Any]:
        with self.account.lock:
            return self.cc_item(self._cc_user(user_id))

    def _check_cc_role(self, role_id: str) -> None:
        if role_id not in self.account.cc_roles:
            raise ZoomError(404, 2201, f"Role does not exist: {role_id}.")

    def _check_package(self, name: str, claims: CCClaims) -> None:
        pkg = self.account.cc_packages.get(name)
        if pkg is None:
            raise ZoomError(400, 1701, f"The account package does not exist:{name}.")
        if pkg.assigned + claims.seats.get(name, 0) >= pkg.seats:
            raise ZoomError(400, 290010, "The selected package or add-ons is not enough.")

    def _check_region(self, body: dict[str, Any]) -> None:
        if body.get("region_id") and body["region_id"] != self.account.info.cc_region_id:
            raise ZoomError(404, 1017, "Region does not exist.")

    def _cc_new(self, body: dict[str, Any], claims: CCClaims) -> tuple[User, CCProfile]:
        """The user a create names and the profile it would get, or the ZoomError of the
        single `POST /contact_center/users` [C POST r400/r404]."""
        # On create `user_email` wins over `user_id` [C POST body].
        key = body.get("user_email") or body.get("user_id")
        if not key:
            raise ZoomError(400, 1009, "User ID or user email cannot be empty at the same time.")
        user = self.account.find_user(key)
        if user is None or user.status != "active":
            raise ZoomError(400, 1004, f"Invalid user ID or user email: {key}.")
        if user.cc is not None or user.id in claims.users:
            raise ZoomError(400, 1007, f"User already exists: {user.email}.")
        role_id = body.get("role_id")
        if not role_id and not body.get("template_id"):
            raise validation_failed(
                [FieldError("role_id", "role_id and template_id cannot both be empty.")]
            )
        if body.get("template_id") and not role_id:
            raise ZoomError(400, 8003, f"User template not found: {body['template_id']}")
        assert role_id is not None
        self._check_cc_role(role_id)
        package = body.get("package_name") or None
        if package:
            self._check_package(package, claims)
        self._check_region(body)
        claims.take(user, package)
        profile = CCProfile(
            role_id=role_id,
            package_name=package,
            user_access=body.get("user_access", "active"),
            add_ons_plan=list(body.get("add_ons_plan") or []),
            region_id=self.account.info.cc_region_id,
            country_iso_code=body.get("country_iso_code", ""),
            client_integration=body.get("client_integration", "Default"),
            modified_at=self.clock.now(),
        )
        return user, profile

    def create_cc_user(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.account.lock:
            user, profile = self._cc_new(body, CCClaims())
            self.account.set_cc(user, profile)
            return self.cc_item(user)

    def _cc_update_check(self, user: User, body: dict[str, Any], claims: CCClaims) -> None:
        """Refuses what `PATCH /contact_center/users/{userId}` refuses [C PATCH r400/r404]."""
        cc = user.cc
        assert cc is not None
        if body.get("role_id"):
            self._check_cc_role(body["role_id"])
        if body.get("status_id") is not None and body["status_id"] not in CC_STATUS_NAMES:
            raise ZoomError(404, 1101, f"Status does not exist: {body['status_id']}.")
        self._check_region(body)
        package: str | None = body.get("package_name") or None
        if package == cc.package_name:
            package = None
        if package:
            self._check_package(package, claims)
        claims.take(user, package)

    def _cc_update_apply(self, user: User, body: dict[str, Any]) -> None:
        cc = user.cc
        assert cc is not None
        if body.get("role_id"):
            cc.role_id = body["role_id"]
        if body.get("status_id") is not None:
            cc.status_id = body["status_id"]
        for key in ("user_access", "country_iso_code", "client_integration"):
            if body.get(key):
                setattr(cc, key, body[key])
        if body.get("add_ons_plan"):
            cc.add_ons_plan = list(body["add_ons_plan"])
        package = body.get("package_name")
        if package is not None and package != cc.package_name:
            self.account.set_cc_package(user, package or None)
        cc.modified_at = self.clock.now()
        self.account.version += 1

    def update_cc_user(self, user_id: str, body: dict[str, Any]) -> None:
        with self.account.lock:
            user = self._cc_user(user_id)
            self._cc_update_check(user, body, CCClaims())
            self._cc_update_apply(user, body)

    def delete_cc_user(self, user_id: str) -> None:
        with self.account.lock:
            self.account.set_cc(self._cc_user(user_id), None)

    def cc_roles(self) -> list[dict[str, Any]]:
        with self.account.lock:
            counts: dict[str, int] = {}
            for user in self.account.users.values():
                if user.cc is not None:
                    counts[user.cc.role_id] = counts.get(user.cc.role_id, 0) + 1
            return [
                {
                    "role_id": r.id,
                    "role_name": r.name,
                    "role_description": r.description,
                    "total_users": counts.get(r.id, 0),
                }
                for r in self.account.cc_roles.values()
            ]
