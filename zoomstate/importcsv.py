"""Zoom portal CSV files as state files: `zoomstate import-csv`.

Two kinds of file are read, recognised by their header row (case, spaces, `_` and `-`
do not matter):

* the user list that User Management > Users imports and exports: Email, First Name,
  Last Name, Department, Manager, User Group, (IM Group,) Job Title, Location, and in
  exports a User Type. Source: Zoom support, "Batch importing, exporting, or updating
  users on your Zoom account", https://support.zoom.com/hc/en/article?id=zm_kb&sysparm_article=KB0068315
  (the older https://support.zoom.us/hc/en-us/articles/204581939 lists IM Group too).
* the phone user file of Phone System Management > Users & Rooms > Import/Export: the
  user's e-mail, extension number, site, calling plan (package), phone numbers and
  template. Source: Zoom support, "Batch importing, exporting, or updating phone users",
  https://support.zoom.com/hc/en/article?id=zm_kb&sysparm_article=KB0069388 . The
  article names these fields but its sample header row was not available to us, so
  each field is recognised under the spellings Zoom uses for it elsewhere (the
  batch-add API `POST /phone/users/batch`: extension_number, site_name, calling_plans,
  phone_numbers, template_name; the SCIM attributes of KB0070135: zoomPhoneExtNumber,
  zoomPhoneSite, zoomPhoneCallingPlan, zoomPhoneNumber). tests/csv/SOURCES.md has the
  details.

The conversion is pure (`import_csv` takes names and bytes, returns file texts and
problems) so it is tested without a disk; reading the files is `read_inputs`, at the
edge.

Decisions (docs/import-csv.md explains them to users):

* A row that cannot be converted leaves its user out of the state entirely, with the
  user's rows in other files. A partial user would be worse than a missing one: in a
  state, an absent `phone` block means "no Zoom Phone licence" and `numbers` is an
  exact set, so a user written without a number that failed to convert would have that
  number unassigned by the next apply. A missing user is only reported
  (`on_missing_user: report`).
* `account.manage` lists only what the files cover: `users` and `profile` from a users
  file (plus `role` when it has a Role column), `phone` from a phone file. A users file
  alone must not say "these users have no Zoom Phone".
* An empty cell is "not given" (the field is left out, so Zoom's value is kept), never
  "clear the field".
* Phone numbers a spreadsheet mangled: scientific notation loses digits, so the row is
  rejected; a trailing `.0` is removed (nothing is lost); a missing `+` is put back only
  when the digits are a North American number with its country code (`1` + ten digits
  whose area code and exchange start with 2-9), where the `+1` reading is the only
  one, and the fix is reported. Any other digits without `+` are rejected with the
  suggestion: the country code cannot be told for sure (`4155550100` would read as a
  Swiss number). A wrong guess is caught anyway: plan checks that every number exists
  in the account.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import TypeAdapter, ValidationError

from zoomstate.emails import email_problem
from zoomstate.model import E164_RE, Domain, UserSpec

Kind = Literal["users", "phone"]
Level = Literal["error", "warning"]

# Zoom caps a user import at 9,999 rows; a file a thousand times larger is not a portal
# file, and reading it whole would only exhaust memory.
MAX_CSV_BYTES = 64 * 1024 * 1024
HEADER = "# Imported by zoomstate import-csv from {sources}.\n# Review before committing.\n"

# The e-mail's domain becomes account.domains, which is stricter than an e-mail address.
_DOMAIN: TypeAdapter[str] = TypeAdapter(Domain)
# Excel shows numbers of more than 11 digits as 1.41556E+10 and saves them so; European
# Excel writes a decimal comma.
_SCIENTIFIC_RE = re.compile(r"^[+-]?[0-9]+([.,][0-9]+)?[eE][+-]?[0-9]+$")
# A number stored as a decimal: 14155550100.0 (pandas, some Excel exports).
_DECIMAL_ZERO_RE = re.compile(r"^(\+?[0-9]+)[.,]0+$")
# North American Numbering Plan with its country code: 1, area code, exchange, line.
_NANP_RE = re.compile(r"^1[2-9][0-9]{2}[2-9][0-9]{6}$")
# ASCII digits only: str.isdigit() accepts '²' and other scripts' digits.
_DIGITS_RE = re.compile(r"^[0-9]+$")
_FORMATTING_RE = re.compile(r"[\s().\-/]")
# Several numbers or plans in one cell. A comma is safe here: the cell is already cut
# out of the row (quoted in a comma-delimited file).
_LIST_SPLIT_RE = re.compile(r"[;,|\n]")


def _norm(text: str) -> str:
    """A header or label as compared: `E-mail Address (required)` -> `e mail address`."""
    text = text.replace("\ufeff", "").strip().lower()
    text = re.sub(r"\(.*?\)", "", text).replace("*", "")
    return re.sub(r"[\s_\-]+", " ", text).strip()


def _aliases(field_name: str, *names: str) -> dict[str, str]:
    return {_norm(n): field_name for n in names}


_EMAIL_ALIASES = _aliases(
    "email", "Email", "Email Address", "E-mail", "E-mail Address", "User Email", "userName"
)
USERS_COLUMNS: Mapping[str, str] = {
    **_EMAIL_ALIASES,
    **_aliases("first_name", "First Name", "FirstName", "Given Name"),
    **_aliases("last_name", "Last Name", "LastName", "Surname", "Family Name"),
    **_aliases("department", "Department", "Dept"),
    **_aliases("job_title", "Job Title", "Title"),
    **_aliases("type", "User Type", "License Type", "Type"),
    **_aliases("role", "Role", "User Role", "Role Name"),
}
PHONE_COLUMNS: Mapping[str, str] = {
    **_EMAIL_ALIASES,
    **_aliases(
        "extension",
        "Extension Number",
        "Extension",
        "Ext",
        "Extension No",
        "extension_number",
        "zoomPhoneExtNumber",
    ),
    **_aliases("site", "Site", "Site Name", "zoomPhoneSite"),
    **_aliases(
        "calling_plans",
        "Calling Plan",
        "Calling Plans",
        "Calling Package",
        "Calling Packages",
        "Package",
        "Packages",
        "Package Name",
        "zoomPhoneCallingPlan",
    ),
    **_aliases(
        "numbers",
        "Phone Number",
        "Phone Numbers",
        "Direct Number",
        "Direct Numbers",
        "Direct Phone Number",
        "Number",
        "Numbers",
        "zoomPhoneNumber",
    ),
    **_aliases(
        "template",
        "Template",
        "Template Name",
        "Phone Template",
        "User Template",
        "Policy",
        "Policy Template",
    ),
}
# A header with one of these is a phone file; the user list never has them.
_PHONE_MARKERS = frozenset({"extension", "site", "calling_plans", "template"})
# A users file has an e-mail and at least one of these.
_USERS_MARKERS = frozenset({"first_name", "last_name", "department", "job_title", "type"})

# Zoom's labels for a user's licence type, in the portal, its exports and its API
# (1 Basic, 2 Licensed, 4 "Unassigned without Meetings Basic"). Pro is the pre-2020
# name of Licensed.
USER_TYPES: Mapping[str, str] = {
    **{_norm(k): "basic" for k in ("Basic", "1", "Zoom Meetings Basic", "Meetings Basic")},
    **{_norm(k): "licensed" for k in ("Licensed", "2", "Pro")},
    **{
        _norm(k): "none"
        for k in (
            "None",
            "4",
            "Unassigned",
            "Unassigned without Meetings Basic",
            "No Meetings License",
            "No Meetings Licence",
            "No Meeting License",
            "Without Meetings License",
        )
    },
}
# On-prem (type 3, "Corp") is a type Zoom retired; the state format has no value for it.
_RETIRED_TYPES = frozenset(_norm(k) for k in ("On-Prem", "On Prem", "Corp", "3"))


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


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The state files (relative path -> text), what was wrong, and counts."""

    files: Mapping[str, str]
    problems: tuple[Problem, ...]
    users: int
    rejected_rows: int

    @property
    def ok(self) -> bool:
        return not any(p.level == "error" for p in self.problems)


