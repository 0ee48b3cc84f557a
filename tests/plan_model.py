"""The property tests' account model, kept importable under its old name.

The model now lives in `tests.models`, one module per resource; this re-exports it so that
`from tests.plan_model import AccountModel` keeps working.
"""

from __future__ import annotations

from tests.models import HANDLERS, AccountModel, MContactCenter, MPhone, MUser, lowest

__all__ = ["HANDLERS", "AccountModel", "MContactCenter", "MPhone", "MUser", "lowest"]
