"""A Markdown document cut to fit where it is posted (a GitHub comment holds 65,536
characters, a GitLab note 1,000,000), for `plan` and `drift` `--max-chars`.

Cutting the bytes (`head -c`) left half a table row and an open `<details>`, which GitHub
then renders as a broken table that swallows everything after it. Here the cut falls
between lines, every `<details>` left open is closed, and a note says how many rows (table
rows and list items) were left out and where the whole document is.
"""

from __future__ import annotations

import re

_SEPARATOR = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")


def _row_flags(lines: list[str]) -> list[bool]:
    """Which lines are rows: table rows and list items, not a table's header (the line
    above a separator) nor the separator."""
    flags = []
    for i, line in enumerate(lines):
        text = line.strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        table_row = text.startswith("|") and not _SEPARATOR.match(text)
        flags.append((table_row and not _SEPARATOR.match(nxt)) or text.startswith(("- ", "* ")))
    return flags


def _note(left: int, limit: int, what: str, link: str | None) -> str:
    where = (
        f": [the full {what}]({link})"
        if link
        else f" (the full {what} is in the file saved with it)"
    )
    return f"**{left:,} more row(s) not shown** to stay within {limit:,} characters{where}.\n"


def fit_markdown(text: str, limit: int, *, what: str = "plan", link: str | None = None) -> str:
    """`text` when it fits in `limit` characters; else its longest run of whole lines
    that fits with the note and the closing tags (`what` and `link` name the whole)."""
    if len(text) <= limit:
        return text
    lines = text.splitlines(keepends=True)
    flags = _row_flags(lines)
    after = [0] * (len(lines) + 1)  # rows from each line on
    for i in range(len(lines) - 1, -1, -1):
        after[i] = after[i + 1] + flags[i]
    used = depth = 0
    best: tuple[int, str] | None = None
    for index in range(len(lines) + 1):
        if index:
            line = lines[index - 1]
            used += len(line)
            depth += line.count("<details") - line.count("</details>")
            if used > limit:
                break
        closing = "\n" + _note(after[index], limit, what, link) + "\n</details>\n" * max(depth, 0)
        if used + len(closing) <= limit:
            best = (index, closing)
    if best is None:
        return _note(after[0], limit, what, link)[:limit]
    return "".join(lines[: best[0]]) + best[1]


__all__ = ["fit_markdown"]