@dataclass(slots=True)
class _Row:
    """One CSV row converted to state fields."""

    file: str
    row: int
    kind: Kind
    email: str
    fields: dict[str, Any]


@dataclass(slots=True)
class _Run:
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


# -- reading bytes and tables ------------------------------------------------------------


def decode(name: str, raw: bytes, run: _Run) -> str | None:
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


def read_table(name: str, text: str, run: _Run) -> Table | None:
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


def classify(header: Sequence[str]) -> Kind | None:
    """Which kind of Zoom file a header row belongs to, or None."""
    names = [_norm(h) for h in header]
    phone = {PHONE_COLUMNS[n] for n in names if n in PHONE_COLUMNS}
    users = {USERS_COLUMNS[n] for n in names if n in USERS_COLUMNS}
    if "email" in phone and phone & _PHONE_MARKERS:
        return "phone"
    if "email" in users and users & _USERS_MARKERS:
        return "users"
    return None


# -- values ------------------------------------------------------------------------------


def _phone_number(value: str) -> tuple[str | None, str | None, str | None]:
    """(number in E.164, a warning when it had to be repaired, why it cannot be used)."""
    shown = repr(value)
    if _SCIENTIFIC_RE.match(value):
        return (
            None,
            None,
            (
                f"phone number {shown} is in scientific notation: a spreadsheet rounded it and "
                "its last digits are lost; export it again with the column formatted as Text"
            ),
        )
    notes: list[str] = []
    decimal = _DECIMAL_ZERO_RE.match(value)
    if decimal:
        value = decimal.group(1)
        notes.append("added '.0'")
    compact = _FORMATTING_RE.sub("", value)
    if E164_RE.match(compact):
        note = (
            f"phone number {shown}: a spreadsheet {notes[0]}; read as {compact!r}"
            if notes
            else None
        )
        return compact, note, None
    if not _DIGITS_RE.match(compact):
        return None, None, f"phone number {shown} is not in E.164 form (+, country code, digits)"
    if _NANP_RE.match(compact):
        fixed = "+" + compact
        notes.insert(0, "dropped the '+'")
        return (
            fixed,
            f"phone number {shown}: a spreadsheet {' and '.join(notes)}; read as {fixed!r} "
            "(11 digits starting with 1 are a North American number with its country code)",
            None,
        )
    if compact.startswith("00") and E164_RE.match("+" + compact[2:]):
        return (
            None,
            None,
            (
                f"phone number {shown} is not in E.164 form: write it as "
                f"{'+' + compact[2:]!r} ('+' replaces 00)"
            ),
        )
    if E164_RE.match("+" + compact):
        return (
            None,
            None,
            (
                f"phone number {shown} has no '+' (a spreadsheet drops it) and its country code "
                f"cannot be told for sure: if it is {'+' + compact!r}, write it so, in a column "
                "formatted as Text"
            ),
        )
    return None, None, f"phone number {shown} is not in E.164 form: no '+' and no country code"


