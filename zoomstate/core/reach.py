"""Which users zoomstate may touch at all: those in `account.domains` and not protected.
A leaf (the state model only), so the diff, the safety checks and the read's choice of
what to fetch share it without importing one another."""

from __future__ import annotations

from zoomstate.model import AccountPolicy


class Reach:
    """Whether zoomstate may touch a user: in `account.domains` and not protected. The
    sets are built once (AccountPolicy's own methods rebuild them per call)."""

    def __init__(self, account: AccountPolicy) -> None:
        self.domains = frozenset(d.lower() for d in account.domains)
        self.protected = frozenset(p.lower() for p in account.protected)

    def __call__(self, key: str) -> bool:
        key = key.lower()
        return key.rsplit("@", 1)[-1] in self.domains and key not in self.protected


__all__ = ["Reach"]
