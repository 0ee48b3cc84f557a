"""`zoomstate import-csv` on a corpus of portal CSV files (tests/csv/, see SOURCES.md):
exact state files, exact messages, and a round trip through the loader."""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from zoomstate.cli.import_csv import import_csv as import_csv_command
from zoomstate.importcsv import ImportResult, classify, import_csv
from zoomstate.loader import load_state

CORPUS = Path(__file__).parent / "csv"


def run(*names: str, domains: tuple[str, ...] = ()) -> ImportResult:
    return import_csv([(n, (CORPUS / n).read_bytes()) for n in names], domains)


def messages(result: ImportResult) -> list[str]:
    return [str(p) for p in result.problems]


def head(*names: str) -> str:
    sources = ", ".join(names)
    return f"# Imported by zoomstate import-csv from {sources}.\n# Review before committing.\n"


def round_trip(result: ImportResult, tmp_path: Path) -> int:
    """Write the files and load them as a state: the import must always validate."""
    for rel, text in result.files.items():
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return len(load_state(tmp_path).users)


def test_users_export_and_phone_file_merge_into_one_user_each(tmp_path: Path) -> None:
    result = run("users-export.csv", "phone-users.csv")
    assert messages(result) == [
        "users-export.csv:1: warning: not imported: 'Manager', 'IM Group', "
        "'Location' (zoomstate does not manage these columns; see docs/import-csv.md)",
        "phone-users.csv:1: warning: not imported: 'Desk Phone Brand', 'Desk Phone Model', "
        "'MAC Address' (zoomstate does not manage these columns; see docs/import-csv.md)",
    ]
    assert result.ok
    h = head("users-export.csv", "phone-users.csv")
    assert result.files["account.yaml"] == h + (
        "account:\n"
        "  domains:\n"
        "  - example.com\n"
        "  manage:\n"
        "  - users\n"
        "  - profile\n"
        "  - groups\n"
        "  - phone\n"
        "  create_action: create\n"
        "  on_missing_user: report\n"
        "  groups:\n"
        "    managed:\n"
        "    - Sales\n"
        "    create_missing: false\n"
    )
    # Alice's rows match case-insensitively; Dan is only in the phone file; the owner has
    # no phone row, so no phone block; "200" is a calling plan type code (an integer).
    assert result.files["users.yaml"] == h + (
        "users:\n"
        "- email: alice.ng@example.com\n"
        "  first_name: Alice\n"
        "  last_name: Ng\n"
        "  department: Sales, EMEA\n"
        "  job_title: Account Executive\n"
        "  type: licensed\n"
        "  groups:\n"
        "  - Sales\n"
        "  phone:\n"
        "    site: San Francisco\n"
        "    extension: 101101\n"
        "    calling_plans:\n"
        "    - US/CA Unlimited\n"
        "    numbers:\n"
        "    - '+14155550111'\n"
        "    template: Sales default\n"
        "- email: bob.smith@example.com\n"
        "  first_name: Bob\n"
        "  last_name: Smith, Jr.\n"
        "  department: Support\n"
        "  job_title: Support Engineer\n"
        "  type: basic\n"
        "  phone:\n"
        "    site: San Francisco\n"
        "    extension: 101102\n"
        "    calling_plans:\n"
        "    - US/CA Unlimited\n"
        "    numbers:\n"
        "    - '+14155550112'\n"
        "    - '+14155550113'\n"
        "- email: carol.diaz@example.com\n"
        "  first_name: Carol\n"
        "  last_name: Díaz\n"
        "  department: Support\n"
        "  type: none\n"
        "  phone:\n"
        "    site: Austin\n"
        "    extension: 101103\n"
        "- email: dan.okoro@example.com\n"
        "  phone:\n"
        "    site: London\n"
        "    calling_plans:\n"
        "    - UK/Ireland Metered\n"
        "    - 200\n"
        "    numbers:\n"
        "    - '+442071838750'\n"
        "- email: owner@example.com\n"
        "  first_name: Olivia\n"
        "  last_name: Owens\n"
        "  department: Leadership\n"
        "  job_title: CEO\n"
        "  type: licensed\n"
    )
    assert round_trip(result, tmp_path) == 5


def test_the_same_input_gives_byte_identical_files() -> None:
    first = run("users-export.csv", "phone-users.csv")
    again = run("users-export.csv", "phone-users.csv")
    assert first.files == again.files
    assert first.problems == again.problems