def _split(cell: str) -> list[str]:
    return [part.strip() for part in _LIST_SPLIT_RE.split(cell) if part.strip()]


# -- rows --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Columns:
    """Which column index feeds which state field, for one file."""

    kind: Kind
    index: dict[str, int]
    width: int


def _map_columns(name: str, table: Table, kind: Kind, run: _Run) -> _Columns:
    header = table.header
    known = PHONE_COLUMNS if kind == "phone" else USERS_COLUMNS
    index: dict[str, int] = {}
    unmanaged: list[str] = []
    for i, title in enumerate(header):
        key = known.get(_norm(title))
        if not title:
            continue  # an unnamed column: checked row by row (trailing commas are common)
        if key is None:
            unmanaged.append(repr(title))
        elif key in index:
            unmanaged.append(f"{title!r} (a second {header[index[key]]!r} column)")
        else:
            index[key] = i
    if unmanaged:
        columns = ", ".join(unmanaged)
        run.add(
            name,
            table.header_line,
            "warning",
            f"not imported: {columns} (zoomstate does not manage "
            f"{'this column' if len(unmanaged) == 1 else 'these columns'}; see docs/import-csv.md)",
        )
    return _Columns(kind, index, len(header))


def _convert_row(
    name: str, line: int, cells: list[str], cols: _Columns, header: list[str], run: _Run
) -> _Row | None:
    def get(key: str) -> str:
        i = cols.index.get(key)
        return cells[i] if i is not None and i < len(cells) else ""

    email = get("email")
    key = email.lower() if email else None
    if len(cells) > cols.width and any(cells[cols.width :]):
        run.reject(
            name,
            line,
            f"{len(cells)} values but the header has {cols.width} columns: a comma or "
            "semicolon inside a value that is not in quotes?",
            key,
        )
        return None
    stray = [i for i, title in enumerate(header) if not title and i < len(cells) and cells[i]]
    if stray:
        run.reject(name, line, f"a value in column {stray[0] + 1}, which has no header", key)
        return None
    if not email:
        run.reject(name, line, "no e-mail")
        return None
    problem = email_problem(email)
    if problem is not None:
        run.reject(name, line, problem)
        return None
    assert key is not None
    try:
        _DOMAIN.validate_python(key.rsplit("@", 1)[1])
    except ValidationError:
        run.reject(name, line, f"the domain of {email!r} is not one account.domains can hold", key)
        return None
    fields: dict[str, Any] = {"email": email}
    errors: list[str] = []
    if cols.kind == "users":
        for f in ("first_name", "last_name", "department", "job_title", "role"):
            value = get(f)
            if not value:
                continue
            if f in ("first_name", "last_name") and len(value) > 64:
                label = f.replace("_", " ")
                errors.append(f"{label} has {len(value)} characters; Zoom allows 64")
            fields[f] = value
        label = get("type")
        if label:
            kind = USER_TYPES.get(_norm(label))
            if kind is not None:
                fields["type"] = kind
            elif _norm(label) in _RETIRED_TYPES:
                errors.append(
                    f"user type {label!r} is Zoom's retired on-prem type, which zoomstate does "
                    "not support"
                )
            else:
                errors.append(
                    f"unknown user type {label!r} (expected Basic, Licensed, or "
                    "Unassigned / No Meetings License)"
                )
    else:
        phone: dict[str, Any] = {}
        site = get("site")
        if site:
            phone["site"] = site
        ext = cell_ext = get("extension")
        if ext:
            decimal = _DECIMAL_ZERO_RE.match(ext)
            if _SCIENTIFIC_RE.match(ext):
                errors.append(f"extension {ext!r} is in scientific notation: its digits are lost")
            elif decimal and _DIGITS_RE.match(decimal.group(1)):
                ext = decimal.group(1)
                run.add(
                    name,
                    line,
                    "warning",
                    f"extension {cell_ext!r}: a spreadsheet added '.0'; read as {ext}",
                )
            if not errors:
                if not _DIGITS_RE.match(ext):
                    errors.append(f"extension {ext!r} is not a whole number")
                elif int(ext) > 0:  # 0 is Zoom's "assign one for me": left out
                    phone["extension"] = int(ext)
        plans: list[str | int] = []
        for plan in _split(get("calling_plans")):
            decimal = _DECIMAL_ZERO_RE.match(plan)
            # A calling plan given by Zoom's type code (200) is an integer in the state.
            code: str | int = plan
            if decimal and _DIGITS_RE.match(decimal.group(1)):
                code = int(decimal.group(1))
            elif _DIGITS_RE.match(plan):
                code = int(plan)
            if code in plans:
                run.add(name, line, "warning", f"calling plan {plan!r} is listed twice")
                continue
            plans.append(code)
        if plans:
            phone["calling_plans"] = plans
        numbers: list[str] = []
        cell = get("numbers")
        # A whole cell that is one mangled number must not be cut at its decimal comma.
        values = (
            [cell] if _SCIENTIFIC_RE.match(cell) or _DECIMAL_ZERO_RE.match(cell) else _split(cell)
        )
        for value in values:
            number, warning, error = _phone_number(value)
            if number is None:
                errors.append(str(error))
                continue
            if warning:
                run.add(name, line, "warning", warning)
            if number in numbers:
                run.add(name, line, "warning", f"phone number {number} is listed twice")
                continue
            numbers.append(number)
        if numbers:
            phone["numbers"] = numbers
            if not plans:
                errors.append(
                    "direct numbers need a calling plan (Zoom drops a number whose calling "
                    "plan goes) and this row has none"
                )
        template = get("template")
        if template:
            phone["template"] = template
        fields["phone"] = phone
    if errors:
        run.reject(name, line, "; ".join(errors), key)
        return None
    return _Row(name, line, cols.kind, key, fields)


