"""The Contact Center family: agents (`/contact_center/users`), their roles
(`/contact_center/roles`) and the account's packages, whose seats the agents take."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from zoomstate.sandbox.clock import iso
from zoomstate.sandbox.errors import FieldError, ZoomError, validation_failed
from zoomstate.sandbox.families.base import Family, SeedContext, ServiceBase, user_seq
from zoomstate.sandbox.records import CCPackage, CCProfile, CCRole, User, build, plain
from zoomstate.sandbox.routing import Route, checked_body, empty, json_response, page, query
from zoomstate.sandbox.store import Account

if TYPE_CHECKING:
    from zoomstate.sandbox.runtime import SandboxRuntime

__all__ = ["CC_STATUS_NAMES", "FAMILY", "ContactCenterBehaviour"]

CC_STATUS_NAMES = {"0": "Offline", "1": "Ready", "2": "Not Ready", "3": "Occupied"}


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

    def _check_package(self, name: str) -> None:
        pkg = self.account.cc_packages.get(name)
        if pkg is None:
            raise ZoomError(400, 1701, f"The account package does not exist:{name}.")
        if pkg.assigned >= pkg.seats:
            raise ZoomError(400, 290010, "The selected package or add-ons is not enough.")

    def create_cc_user(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.account.lock:
            # On create `user_email` wins over `user_id` [C POST body].
            key = body.get("user_email") or body.get("user_id")
            if not key:
                raise ZoomError(
                    400, 1009, "User ID or user email cannot be empty at the same time."
                )
            user = self.account.find_user(key)
            if user is None or user.status != "active":
                raise ZoomError(400, 1004, f"Invalid user ID or user email: {key}.")
            if user.cc is not None:
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
            package = body.get("package_name")
            if package:
                self._check_package(package)
            if body.get("region_id") and body["region_id"] != self.account.info.cc_region_id:
                raise ZoomError(404, 1017, "Region does not exist.")
            self.account.set_cc(
                user,
                CCProfile(
                    role_id=role_id,
                    package_name=package or None,
                    user_access=body.get("user_access", "active"),
                    add_ons_plan=list(body.get("add_ons_plan") or []),
                    region_id=self.account.info.cc_region_id,
                    country_iso_code=body.get("country_iso_code", ""),
                    client_integration=body.get("client_integration", "Default"),
                    modified_at=self.clock.now(),
                ),
            )
            return self.cc_item(user)

    def update_cc_user(self, user_id: str, body: dict[str, Any]) -> None:
        with self.account.lock:
            user = self._cc_user(user_id)
            cc = user.cc
            assert cc is not None
            if body.get("role_id"):
                self._check_cc_role(body["role_id"])
            if body.get("status_id") is not None and body["status_id"] not in CC_STATUS_NAMES:
                raise ZoomError(404, 1101, f"Status does not exist: {body['status_id']}.")
            if body.get("region_id") and body["region_id"] != self.account.info.cc_region_id:
                raise ZoomError(404, 1017, "Region does not exist.")
            package = body.get("package_name")
            if package and package != cc.package_name:
                self._check_package(package)
            if body.get("role_id"):
                cc.role_id = body["role_id"]
            if body.get("status_id") is not None:
                cc.status_id = body["status_id"]
            for key in ("user_access", "country_iso_code", "client_integration"):
                if body.get(key):
                    setattr(cc, key, body[key])
            if body.get("add_ons_plan"):
                cc.add_ons_plan = list(body["add_ons_plan"])
            if package is not None and package != cc.package_name:
                self.account.set_cc_package(user, package or None)
            cc.modified_at = self.clock.now()
            self.account.version += 1

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


# ------------------------------------------------------------------------------ routes --


async def list_cc_users(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    access = query(request, "user_access")
    if access is not None and access not in ("active", "inactive"):
        raise validation_failed([FieldError("user_access")])
    key, region = query(request, "search_key"), query(request, "region_id")
    svc = rt.service
    rows, token, size, total = page(
        rt,
        request,
        "cc_users",
        rt.account.ordered_users(),
        key=user_seq,
        keep=svc.cc_filter(key, access, region),
        render=svc.cc_item,
        filters=f"{key}|{access}|{region}",
        bad_token_code=300,
    )
    return json_response(
        {"next_page_token": token, "page_size": size, "total_records": total, "users": rows}
    )


async def create_cc_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "cc_user_create")
    return json_response(rt.service.create_cc_user(body), 201)


async def get_cc_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    return json_response(rt.service.get_cc_user(p["userId"]))


async def update_cc_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "cc_user_update")
    rt.service.update_cc_user(p["userId"], body)
    return empty()


async def delete_cc_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    rt.service.delete_cc_user(p["userId"])
    return empty()


async def cc_roles(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    # Paginated like every other listing: a fixed first page with no token would hide
    # every role past page_size (30 by default).
    roles = rt.service.cc_roles()
    rows, token, size, total = page(
        rt,
        request,
        "cc_roles",
        list(range(len(roles))),
        key=lambda i: i,
        keep=lambda i: True,
        render=lambda i: roles[i],
        filters="",
        bad_token_code=300,
    )
    return json_response(
        {"next_page_token": token, "page_size": size, "total_records": total, "roles": rows}
    )


ROUTES: tuple[Route, ...] = (
    Route("GET", "/contact_center/users", list_cc_users),
    Route("POST", "/contact_center/users", create_cc_user),
    Route("GET", "/contact_center/users/{userId}", get_cc_user),
    Route("PATCH", "/contact_center/users/{userId}", update_cc_user),
    Route("DELETE", "/contact_center/users/{userId}", delete_cc_user),
    Route("GET", "/contact_center/roles", cc_roles),
)


# --------------------------------------------------------------------- seed and file --


def _seed(ctx: SeedContext) -> None:
    account = ctx.account
    for r in ctx.seed.get("cc_roles", []):
        cc_role = CCRole(
            id=str(r.get("id") or account.ids.zoom_id()),
            name=str(r["name"]),
            description=str(r.get("description", "")),
        )
        account.cc_roles[cc_role.id] = cc_role
    ctx.tables["cc role"] = {r.name.lower(): r for r in account.cc_roles.values()}
    for p in ctx.seed.get("cc_packages", []):
        account.cc_packages[str(p["name"])] = CCPackage(name=str(p["name"]), seats=int(p["seats"]))


def _seed_user(ctx: SeedContext, i: int, u: dict[str, Any], user: User) -> None:
    cc = u.get("contact_center")
    if cc:
        user.cc = CCProfile(
            role_id=ctx.lookup("cc role", cc.get("role", "Agent")).id,
            package_name=cc.get("package"),
            user_access=str(cc.get("access", "active")),
            region_id=ctx.account.info.cc_region_id,
            modified_at=user.created_at,
        )


def _dump(account: Account) -> dict[str, Any]:
    return {
        "cc_roles": [plain(r) for r in account.cc_roles.values()],
        "cc_packages": [plain(p) for p in account.cc_packages.values()],
    }


def _load(account: Account, data: dict[str, Any]) -> None:
    for r in data.get("cc_roles", []):
        cc_role = build(CCRole, r)
        account.cc_roles[cc_role.id] = cc_role
    for p in data.get("cc_packages", []):
        pkg = build(CCPackage, p)
        account.cc_packages[pkg.name] = pkg


FAMILY = Family(
    name="contact_center",
    routes=ROUTES,
    seed=_seed,
    seed_user=_seed_user,
    dump=_dump,
    load=_load,
    sections=("cc_roles", "cc_packages"),
)