def test_zooms_import_template_empty_cells_are_left_out_not_cleared(tmp_path: Path) -> None:
    result = run("users-import-template.csv")
    assert messages(result) == [
        "users-import-template.csv:1: warning: not imported: 'Manager', "
        "'Location' (zoomstate does not manage these columns; see docs/import-csv.md)"
    ]
    assert result.files["users.yaml"].endswith(
        "- email: omar.haddad@example.com\n  first_name: Omar\n  last_name: Haddad\n"
    )
    assert round_trip(result, tmp_path) == 2


def test_a_users_file_alone_does_not_manage_phone() -> None:
    # Absent `phone` means "no Zoom Phone licence" only where phone is managed.
    account = run("users-import-template.csv").files["account.yaml"]
    assert "  manage:\n  - users\n  - profile\n  - groups\n  create_action" in account


def test_bom_semicolons_and_a_quoted_semicolon(tmp_path: Path) -> None:
    raw = (CORPUS / "users-bom-semicolon.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8) and b";" in raw.splitlines()[0]
    result = run("users-bom-semicolon.csv")
    assert messages(result) == []
    users = result.files["users.yaml"]
    assert "- email: anna.kowalska@example.de\n" in users
    assert "  department: Forschung; Entwicklung\n" in users
    assert "  last_name: Müller\n" in users
    assert "  - example.de\n" in result.files["account.yaml"]
    assert round_trip(result, tmp_path) == 2


def test_utf16_unicode_text_with_tabs(tmp_path: Path) -> None:
    assert (CORPUS / "users-unicode-text.csv").read_bytes().startswith(codecs.BOM_UTF16_LE)
    result = run("users-unicode-text.csv")
    assert messages(result) == []
    assert result.files["users.yaml"] == head("users-unicode-text.csv") + (
        "users:\n"
        "- email: li.wei@example.com\n"
        "  first_name: Wei\n"
        "  last_name: Li\n"
        "  department: 研发\n"
        "  type: licensed\n"
    )
    assert round_trip(result, tmp_path) == 1


def test_windows_1252_is_read_with_a_warning() -> None:
    at = (CORPUS / "users-windows-1252.csv").read_bytes().index("é".encode("cp1252"))
    result = run("users-windows-1252.csv")
    assert messages(result) == [
        f"users-windows-1252.csv: warning: not UTF-8 (byte {at}): read as "
        "Windows-1252, the encoding of Excel's 'CSV (Comma delimited)'; check accented "
        "names, or save as 'CSV UTF-8'"
    ]
    assert "  first_name: René\n" in result.files["users.yaml"]
    assert result.ok


def test_numbers_excel_mangled_are_named_and_fixed_only_when_unambiguous(
    tmp_path: Path,
) -> None:
    result = run("phone-excel-mangled.csv")
    nanp = "(11 digits starting with 1 are a North American number with its country code)"
    assert messages(result) == [
        "phone-excel-mangled.csv:2: warning: phone number '14155550121': a spreadsheet "
        f"dropped the '+'; read as '+14155550121' {nanp}",
        "phone-excel-mangled.csv:3: warning: extension '101202.0': a spreadsheet added '.0'; "
        "read as 101202",
        "phone-excel-mangled.csv:3: warning: phone number '14155550122.0': a spreadsheet "
        f"dropped the '+' and added '.0'; read as '+14155550122' {nanp}",
        "phone-excel-mangled.csv:4: error: cat.ng@example.com left out: phone number "
        "'1.41556E+10' is in scientific notation: a spreadsheet rounded it and its last "
        "digits are lost; export it again with the column formatted as Text",
        "phone-excel-mangled.csv:5: error: dev.rao@example.com left out: phone number "
        "'442071838751' has no '+' (a spreadsheet drops it) and its country code cannot be "
        "told for sure: if it is '+442071838751', write it so, in a column formatted as Text",
        "phone-excel-mangled.csv:6: error: eve.kim@example.com left out: phone number "
        "'00442071838752' is not in E.164 form: write it as '+442071838752' ('+' replaces 00)",
    ]
    assert not result.ok
    assert result.rejected_rows == 3
    users = result.files["users.yaml"]
    assert "'+14155550121'" in users and "'+14155550122'" in users
    assert "    extension: 101202\n" in users
    # Formatting characters around a number that has its '+' are unambiguous.
    assert "'+14155550124'" in users
    assert "cat.ng" not in users and "dev.rao" not in users and "eve.kim" not in users
    assert round_trip(result, tmp_path) == 3


def test_broken_rows_are_reported_with_file_and_row(tmp_path: Path) -> None:
    result = run("users-broken.csv")
    assert messages(result) == [
        # Row 3 is blank: skipped, and the row numbers still match the spreadsheet's.
        "users-broken.csv:4: error: row left out: no e-mail",
        "users-broken.csv:5: error: row left out: not an e-mail address: 'not-an-email'",
        "users-broken.csv:6: error: pat.doe@example.com left out: unknown user type "
        "'Premium' (expected Basic, Licensed, or Unassigned / No Meetings License)",
        "users-broken.csv:7: warning: dup.user@example.com left out: another of its rows "
        "has an error",
        "users-broken.csv:8: error: dup.user@example.com left out: duplicate e-mail (also at "
        "users-broken.csv:7)",
        "users-broken.csv:9: error: sam.roe@example.com left out: 7 values but the header has "
        "6 columns: a comma or semicolon inside a value that is not in quotes?",
        "users-broken.csv:10: error: old.timer@example.com left out: user type 'On-Prem' is "
        "Zoom's retired on-prem type, which zoomstate does not support",
        "users-broken.csv:11: error: long.name@example.com left out: first name has 72 "
        "characters; Zoom allows 64",
    ]
    assert result.rejected_rows == 7
    assert result.files["users.yaml"] == head("users-broken.csv") + (
        "users:\n"
        "- email: good.one@example.com\n"
        "  first_name: Good\n"
        "  last_name: One\n"
        "  department: Ops\n"
        "  type: basic\n"
    )
    assert round_trip(result, tmp_path) == 1


def test_a_phone_file_without_a_users_file(tmp_path: Path) -> None:
    result = run("phone-only.csv")
    assert messages(result) == [
        "phone-only.csv:1: warning: not imported: 'Outbound Caller ID' (zoomstate does not "
        "manage this column; see docs/import-csv.md)"
    ]
    h = head("phone-only.csv")
    assert result.files["account.yaml"] == h + (
        "account:\n"
        "  domains:\n"
        "  - example.org\n"
        "  manage:\n"
        "  - phone\n"
        "  create_action: create\n"
        "  on_missing_user: report\n"
    )
    assert result.files["users.yaml"] == h + (
        "users:\n"
        "- email: yan.liu@example.org\n"
        "  phone:\n"
        "    site: Remote\n"
        "    extension: 301002\n"
        "- email: zed.park@example.org\n"
        "  phone:\n"
        "    site: Remote\n"
        "    extension: 301001\n"
        "    calling_plans:\n"
        "    - US/CA Unlimited\n"
        "    numbers:\n"
        "    - '+12125550101'\n"
        "    template: Remote staff\n"
    )
    assert round_trip(result, tmp_path) == 2


def test_shared_extensions_and_numbers_and_numbers_without_a_plan(tmp_path: Path) -> None:
    result = run("phone-conflicts.csv", domains=("example.com",))
    assert messages(result) == [
        "phone-conflicts.csv:2: error: gil.ross@example.com left out: extension 101301 is "
        "also given to hal.west@example.com (at phone-conflicts.csv:3)",
        "phone-conflicts.csv:2: error: gil.ross@example.com left out: phone number "
        "+14155550131 is also given to kim.hart@example.com (at phone-conflicts.csv:6)",
        "phone-conflicts.csv:3: error: hal.west@example.com left out: extension 101301 is "
        "also given to gil.ross@example.com (at phone-conflicts.csv:2)",
        "phone-conflicts.csv:4: error: ida.moss@example.com left out: direct numbers need a "
        "calling plan (Zoom drops a number whose calling plan goes) and this row has none",
        "phone-conflicts.csv:5: error: jon.lake@example.com left out: extension '10a' is not "
        "a whole number",
        "phone-conflicts.csv:6: error: kim.hart@example.com left out: phone number "
        "+14155550131 is also given to gil.ross@example.com (at phone-conflicts.csv:2)",
    ]
    # Every row was rejected; --domain still gives a valid (empty) state.
    assert result.files["users.yaml"] == head("phone-conflicts.csv") + "users: []\n"
    assert round_trip(result, tmp_path) == 0


def test_nothing_imported_and_no_domain_writes_nothing() -> None:
    result = run("phone-conflicts.csv")
    assert result.files == {}
    assert messages(result)[-1] == (
        "error: no user could be imported, so there is no domain for account.domains: "
        "nothing written (give --domain to write a state without users)"
    )


def test_a_file_that_is_not_a_zoom_users_file() -> None:
    result = run("meeting-participants.csv", "users-import-template.csv")
    assert messages(result)[0] == (
        "meeting-participants.csv:1: error: not a Zoom users or phone users file (headers "
        "'Name (Original Name)', 'User Email', 'Join Time', 'Leave Time', 'Duration "
        "(Minutes)', 'Guest'); a users file has Email, First Name, Last Name...; a phone file "
        "has Email and Extension Number, Site, Calling Plan...: file skipped"
    )
    assert not result.ok
    assert result.users == 2


def test_domain_limits_the_users_and_becomes_the_scope() -> None:
    result = run("users-export.csv", "users-bom-semicolon.csv", domains=("example.de",))
    rejected = [m for m in messages(result) if "error" in m]
    assert rejected[0] == (
        "users-export.csv:2: error: alice.ng@example.com left out: outside --domain (example.de)"
    )
    assert len(rejected) == 4
    assert "  domains:\n  - example.de\n" in result.files["account.yaml"]
    assert result.users == 2


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        (["Email", "First Name", "Last Name"], "users"),
        (["EMAIL ADDRESS", "first_name", "last_name", "User Type"], "users"),
        (["\ufeffEmail (required)", "First Name (required)"], "users"),
        (["Email", "Extension Number", "Site Name", "Calling Plan"], "phone"),
        (["email", "extension_number", "site_name", "calling_plans", "phone_numbers"], "phone"),
        (["E-mail", "  Package Name  ", "Phone Number"], "phone"),
        (["Email", "Phone Number"], None),  # a number column alone is no phone file
        (["First Name", "Last Name"], None),  # no e-mail
        (["Topic", "Meeting ID", "User Email"], None),
    ],
)
def test_file_kind_from_headers(header: list[str], kind: str | None) -> None:
    assert classify(header) == kind


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Basic", "basic"),
        ("basic", "basic"),
        ("1", "basic"),
        ("Licensed", "licensed"),
        ("LICENSED", "licensed"),
        ("Pro", "licensed"),
        ("2", "licensed"),
        ("No Meetings License", "none"),
        ("Unassigned", "none"),
        ("Unassigned without Meetings Basic", "none"),
        ("4", "none"),
    ],
)
def test_user_type_labels(label: str, expected: str) -> None:
    text = f"Email,First Name,Last Name,User Type\na@example.com,A,B,{label}\n"
    result = import_csv([("u.csv", text.encode())])
    assert f"  type: {expected}\n" in result.files["users.yaml"]