@dataclass(slots=True)
class ParsedCsv:
    """One CSV file: its kind (None when unrecognised), the state fields its columns
    feed, and its rows that converted."""

    kind: Kind | None
    fields: frozenset[str]
    rows: list[_Row]


def parse_file(name: str, raw: bytes, run: _Run) -> ParsedCsv:
    """One CSV file's rows, converted; every problem goes to `run`."""
    skipped = ParsedCsv(None, frozenset(), [])
    text = decode(name, raw, run)
    if text is None:
        return skipped
    table = read_table(name, text, run)
    if table is None:
        return skipped
    header = table.header
    kind = classify(header)
    if kind is None:
        shown = ", ".join(repr(h) for h in header if h)
        run.add(
            name,
            table.header_line,
            "error",
            f"not a Zoom users or phone users file (headers {shown}); a users file has "
            "Email, First Name, Last Name...; a phone file has Email and Extension Number, "
            "Site, Calling Plan...: file skipped",
        )
        return skipped
    cols = _map_columns(name, table, kind, run)
    out: list[_Row] = []
    for line, cells in table.rows:
        row = _convert_row(name, line, cells, cols, header, run)
        if row is not None:
            out.append(row)
    return ParsedCsv(kind, frozenset(cols.index), out)


# -- merging and writing -----------------------------------------------------------------


