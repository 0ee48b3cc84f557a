"""The query `delete_user` sends: the transfer_* flags of account.transfer, the three of
every plan before it when the step has no `transfer`, none without a target."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from zoomstate.core.ops import Operation
from zoomstate.zoom.adapters.users import delete_user


class _Context:
    def __init__(self) -> None:
        self.ids = {"bob@example.com": "id-bob"}
        self.calls: list[tuple[str, str, Any]] = []

    def user_ref(self, key: str) -> str:
        return self.ids.get(key, key)

    async def call(self, method: str, path: str, **kw: Any) -> Any:
        self.calls.append((method, path, kw.get("params")))
        return None


def _sent(params: dict[str, Any]) -> tuple[str, str, Any]:
    op = Operation.from_dict(
        {
            "id": "bob@example.com/delete_user",
            "kind": "delete_user",
            "user": "bob@example.com",
            "params": params,
            "depends_on": [],
            "destroys_data": True,
            "removal": True,
            "reads": [],
        }
    )
    ctx = _Context()
    asyncio.run(delete_user(ctx, op))  # type: ignore[arg-type]
    [call] = ctx.calls
    return call


@pytest.mark.parametrize(
    ("params", "query"),
    [
        (
            {"action": "delete", "transfer_email": "carol@example.com"},
            {
                "action": "delete",
                "transfer_email": "carol@example.com",
                "transfer_meeting": "true",
                "transfer_webinar": "true",
                "transfer_recording": "true",
            },
        ),
        (
            {
                "action": "delete",
                "transfer_email": "carol@example.com",
                "transfer": ["recordings", "whiteboard", "clips", "notes", "visitors", "docs"],
            },
            {
                "action": "delete",
                "transfer_email": "carol@example.com",
                "transfer_recording": "true",
                "transfer_whiteboard": "true",
                "transfer_clipfiles": "true",
                "transfer_notes": "true",
                "transfer_visitors": "true",
                "transfer_docs": "true",
            },
        ),
        ({"action": "delete"}, {"action": "delete"}),
        ({"action": "disassociate"}, {"action": "disassociate"}),
    ],
)
def test_the_query_of_a_deletion(params: dict[str, Any], query: dict[str, str]) -> None:
    assert _sent(params) == ("DELETE", "/users/id-bob", query)


def test_an_invitation_is_revoked_with_a_bare_delete_by_email() -> None:
    assert _sent({"action": None}) == ("DELETE", "/users/bob%40example.com", None)