def test_a_role_column_is_managed_and_the_owner_protected(tmp_path: Path) -> None:
    text = (
        "Email,First Name,Last Name,Role\n"
        "boss@example.com,Bo,Ss,Owner\n"
        "dev@example.com,De,V,Member\n"
        "new@example.com,Ne,W,\n"
    )
    result = import_csv([("roles.csv", text.encode())])
    account = result.files["account.yaml"]
    assert "  - profile\n  - role\n" in account
    assert account.endswith("  protected:\n  - boss@example.com\n")
    assert "  role: Member\n" in result.files["users.yaml"]
    assert round_trip(result, tmp_path) == 3


def test_an_email_whose_domain_cannot_be_a_scope(tmp_path: Path) -> None:
    text = "Email,First Name,Last Name\na@host.c1,A,B\nb@example.com,B,C\n"
    result = import_csv([("d.csv", text.encode())])
    assert messages(result) == [
        "d.csv:2: error: a@host.c1 left out: the domain of 'a@host.c1' is not one "
        "account.domains can hold"
    ]
    assert round_trip(result, tmp_path) == 1


def test_rows_with_trailing_empty_columns_and_unnamed_values() -> None:
    text = "Email,First Name,Last Name,,\na@example.com,A,B,,\nb@example.com,B,C,,oops\n"
    result = import_csv([("t.csv", text.encode())])
    assert messages(result) == [
        "t.csv:3: error: b@example.com left out: a value in column 5, which has no header"
    ]
    assert result.users == 1


