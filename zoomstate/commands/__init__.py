"""Click commands that live in their own modules; `zoomstate.cli` registers them."""

from __future__ import annotations
