"""Where a deleted user's data goes: the transfer target of a `delete_user` step (the
leaver's own `transfer_to`, else `account.transfer_to`), checked against the live account
and the state at plan time, and the step's transfer params.

Zoom hands meetings, webinars and recordings only to a user of the account who is there,
active and licensed when the DELETE runs ("The destination user does not have a $license
or higher license and cannot receive this data", 400/300). The simplest rule that is
always safe: the target is in Zoom now (a user this plan creates is not, and may still be
pending), active, licensed, inside `account.domains`, and not leaving or losing its
licence by this same state. A protected target is fine: receiving data changes nothing
zoomstate manages about the user.
"""

from __future__ import annotations

from zoomstate.core.aspect import JsonValue
from zoomstate.core.builder import Builder
from zoomstate.model import UserSpec
from zoomstate.resources.leaver_spec import DEFAULT_TRANSFER

_REMOVING = ("deactivate", "disassociate", "delete")


def transfer_params(b: Builder, key: str, leaver: UserSpec | None) -> dict[str, JsonValue]:
    """The transfer params of `key`'s `delete_user` (none without a target); a target
    that cannot receive the data is a plan problem at the field that names it."""
    account = b.desired.account
    own = leaver.transfer_to if leaver is not None else None
    target = own or account.transfer_to
    if target is None:
        return {}
    problem = target_problem(b, target)
    if problem is not None and own is not None:
        b.problem(key, "transfer_to", problem)
    elif problem is not None:
        b.account_problem("transfer_to", problem)
    params: dict[str, JsonValue] = {"transfer_email": target}
    if account.transfer != DEFAULT_TRANSFER:
        # Left out at the default, so plans saved before account.transfer existed (which
        # always meant these three) read the same.
        params["transfer"] = list(account.transfer)
    return params


def target_problem(b: Builder, target: str) -> str | None:
    """Why `target` cannot receive a deleted user's data, or None. The same for every
    leaver, so an account-wide target's problem is reported once."""
    account = b.desired.account
    key = target.lower()
    fix = "name an active, licensed user who stays"
    if not account.in_scope(key):
        return (
            f"transfer target {target} is outside account.domains "
            f"({', '.join(account.domains)}): {fix}"
        )
    live = b.live.by_key().get(key)
    if live is None:
        return (
            f"transfer target {target} is not in the account: Zoom hands a deleted user's "
            "data only to a user that exists when the delete runs (one this plan creates "
            f"may still be pending then): {fix}"
        )
    if live.status != "active":
        return f"transfer target {target} is {live.status} in Zoom: {fix}"
    if live.spec.type != "licensed":
        return (
            f"transfer target {target} is not licensed (type {live.spec.type or 'unknown'}) "
            "and Zoom refuses to hand it recordings and webinars (400/300): " + fix
        )
    leaving = _leaving(b, key)
    if leaving is not None:
        return f"transfer target {target} {leaving}, so it cannot keep the data: {fix}"
    return None


def _leaving(b: Builder, key: str) -> str | None:
    """How the state takes `key` away or takes its licence, if it does."""
    account = b.desired.account
    if "users" not in account.manage:
        return None
    if key in b.renamed:
        # Its e-mail changes first, and Zoom would look for it under the old one.
        return f"changes its e-mail to {b.renamed[key]} in this state"
    spec = b.wanted.get(key)
    if spec is not None:
        if spec.remove is not None:
            return f"leaves in this state (remove: {spec.remove})"
        if spec.status == "inactive":
            return "is deactivated by this state (status: inactive)"
        if spec.type is not None and spec.type != "licensed":
            return f"loses its licence in this state (type: {spec.type})"
        return None
    policy = account.on_missing_user
    if policy in _REMOVING and not account.is_protected(key):
        return f"is not in the state, and account.on_missing_user: {policy} removes it"
    return None


__all__ = ["target_problem", "transfer_params"]
