"""Contract tests get the contract fixtures whether or not the top-level conftest enables them."""

from __future__ import annotations

from tests.contract.plugin import async_contract_hooks_fixture, contract_hooks_fixture

__all__ = ["async_contract_hooks_fixture", "contract_hooks_fixture"]
