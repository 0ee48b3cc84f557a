"""Call queues and shared line groups (phone.json, tags Call Queues and Shared Line Group):
list, create, read one with its members, add members (at most 10 a call) and remove one;
auto receptionists (tag Auto Receptionists) listed, with their operator in the call
handling settings of their extension; desk phones (tag Devices) listed with their assignee.

Members are phone users, named by their Zoom user id (the id `GET /users` gives) or
e-mail; a user Zoom does not show as a phone user is 404/1001 "User not found" [P POST
.../members r404]. A queue has at most one manager, set by seeds (the API has no route
for it: NEXT-RESOURCES D2), who cannot be removed as a member [P DELETE
/phone/call_queues/{callQueueId}/members/{memberId} r400 code 400]. Where phone.json
names no code the choice is listed in docs/sandbox.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zoomstate.sandbox.errors import FieldError, ZoomError, validation_failed
from zoomstate.sandbox.families.phone_core import PhoneCore
from zoomstate.sandbox.records import (
    AutoReceptionist,
    CallQueue,
    DeskPhone,
    SharedLineGroup,
    Site,
    User,
)

__all__ = ["MAX_ADD_PER_CALL", "MAX_QUEUE_MEMBERS", "PhoneQueuesBehaviour"]

# "A maximum of 10 members can be added at a time" [P POST .../members body.members].
MAX_ADD_PER_CALL = 10
# The queue's members list holds at most 300 [P GET /phone/call_queues/{callQueueId}
# members.users maxItems]: the {maxSize} of its 412.
MAX_QUEUE_MEMBERS = 300

Line = CallQueue | SharedLineGroup


def _too_many() -> ZoomError:
    return ZoomError(400, 300, "Exceeded the maximum number to add members per time.")


class PhoneQueuesBehaviour(PhoneCore):
    # -- lookups ------------------------------------------------------------------------

    def _queue(self, queue_id: str, *, reading: bool = False) -> CallQueue:
        queue = self.account.call_queues.get(queue_id)
        if queue is None:
            if reading:
                raise ZoomError(
                    404, 13000, f"The Call Queue does not exist, callQueueId:{queue_id}."
                )
            # The member routes answer 400/300 [P POST/DELETE .../members r400].
            raise ZoomError(
                400, 300, f"Validation Failed. The group does not exist, groupId:{queue_id}."
            )
        return queue

    def _slg(self, slg_id: str) -> SharedLineGroup:
        slg = self.account.shared_line_groups.get(slg_id)
        if slg is None:
            raise ZoomError(404, 404, f"Shared line group does not exist: {slg_id}.")
        return slg

    def ordered_queues(self) -> list[CallQueue]:
        return sorted(self.account.call_queues.values(), key=lambda q: q.seq)

    def ordered_slgs(self) -> list[SharedLineGroup]:
        return sorted(self.account.shared_line_groups.values(), key=lambda g: g.seq)

    # -- rendering ----------------------------------------------------------------------

    def _site_item(self, site_id: str) -> dict[str, str]:
        site = self.account.sites.get(site_id)
        return {"id": site_id, "name": site.name if site else ""}

    def queue_item(self, queue: CallQueue) -> dict[str, Any]:
        return {
            "id": queue.id,
            "name": queue.name,
            "extension_id": queue.extension_id,
            "extension_number": queue.extension_number,
            "phone_numbers": [],
            "site": self._site_item(queue.site_id),
            "status": "active",
        }

    def slg_item(self, slg: SharedLineGroup) -> dict[str, Any]:
        return {
            "id": slg.id,
            "display_name": slg.display_name,
            "extension_id": slg.extension_id,
            "extension_number": slg.extension_number,
            "phone_numbers": [],
            "site": self._site_item(slg.site_id),
            "status": "active",
        }

    def _member_rows(self, line: Line) -> list[dict[str, Any]]:
        rows = []
        for uid in line.member_ids:
            user = self.account.users.get(uid)
            if user is None:
                continue
            row: dict[str, Any] = {
                "id": user.id,
                "name": user.full_name(),
                "extension_id": user.phone.extension_id if user.phone else "",
            }
            if isinstance(line, CallQueue):
                row["level"] = "manager" if uid == line.manager_id else "user"
                row["receive_call"] = True
            rows.append(row)
        return rows

    def get_queue(self, queue_id: str) -> dict[str, Any]:
        with self.account.lock:
            queue = self._queue(queue_id, reading=True)
            out = self.queue_item(queue)
            out["members"] = {"users": self._member_rows(queue), "common_areas": []}
            return out

    def get_slg(self, slg_id: str) -> dict[str, Any]:
        with self.account.lock:
            slg = self._slg(slg_id)
            out = self.slg_item(slg)
            out["members"] = {"users": self._member_rows(slg), "common_areas": []}
            return out

    # -- creating -----------------------------------------------------------------------

    def _line_extension(self, site: Site, short: Any) -> int:
        """The full extension of a new queue or group: the site code and the short number
        the body gives [P POST /phone/call_queues body.extension_number], else the next
        free one of the site."""
        if short is None:
            return self._alloc_extension(site)
        full = int(f"{site.site_code}{short}")
        if self.account.extension_taken(full):
            raise ZoomError(400, 400, f"Extension number {short} is already used.")
        return full

    def create_queue(self, body: dict[str, Any]) -> dict[str, Any]:
        users = (body.get("members") or {}).get("users") or []
        if len(users) > MAX_ADD_PER_CALL:
            raise _too_many()
        with self.account.lock:
            if body["site_id"] not in self.account.sites:
                raise ZoomError(400, 300, "Site does not exist.")  # [P POST r400 code 300]
            site = self.account.sites[body["site_id"]]
            members = self._phone_members(users)
            queue = CallQueue(
                id=self.account.ids.zoom_id(),
                name=str(body["name"]),
                extension_id=self.account.ids.zoom_id(),
                extension_number=self._line_extension(site, body.get("extension_number")),
                site_id=site.id,
                seq=max((q.seq for q in self.account.call_queues.values()), default=0) + 1,
                member_ids=[u.id for u in members],
            )
            self.account.call_queues[queue.id] = queue
            self.account.version += 1
            return {
                "id": queue.id,
                "name": queue.name,
                "extension_number": queue.extension_number,
                "status": "active",
            }

    def create_slg(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.account.lock:
            site = self._site(str(body["site_id"]) if body.get("site_id") else None)
            slg = SharedLineGroup(
                id=self.account.ids.zoom_id(),
                display_name=str(body["display_name"]),
                extension_id=self.account.ids.zoom_id(),
                extension_number=self._line_extension(site, body.get("extension_number")),
                site_id=site.id,
                seq=max((g.seq for g in self.account.shared_line_groups.values()), default=0) + 1,
            )
            self.account.shared_line_groups[slg.id] = slg
            self.account.version += 1
            return {"id": slg.id, "display_name": slg.display_name}

    # -- members ------------------------------------------------------------------------

    def _phone_members(self, items: list[dict[str, Any]]) -> list[User]:
        users: list[User] = []
        for index, item in enumerate(items):
            key = item.get("id") or item.get("email")
            if not key:
                raise validation_failed([FieldError(f"members.users[{index}]")])
            found = self.account.find_user(str(key))
            if found is None or found.status != "active":
                raise ZoomError(404, 1001, f"User not found: {key}.")
            user, _ = self._phone_user(found.id)
            if user not in users:
                users.append(user)
        return users

    def _add(self, line: Line, items: list[dict[str, Any]], cap: int | None) -> None:
        if len(items) > MAX_ADD_PER_CALL:
            raise _too_many()
        users = [u for u in self._phone_members(items) if u.id not in line.member_ids]
        if cap is not None and len(line.member_ids) + len(users) > cap:
            raise ZoomError(412, 412, f"The maximum number of Call Queue members is up to {cap}.")
        line.member_ids.extend(u.id for u in users)
        self.account.version += 1

    def add_queue_members(self, queue_id: str, items: list[dict[str, Any]]) -> None:
        with self.account.lock:
            self._add(self._queue(queue_id), items, MAX_QUEUE_MEMBERS)

    def add_slg_members(self, slg_id: str, items: list[dict[str, Any]]) -> None:
        with self.account.lock:
            self._add(self._slg(slg_id), items, None)

    def _member_id(self, line: Line, member_id: str) -> str:
        user = self.account.find_user(member_id)
        if user is None or user.id not in line.member_ids:
            # phone.json documents no code for a non-member (docs/sandbox.md).
            raise ZoomError(404, 404, f"Member does not exist: {member_id}.")
        return user.id

    def remove_queue_member(self, queue_id: str, member_id: str) -> None:
        with self.account.lock:
            queue = self._queue(queue_id)
            uid = self._member_id(queue, member_id)
            if uid == queue.manager_id:
                raise ZoomError(400, 400, "Unable to delete manager")
            queue.member_ids.remove(uid)
            self.account.version += 1

    def remove_slg_member(self, slg_id: str, member_id: str) -> None:
        with self.account.lock:
            slg = self._slg(slg_id)
            slg.member_ids.remove(self._member_id(slg, member_id))
            self.account.version += 1

    def lines_filter(self, site_id: str | None) -> Callable[[Line], bool]:
        return lambda line: site_id is None or line.site_id == site_id

    # -- auto receptionists -------------------------------------------------------------

    def ordered_ars(self) -> list[AutoReceptionist]:
        return sorted(self.account.auto_receptionists.values(), key=lambda a: a.seq)

    def ar_item(self, ar: AutoReceptionist) -> dict[str, Any]:
        return {
            "id": ar.id,
            "name": ar.name,
            "extension_id": ar.extension_id,
            "extension_number": ar.extension_number,
            "phone_numbers": [],
            "site": self._site_item(ar.site_id),
        }

    def _routing(self, ar: AutoReceptionist) -> dict[str, Any]:
        operator = self.account.users.get(ar.operator_id) if ar.operator_id else None
        if operator is None:
            return {"action": 1, "connect_to_operator": False}
        return {
            "action": 1,
            "connect_to_operator": True,
            "operator": {
                "extension_type": "user",
                "id": operator.id,
                "display_name": operator.full_name(),
                "extension_id": operator.phone.extension_id if operator.phone else "",
                "extension_number": operator.phone.extension_number if operator.phone else 0,
            },
        }

    def call_handling(self, extension_id: str) -> dict[str, Any]:
        """The call handling of an auto receptionist's extension: its operator, in business
        and closed hours alike. Other extensions are not emulated (docs/sandbox.md)."""
        with self.account.lock:
            ars = self.account.auto_receptionists.values()
            ar = next((a for a in ars if extension_id in (a.extension_id, a.id)), None)
            if ar is None:
                raise ZoomError(404, 404, f"Extension does not exist: {extension_id}")
            routing = self._routing(ar)
            return {
                "business_hours": [
                    {"sub_setting_type": "call_handling", "settings": {"routing": routing}}
                ],
                "closed_hours": [
                    {"sub_setting_type": "call_handling", "settings": {"routing": dict(routing)}}
                ],
                "holiday_hours": [],
            }

    # -- desk phones --------------------------------------------------------------------

    def ordered_devices(self) -> list[DeskPhone]:
        return sorted(self.account.desk_phones.values(), key=lambda d: d.seq)

    def devices_filter(
        self, assigned: bool, assignee_type: str | None
    ) -> Callable[[DeskPhone], bool]:
        # The sandbox's desk phones are users' or nobody's: no common areas.
        if assigned and assignee_type == "commonArea":
            return lambda d: False
        return lambda d: bool(d.assignee_id) == assigned

    def device_item(self, device: DeskPhone) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": device.id,
            "display_name": device.display_name,
            "mac_address": device.mac_address,
            "device_type": device.device_type,
            "status": "online",
        }
        user = self.account.users.get(device.assignee_id) if device.assignee_id else None
        if user is not None and user.phone is not None:
            assignee = {
                "id": user.id,
                "name": user.full_name(),
                "extension_number": user.phone.extension_number,
                "extension_type": "user",
            }
            item["assignee"] = assignee
            item["assignees"] = [{**assignee, "extension_id": user.phone.extension_id}]
            item["site"] = self._site_item(user.phone.site_id)
        return item
