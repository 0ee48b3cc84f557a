"""import-csv's public names, kept here so `zoomstate.importcsv` stays the one import.

The code lives in `zoomstate.io`: `importcsv` (files into state files: rows merged per
user, the account block), `csv_reader` (bytes, encodings, delimiters, the table),
`csv_users` and `csv_phone` (each file kind's columns and cells).
"""

from __future__ import annotations

from zoomstate.io.csv_phone import PHONE_COLUMNS
from zoomstate.io.csv_reader import Problem, Table, decode, read_table
from zoomstate.io.csv_users import USER_TYPES, USERS_COLUMNS
from zoomstate.io.importcsv import (
    HEADER,
    MAX_CSV_BYTES,
    ImportResult,
    ParsedCsv,
    classify,
    import_csv,
    parse_file,
    read_inputs,
)

__all__ = [
    "HEADER",
    "MAX_CSV_BYTES",
    "PHONE_COLUMNS",
    "USERS_COLUMNS",
    "USER_TYPES",
    "ImportResult",
    "ParsedCsv",
    "Problem",
    "Table",
    "classify",
    "decode",
    "import_csv",
    "parse_file",
    "read_inputs",
    "read_table",
]
