"""Writes one benchmark's table into docs/benchmarks.md between its own markers, so each
benchmark can be re-run alone without losing the others' figures."""

from __future__ import annotations

import platform
import re
from datetime import UTC, datetime
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"
HEADER = """# Benchmarks

Figures from `make bench` (each section can be refreshed alone with
`python -m tests.bench NAME`). The machine is a shared 2-core VM: treat times as
indications of scale, not as precise measurements. No timing is asserted in unit tests.
"""


def machine() -> str:
    return f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}"


def write_section(name: str, title: str, body: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else HEADER
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    block = (
        f"<!-- bench:{name}:start -->\n## {title}\n\n_Run {stamp} on {machine()}._\n\n"
        f"{body.strip()}\n<!-- bench:{name}:end -->"
    )
    pattern = re.compile(
        rf"<!-- bench:{re.escape(name)}:start -->.*?<!-- bench:{re.escape(name)}:end -->",
        re.S,
    )
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8")


def table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)
