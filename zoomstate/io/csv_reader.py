"""Reading a portal CSV file: its bytes as text, its table of cells, and the problems found
on the way (`Run`), each at the row a spreadsheet shows.

Excel saves CSV in several encodings and with several delimiters, depending on the
locale and the "Save as" choice; each is recognised here, so the column modules only see
cells.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["users", "phone"]
Level = Literal["error", "warning"]


def norm(text: str) -> str:
    """A header or label as compared: `E-mail Address (required)` -> `e mail address`."""
    text = text.replace("\ufeff", "").strip().lower()
    text = re.sub(r"\(.*?\)", "", text).replace("*", "")
    return re.sub(r"[\s_\-]+", " ", text).strip()


def aliases(field_name: str, *names: str) -> dict[str, str]:
    return {norm(n): field_name for n in names}


EMAIL_ALIASES = aliases(
    "email", "Email", "Email Address", "E-mail", "E-mail Address", "User Email", "userName"
)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something to tell the user about one file, at a row (1 = the header) or not."""

    file: str
    row: int | None
    level: Level
    message: str

    def __str__(self) -> str:
        if not self.file:
            return f"{self.level}: {self.message}"
        where = f"{self.file}:{self.row}" if self.row else self.file
        return f"{where}: {self.level}: {self.message}"


@dataclass(slots=True)
class Run:
    """Problems collected in order, and the e-mails whose users are left out."""

    problems: list[tuple[int, int, int, Problem]] = field(default_factory=list)
    order: dict[str, int] = field(default_factory=dict)
    rejected: set[str] = field(default_factory=set)
    rejected_rows: set[tuple[str, int]] = field(default_factory=set)

    def add(self, file: str, row: int | None, level: Level, message: str) -> None:
        index = self.order.setdefault(file, len(self.order))
        self.problems.append(
            (index, row or 0, len(self.problems), Problem(file, row, level, message))
        )

    def reject(self, file: str, row: int, message: str, email: str | None = None) -> None:
        """A row that cannot be converted: its user (when known) is left out."""
        if email is not None:
            self.rejected.add(email)
            message = f"{email} left out: {message}"
        else:
            message = f"row left out: {message}"
        self.rejected_rows.add((file, row))
        self.add(file, row, "error", message)

    def sorted(self) -> tuple[Problem, ...]:
        return tuple(p for *_, p in sorted(self.problems, key=lambda t: t[:3]))


def decode(name: str, raw: bytes, run: Run) -> str | None:
    """Text from a CSV file's bytes: UTF-8 with or without BOM, UTF-16 with BOM (Excel's
    "Unicode Text"), else Windows-1252 (Excel's "CSV (Comma delimited)" on Windows)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            run.add(name, None, "error", f"not valid UTF-16 at byte {exc.start}: file skipped")
            return None
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError as exc:
            run.add(name, None, "error", f"not valid UTF-8 at byte {exc.start}: file skipped")
            return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        run.add(
            name,
            None,
            "warning",
            f"not UTF-8 (byte {exc.start}): read as Windows-1252, the encoding of Excel's "
            "'CSV (Comma delimited)'; check accented names, or save as 'CSV UTF-8'",
        )
        return raw.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    """European Excel saves with `;` (the comma is its decimal sign), "Unicode Text"
    with tabs. The header row decides: headers hold none of these characters."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts.values())
    return "," if best == 0 or counts[","] == best else max(counts, key=lambda d: counts[d])


@dataclass(frozen=True, slots=True)
class Table:
    """A CSV file's header and data rows, each with the line it starts on: the row
    number a spreadsheet shows (the header is row 1) unless a value spans lines."""

    header_line: int
    header: list[str]
    rows: list[tuple[int, list[str]]]


def read_table(name: str, text: str, run: Run) -> Table | None:
    """The file's table, blank rows skipped; None (reported) when it cannot be read."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, list[str]]] = []
    try:
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            cells = [c.strip() for c in cells]
            if not any(cells):
                continue
            if header is None:
                header, header_line = cells, start
            else:
                rows.append((start, cells))
    except csv.Error as exc:
        run.add(name, reader.line_num, "error", f"not a readable CSV file ({exc}): file skipped")
        return None
    if header is None:
        run.add(name, None, "error", "empty file: no header row")
        return None
    return Table(header_line, header, rows)


__all__ = [
    "EMAIL_ALIASES",
    "Kind",
    "Level",
    "Problem",
    "Run",
    "Table",
    "aliases",
    "decode",
    "norm",
    "read_table",
]