def _user_document(rows: Sequence[_Row]) -> dict[str, Any]:
    """One user from its users row and phone row, in the state format's key order."""
    users = next((r for r in rows if r.kind == "users"), None)
    phone = next((r for r in rows if r.kind == "phone"), None)
    doc: dict[str, Any] = {"email": (users or rows[0]).fields["email"]}
    if users is not None:
        for f in ("first_name", "last_name", "department", "job_title", "type", "role"):
            if f in users.fields:
                doc[f] = users.fields[f]
    if phone is not None:
        doc["phone"] = phone.fields["phone"]
    return doc


def _where(row: _Row) -> str:
    return f"{row.file}:{row.row}"


def _pydantic_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        parts.append(f"{loc}: {err['msg']}" if loc else err["msg"])
    return "; ".join(parts)


def _dump(data: Mapping[str, Any]) -> str:
    # safe_dump quotes strings that YAML would read as numbers ("+14155550100"), and
    # the fresh lists built here give it nothing to alias.
    text: str = yaml.safe_dump(
        dict(data), sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )
    return text


def import_csv(inputs: Sequence[tuple[str, bytes]], domains: Sequence[str] = ()) -> ImportResult:
    """Convert Zoom portal CSV files (display name, bytes) into state files.

    `domains` (already checked) become account.domains and limit the users; without
    them, the domains of the imported e-mails are the scope."""
    run = _Run()
    parsed = []
    for name, raw in inputs:
        run.order.setdefault(name, len(run.order))
        parsed.append(parse_file(name, raw, run))
    rows = [row for p in parsed for row in p.rows]
    scope = sorted({d.lower() for d in domains})

    # One row per e-mail and kind: two rows that may disagree leave the user out.
    first: dict[tuple[Kind, str], _Row] = {}
    for row in rows:
        seen = first.setdefault((row.kind, row.email), row)
        if seen is not row:
            run.reject(row.file, row.row, f"duplicate e-mail (also at {_where(seen)})", row.email)
        if scope and row.email.rsplit("@", 1)[1] not in scope:
            run.reject(row.file, row.row, f"outside --domain ({', '.join(scope)})", row.email)

    by_email: dict[str, list[_Row]] = {}
    for row in rows:
        by_email.setdefault(row.email, []).append(row)
    docs: dict[str, tuple[dict[str, Any], list[_Row]]] = {}
    for email in sorted(by_email):
        if email in run.rejected:
            continue
        doc = _user_document(by_email[email])
        try:
            UserSpec.model_validate(doc)
        except ValidationError as exc:  # a last guard: the row checks should catch all
            anchor = by_email[email][0]
            run.reject(anchor.file, anchor.row, _pydantic_message(exc), email)
            continue
        docs[email] = (doc, by_email[email])
    _reject_shared(docs, run)

    for email in sorted(run.rejected):
        # The user's other rows were fine, but nothing of them is written: say so there.
        for row in by_email.get(email, []):
            if (row.file, row.row) not in run.rejected_rows:
                run.add(
                    row.file,
                    row.row,
                    "warning",
                    f"{email} left out: another of its rows has an error",
                )

    users = [docs[e][0] for e in sorted(docs) if e not in run.rejected]
    scope = scope or sorted({u["email"].lower().rsplit("@", 1)[1] for u in users})
    files: dict[str, str] = {}
    if not scope:
        run.add(
            "",
            None,
            "error",
            "no user could be imported, so there is no domain for account.domains: "
            "nothing written (give --domain to write a state without users)",
        )
    else:
        account = _account(scope, parsed, users)
        sources = ", ".join(Path(name).name for name, _ in inputs)
        head = HEADER.format(sources=sources)
        files["account.yaml"] = head + _dump({"account": account})
        files["users.yaml"] = head + _dump({"users": users})
    return ImportResult(
        files=files,
        problems=run.sorted(),
        users=len(users),
        rejected_rows=len(run.rejected_rows),
    )


