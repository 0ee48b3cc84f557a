"""zoomstate: declarative, plan-then-apply management of a Zoom account."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
