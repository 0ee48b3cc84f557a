"""The rules of a leaver's entry (`remove:`, `transfer_to`) that need no live account,
checked by the loader at the entry's fields. Whether the transfer target can receive the
data (in the account, active, licensed, staying) is a plan-time check
(`zoomstate/resources/leavers.py`)."""

from __future__ import annotations

from zoomstate.model import AccountPolicy, UserSpec


def leaver_problems(account: AccountPolicy, user: UserSpec) -> list[tuple[str, str]]:
    """(field, message) for each contradiction in one user entry."""
    problems: list[tuple[str, str]] = []
    if user.remove is not None:
        if "users" not in account.manage:
            problems.append(
                (
                    "remove",
                    f"remove: {user.remove} needs users in account.manage (this state "
                    "leaves users to another tool, so it cannot remove one)",
                )
            )
        if account.is_protected(user.key):
            problems.append(
                (
                    "remove",
                    f"{user.email} is protected (account.protected): protected users are "
                    "never removed",
                )
            )
    target = user.transfer_to
    if target is None:
        return problems
    if user.remove != "delete":
        why = (
            "a deactivated user keeps their meetings and recordings"
            if user.remove == "deactivate"
            else "a disassociated user takes their meetings and recordings along"
            if user.remove == "disassociate"
            else "nothing is handed over while the user stays"
        )
        problems.append(
            (
                "transfer_to",
                f"transfer_to applies only to remove: delete ({why}): add remove: delete, "
                "or drop transfer_to",
            )
        )
    if target.lower() == user.key:
        problems.append(
            (
                "transfer_to",
                "transfer_to is the user itself: Zoom hands a deleted user's data to "
                "another user (it refuses this with 400/300)",
            )
        )
    elif not account.in_scope(target):
        problems.append(
            (
                "transfer_to",
                f"{target} is outside account.domains ({', '.join(account.domains)}): the "
                "data goes only to a user zoomstate may touch",
            )
        )
    return problems


__all__ = ["leaver_problems"]