# -- the command -------------------------------------------------------------------------


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(import_csv_command, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_command_writes_files_and_lists_them_on_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(CORPUS)
    out = tmp_path / "state"
    code, stdout, stderr = invoke("users-export.csv", "phone-users.csv", "--out", str(out))
    assert code == 0, stderr
    assert stdout == f"{out / 'account.yaml'}\n{out / 'users.yaml'}\n"
    assert stderr.splitlines()[-1] == "imported 5 users from 2 files"
    assert stderr.count("not imported") == 2
    assert len(load_state(out).users) == 5
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    code, _, _ = invoke("users-export.csv", "phone-users.csv", "--out", str(out), "--force")
    assert code == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first


def test_command_writes_what_converted_and_exits_1_on_rejected_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(CORPUS)
    out = tmp_path / "state"
    code, stdout, stderr = invoke("users-broken.csv", "--out", str(out))
    assert code == 1
    assert stdout.splitlines() == [str(out / "account.yaml"), str(out / "users.yaml")]
    assert "users-broken.csv:6: error: pat.doe@example.com left out: unknown user type" in stderr
    assert stderr.splitlines()[-1] == "imported 1 users from 1 files, 7 rows left out"
    assert len(load_state(out).users) == 1


def test_command_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    code, stdout, stderr = invoke(str(CORPUS / "users-export.csv"), "--out", str(tmp_path))
    assert code == 1
    assert stdout == ""
    assert stderr == f"Error: {tmp_path} is not empty: use --force to write into it\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_command_rejects_a_bad_domain(tmp_path: Path) -> None:
    code, _, stderr = invoke(
        str(CORPUS / "users-export.csv"), "--domain", "not a domain", "--out", str(tmp_path)
    )
    assert code == 2  # click's usage error; zoomstate's main maps it to 64
    assert "Invalid value for '--domain': not a domain name: 'not a domain'" in stderr


def test_command_help_has_examples() -> None:
    code, stdout, _ = invoke("--help")
    assert code == 0
    assert "zoomstate import-csv users.csv phone-users.csv --out state/" in stdout
    assert "--domain" in stdout and "--force" in stdout


# -- whatever the cells hold, the written state validates ---------------------------------

_CELLS = st.sampled_from(
    [
        "",
        "a@example.com",
        "B@Example.com",
        "c@example.org",
        "not-an-email",
        "Alice",
        "Smith, Jr.",
        "x" * 70,
        "Basic",
        "Licensed",
        "Premium",
        "101001",
        "101001.0",
        "0",
        "10a",
        "+14155550100",
        "14155550100",
        "442071838750",
        "1.41556E+10",
        "+14155550100;+14155550101",
        "US/CA Unlimited",
        "200",
        "San Francisco",
    ]
)


def _column(*good: str) -> st.SearchStrategy[str]:
    """Mostly plausible values for one column, sometimes any of the tricky ones."""
    return st.one_of(st.sampled_from(good), st.sampled_from(good), st.sampled_from(good), _CELLS)


# Enough addresses that most rows are not duplicates; few extensions, so some clash.
_EMAILS = _column("B@Example.com", "c@example.org", *(f"u{i}@example.com" for i in range(10)))
_COLUMNS = {
    "users": {
        "Email": _EMAILS,
        "First Name": _column("Alice", "", "Bob"),
        "Last Name": _column("Smith, Jr.", "Ng"),
        "Department": _column("Sales; EMEA", "", "Support"),
        "User Type": _column("Basic", "Licensed", "No Meetings License", ""),
        "User Group": _CELLS,
    },
    "phone": {
        "Email": _EMAILS,
        "Extension Number": _column("101001", "101002", "101003.0", ""),
        "Site Name": _column("San Francisco", ""),
        "Calling Plan": _column("US/CA Unlimited", "200", ""),
        "Phone Number": _column("+14155550100", "14155550101", "+442071838750", ""),
    },
}


@st.composite
def _csv_file(draw: st.DrawFn, kind: str) -> bytes:
    columns = _COLUMNS[kind]
    row = st.tuples(*columns.values()).map(list)
    # Sometimes a value more than the header has (an unquoted comma in a hand-made file).
    longer = st.tuples(row, _CELLS).map(lambda t: [*t[0], t[1]])
    rows = draw(st.lists(st.one_of(row, row, row, longer), max_size=8))
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=draw(st.sampled_from([",", ";"])))
    writer.writerow(list(columns))
    writer.writerows(rows)
    return buf.getvalue().encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])))


@settings(max_examples=150, derandomize=True, deadline=None)
@given(users=_csv_file("users"), phone=_csv_file("phone"))
def test_any_import_that_writes_files_writes_a_valid_state(users: bytes, phone: bytes) -> None:
    result = import_csv([("u.csv", users), ("p.csv", phone)])
    assert result.ok == (result.rejected_rows == 0 and result.users > 0)
    with tempfile.TemporaryDirectory() as tmp:
        if result.files:
            assert round_trip(result, Path(tmp)) == result.users