def _reject_shared(docs: Mapping[str, tuple[dict[str, Any], list[_Row]]], run: _Run) -> None:
    """An extension or a number belongs to one user (validate refuses a state that gives
    it to two): both users are left out, since the files cannot say who is right."""
    owners: dict[tuple[str, object], str] = {}
    for email, (doc, user_rows) in docs.items():
        phone = doc.get("phone") or {}
        held: list[tuple[str, object]] = []
        if "extension" in phone:
            held.append(("extension", phone["extension"]))
        held += [("phone number", n) for n in phone.get("numbers", [])]
        for what, value in held:
            other = owners.setdefault((what, value), email)
            if other == email:
                continue
            row = next(r for r in user_rows if r.kind == "phone")
            other_row = next(r for r in docs[other][1] if r.kind == "phone")
            run.reject(
                row.file,
                row.row,
                f"{what} {value} is also given to {other} (at {_where(other_row)})",
                email,
            )
            run.reject(
                other_row.file,
                other_row.row,
                f"{what} {value} is also given to {email} (at {_where(row)})",
                other,
            )


def _account(
    scope: list[str], parsed: Sequence[ParsedCsv], users: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The account block. `manage` names only what the files cover: a users file alone
    must not claim that nobody has Zoom Phone (absent `phone` = no licence)."""
    manage: list[str] = []
    if any(p.kind == "users" for p in parsed):
        manage += ["users", "profile"]
        if any(p.kind == "users" and "role" in p.fields for p in parsed):
            manage.append("role")
    if any(p.kind == "phone" for p in parsed):
        manage.append("phone")
    account: dict[str, Any] = {
        "domains": scope,
        "manage": manage,
        "create_action": "create",
        "on_missing_user": "report",
    }
    # The owner cannot be changed through the API: protecting it keeps plans honest.
    protected = [u["email"] for u in users if str(u.get("role", "")).lower() == "owner"]
    if protected:
        account["protected"] = protected
    return account


def read_inputs(paths: Iterable[Path]) -> list[tuple[str, bytes]]:
    """The edge: each file's display name and bytes. Raises OSError or ValueError."""
    out: list[tuple[str, bytes]] = []
    for path in paths:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise ValueError(
                f"{path}: {size} bytes, over the {MAX_CSV_BYTES} byte limit for a CSV file"
            )
        out.append((str(path), path.read_bytes()))
    return out


__all__ = [
    "MAX_CSV_BYTES",
    "PHONE_COLUMNS",
    "USERS_COLUMNS",
    "USER_TYPES",
    "ImportResult",
    "ParsedCsv",
    "Problem",
    "classify",
    "import_csv",
    "read_inputs",
]
