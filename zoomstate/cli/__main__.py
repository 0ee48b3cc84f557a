"""`python -m zoomstate.cli`, the same as the `zoomstate` console script."""

from __future__ import annotations

import sys

from zoomstate.cli import main

sys.exit(main())
