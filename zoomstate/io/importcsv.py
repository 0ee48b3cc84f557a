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
  file (plus `role` when it has a Role column, `groups` when it has a User Group column:
  the groups named become `account.groups.managed`), `phone` from a phone file. A users file
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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from zoomstate.emails import email_problem
from zoomstate.io.csv_phone import PHONE_COLUMNS, PHONE_MARKERS, phone_fields
from zoomstate.io.csv_reader import Kind, Problem, Run, Table, decode, norm, read_table
from zoomstate.io.csv_users import USERS_COLUMNS, USERS_MARKERS, users_fields
from zoomstate.model import Domain, UserSpec
from zoomstate.resources.phone_rules import Claim, Held, held_twice

# Zoom caps a user import at 9,999 rows; a file a thousand times larger is not a portal
# file, and reading it whole would only exhaust memory.
MAX_CSV_BYTES = 64 * 1024 * 1024
HEADER = "# Imported by zoomstate import-csv from {sources}.\n# Review before committing.\n"

# The e-mail's domain becomes account.domains, which is stricter than an e-mail address.
_DOMAIN: TypeAdapter[str] = TypeAdapter(Domain)


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


def classify(header: Sequence[str]) -> Kind | None:
    """Which kind of Zoom file a header row belongs to, or None."""
    names = [norm(h) for h in header]
    phone = {PHONE_COLUMNS[n] for n in names if n in PHONE_COLUMNS}
    users = {USERS_COLUMNS[n] for n in names if n in USERS_COLUMNS}
    if "email" in phone and phone & PHONE_MARKERS:
        return "phone"
    if "email" in users and users & USERS_MARKERS:
        return "users"
    return None


@dataclass(slots=True)
class _Columns:
    """Which column index feeds which state field, for one file."""

    kind: Kind
    index: dict[str, int]
    width: int


def _map_columns(name: str, table: Table, kind: Kind, run: Run) -> _Columns:
    header = table.header
    known = PHONE_COLUMNS if kind == "phone" else USERS_COLUMNS
    index: dict[str, int] = {}
    unmanaged: list[str] = []
    for i, title in enumerate(header):
        key = known.get(norm(title))
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
    name: str, line: int, cells: list[str], cols: _Columns, header: list[str], run: Run
) -> _Row | None:
    def get(key: str) -> str:
        i = cols.index.get(key)
        return cells[i] if i is not None and i < len(cells) else ""

    def warn(message: str) -> None:
        run.add(name, line, "warning", message)

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
    if cols.kind == "users":
        found, errors = users_fields(get)
        fields.update(found)
    else:
        fields["phone"], errors = phone_fields(get, warn)
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


def parse_file(name: str, raw: bytes, run: Run) -> ParsedCsv:
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
        for f in ("first_name", "last_name", "department", "job_title", "type", "role", "groups"):
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
    run = Run()
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


# How an import-csv problem names what two users hold.
_CLAIM_LABELS = {"extension": "extension", "number": "phone number"}


def _reject_shared(docs: Mapping[str, tuple[dict[str, Any], list[_Row]]], run: Run) -> None:
    """An extension or a number belongs to one user (validate refuses a state that gives
    it to two): both users are left out, since the files cannot say who is right."""
    claims: list[Claim[_Row]] = []
    for email, (doc, user_rows) in docs.items():
        phone = doc.get("phone") or {}
        held: list[tuple[Held, Any]] = [("number", n) for n in phone.get("numbers", [])]
        if "extension" in phone:
            held.insert(0, ("extension", phone["extension"]))
        if not held:
            continue
        row = next(r for r in user_rows if r.kind == "phone")
        claims += [Claim(kind, value, email, row) for kind, value in held]
    for claim, first in held_twice(claims):
        what = f"{_CLAIM_LABELS[claim.kind]} {claim.value}"
        row, other_row = claim.where, first.where
        run.reject(
            row.file,
            row.row,
            f"{what} is also given to {first.holder} (at {_where(other_row)})",
            claim.holder,
        )
        run.reject(
            other_row.file,
            other_row.row,
            f"{what} is also given to {claim.holder} (at {_where(row)})",
            first.holder,
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
        if any(p.kind == "users" and "groups" in p.fields for p in parsed):
            manage.append("groups")
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
    if "groups" in manage:
        # The groups the files name; a user's empty cell leaves its groups as they are.
        named = sorted({g for u in users for g in u.get("groups", ())})
        account["groups"] = {"managed": named, "create_missing": False}
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
    "HEADER",
    "MAX_CSV_BYTES",
    "ImportResult",
    "ParsedCsv",
    "classify",
    "import_csv",
    "parse_file",
    "read_inputs",
]
